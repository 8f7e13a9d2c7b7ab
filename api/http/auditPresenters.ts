import type { AuditEntry } from '../../projections/audit/auditEntry';
import type { RoleHolder } from '../../projections/audit/roleHolders';

const iso = (ms: number) => new Date(ms).toISOString();

function presentChanges(c: AuditEntry['changes']) {
  return {
    ...(c.name !== undefined && { name: c.name }),
    ...(c.roles !== undefined && { roles: c.roles }),
    ...(c.expire !== undefined && { expire: iso(c.expire) }),
    ...(c.active !== undefined && { is_active: c.active }),
    ...(c.keyPrefix !== undefined && { key_prefix: c.keyPrefix }),
    ...(c.reactivated !== undefined && { reactivated: c.reactivated }),
    ...(c.owner !== undefined && { owner: c.owner }),
    ...(c.meta !== undefined && { meta: c.meta }),
    ...(c.previousKeyValidUntil !== undefined && {
      previous_key_valid_until: c.previousKeyValidUntil === null ? null : iso(c.previousKeyValidUntil),
    }),
  };
}

export function presentHistoryItem(e: AuditEntry) {
  return {
    type: e.type,
    version: e.version,
    time: iso(e.time),
    actor: e.actor,
    request_id: e.requestId,
    correlation_id: e.correlationId,
    causation_id: e.causationId,
    changes: presentChanges(e.changes),
    revision: Number(e.revision),
    position: e.position.toString(),
  };
}

export function presentAuditItem(e: AuditEntry) {
  return { alias: e.alias, ...presentHistoryItem(e) };
}

export function presentHolder(h: RoleHolder) {
  return {
    alias: h.alias,
    name: h.name,
    roles: h.roles,
    key_prefix: h.keyPrefix,
    expire: iso(h.expire),
    held_at: iso(h.heldAt),
  };
}
