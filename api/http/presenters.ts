import type { ActiveKeyState, CreateOrRenewOutcome } from '../../infrastructure/commands/keyCommands';
import { statusAt } from '../../domain';
import type { KeyView } from '../../projections/readModel/keyView';
import type { Verification } from '../../projections/readModel/verifier';

const iso = (ms: number) => new Date(ms).toISOString();

/** The create/renew answer: the only answer that ever carries a key. */
export function presentCreated(outcome: CreateOrRenewOutcome) {
  const s: ActiveKeyState = outcome.state;
  return {
    key: outcome.key,
    alias: s.alias,
    name: s.name,
    roles: s.roles,
    is_active: s.status === 'active',
    expire: iso(s.expire),
    created_at: iso(s.createdAt),
    updated_at: iso(s.updatedAt),
    renewed: outcome.renewed,
  };
}

/** A key without its secret, with its status at `nowMs`: the list, `GET /api/apikey/:alias` and its `as_of` answer. */
export function presentSummary(view: KeyView, nowMs: number) {
  return {
    alias: view.alias,
    name: view.name,
    roles: view.roles,
    is_active: view.status === 'active',
    status: statusAt(view, nowMs),
    expire: iso(view.expire),
    key_prefix: view.keyPrefix,
    created_at: iso(view.createdAt),
    updated_at: iso(view.updatedAt),
    last_used_at: view.lastUsedAt === undefined ? null : iso(view.lastUsedAt),
  };
}

/** The verification answer, shared by POST /api/apikey/verify and the Fastify plugin's local mode. */
export function presentVerification({ code, view }: Verification) {
  return {
    valid: code === 'VALID',
    code,
    alias: view?.alias ?? null,
    name: view?.name ?? null,
    roles: view?.roles ?? null,
    expire: view ? iso(view.expire) : null,
  };
}
