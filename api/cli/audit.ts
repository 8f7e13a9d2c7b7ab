import { parseArgs } from 'node:util';
import { InvalidCommandError } from '../../domain';
import { encodeCursor } from '../../projections/audit/auditCursor';
import type { AuditEntry } from '../../projections/audit/auditEntry';
import { readAuditFeed } from '../../projections/audit/auditFeed';
import { keyHistory } from '../../projections/audit/history';
import { presentAuditItem, presentHistoryItem } from '../http/auditPresenters';
import { toFeedQuery } from '../http/auditQuery';
import { auditQuery } from '../http/auditSchemas';
import { table } from './table';
import type { Keyledger } from '../composition';

export interface AuditCliIo {
  out(line: string): void;
  err(line: string): void;
}

export const AUDIT_USAGE = `  history <alias> [--json]                                    every change of a key, oldest first
  audit [--actor Y] [--since T] [--until T] [--alias A] [--type ApiKeyRevoked]
        [--limit N] [--order desc|asc] [--cursor C] [--json]  the audit log, newest first`;

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

const row = (e: AuditEntry) => [
  e.position.toString(),
  new Date(e.time).toISOString(),
  e.alias,
  e.type,
  e.actor,
  e.requestId,
  describe(e),
];
const HEADER = ['POSITION', 'TIME', 'ALIAS', 'TYPE', 'ACTOR', 'REQUEST', 'CHANGES'];

async function history(ledger: Keyledger, args: string[], io: AuditCliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false } },
  });
  const alias = positionals[0]?.trim();
  if (!alias) throw new InvalidCommandError('history needs an alias: history <alias>');
  const entries = await keyHistory(ledger.store, alias);
  if (!entries) {
    io.err('API key not found');
    return 1;
  }
  if (values.json) io.out(JSON.stringify({ alias, items: entries.map(presentHistoryItem) }, null, 2));
  else io.out(table([HEADER, ...entries.map(row)]));
  return 0;
}

async function audit(ledger: Keyledger, args: string[], io: AuditCliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      actor: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      alias: { type: 'string' },
      type: { type: 'string' },
      limit: { type: 'string' },
      order: { type: 'string' },
      cursor: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const { json, ...raw } = values;
  // The HTTP route's own schema: same defaults, same checks, same messages.
  const parsed = auditQuery.safeParse(raw);
  if (!parsed.success) throw new InvalidCommandError(parsed.error.issues[0]?.message ?? 'invalid arguments');
  const query = toFeedQuery(parsed.data);
  const page = await readAuditFeed(ledger.store, query);
  const nextCursor = page.next === undefined ? null : encodeCursor(query.order, page.next);
  if (json) io.out(JSON.stringify({ items: page.items.map(presentAuditItem), next_cursor: nextCursor }, null, 2));
  else {
    io.out(page.items.length === 0 ? 'No events.' : table([HEADER, ...page.items.map(row)]));
    if (nextCursor) io.out(`More: --cursor ${nextCursor}`);
  }
  return 0;
}

/** The audit commands of the CLI; undefined when the command is not one of them. */
export function auditCommand(
  command: string,
): ((ledger: Keyledger, args: string[], io: AuditCliIo) => Promise<number>) | undefined {
  if (command === 'history') return history;
  if (command === 'audit') return audit;
  return undefined;
}
