import type { AuditEntry } from '../../projections/audit/auditEntry';
import { table } from './table';

function describe(e: AuditEntry): string {
  const c = e.changes;
  const parts: string[] = [];
  if (c.name !== undefined) parts.push(`name=${c.name}`);
  if (c.roles !== undefined) parts.push(`roles=${c.roles.join(',') || '-'}`);
  if (c.expire !== undefined) parts.push(`expire=${new Date(c.expire).toISOString()}`);
  if (c.active !== undefined) parts.push(`active=${c.active}`);
  if (c.keyPrefix !== undefined) parts.push(`prefix=${c.keyPrefix}`);
  if (c.reactivated) parts.push('reactivated');
  return parts.join(' ');
}

const HEADER = ['POSITION', 'TIME', 'ALIAS', 'TYPE', 'ACTOR', 'REQUEST', 'CHANGES'];

/** Audit entries as a table, one event a row. */
export function auditTable(entries: readonly AuditEntry[]): string {
  return table([
    HEADER,
    ...entries.map((e) => [
      e.position.toString(),
      new Date(e.time).toISOString(),
      e.alias,
      e.type,
      e.actor,
      e.requestId,
      describe(e),
    ]),
  ]);
}
