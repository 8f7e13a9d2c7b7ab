import { InvalidCommandError } from '../../domain';
import { decodeCursor } from '../../projections/audit/auditCursor';
import type { AuditFeedQuery } from '../../projections/audit/auditFeed';
import type { TimeWindow } from '../../projections/audit/roleHolders';
import type { AuditQuery } from './auditSchemas';

const DAY_MS = 24 * 3600 * 1000;
const MAX_POSITION = 2n ** 63n - 1n;

/** Parsed query -> feed query; shared by the route and the CLI. Throws InvalidCommandError (400). */
export function toFeedQuery(q: AuditQuery): AuditFeedQuery {
  if (q.since !== undefined && q.until !== undefined && q.since > q.until)
    throw new InvalidCommandError('since must not be after until');
  let after: bigint | undefined;
  if (q.cursor !== undefined) {
    after = decodeCursor(q.order, q.cursor);
    // Positions are signed 64-bit integers in every store: anything past that is not one of ours.
    if (after === undefined || after > MAX_POSITION) throw new InvalidCommandError('invalid cursor');
  }
  return {
    order: q.order,
    limit: q.limit,
    after,
    alias: q.alias,
    type: q.type,
    actor: q.actor,
    since: q.since,
    until: q.until,
  };
}

/** `at` (an instant, default now) or `day` (a whole UTC day), not both. */
export function holdersWindow(q: { at?: number; day?: string }, nowMs: number): TimeWindow {
  if (q.at !== undefined && q.day !== undefined) throw new InvalidCommandError('give either at or day, not both');
  if (q.day !== undefined) {
    const from = Date.parse(`${q.day}T00:00:00.000Z`);
    return { from, to: from + DAY_MS };
  }
  const at = q.at ?? nowMs;
  return { from: at, to: at };
}
