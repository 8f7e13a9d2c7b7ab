import { keyStreamName } from '../../infrastructure/eventStore/apiKeyCodec';
import type { EventStore } from '../../infrastructure/eventStore/port';
import { toAuditEntry, type AuditEntry } from './auditEntry';
import { keyEventPages, keyStreamEvents, type Direction, type KeyEvent } from './keyEvents';

/**
 * The audit feed answers from the event log itself, through the port's readAll (stream
 * prefix `apikey-`) or readStream (one alias), filtering in memory chunk by chunk.
 * Why not a projection built for it: the log is the audit source of truth, so there is no
 * second copy that could drift from it, lag behind it, or need a rebuild; and it works the
 * same on every adapter that honours the port. The cost is a scan for sparse filters,
 * bounded per call by SCAN_BUDGET (see AuditFeedPage.next).
 */

export type AuditOrder = 'asc' | 'desc';

export interface AuditFilter {
  alias?: string;
  type?: string;
  actor?: string;
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
}

export interface AuditFeedQuery extends AuditFilter {
  order: AuditOrder;
  limit: number;
  /** Exclusive global position to continue from (in the query's order). */
  after?: bigint;
}

export interface AuditFeedPage {
  items: AuditEntry[];
  /**
   * Where the next page starts (exclusive), or undefined at the end of the log. A page can
   * hold fewer than `limit` items when a sparse filter used up the scan budget: follow it.
   */
  next?: bigint;
}

export const SCAN_BUDGET = 20_000;

/** One key's stream is short: read once, ordered and bounded in memory. */
async function* oneStream(
  store: EventStore,
  alias: string,
  direction: Direction,
  after?: bigint,
): AsyncGenerator<KeyEvent[]> {
  const events = await keyStreamEvents(store, keyStreamName(alias));
  if (direction === 'backwards') events.reverse();
  const beyond = (p: bigint) => after === undefined || (direction === 'forwards' ? p > after : p < after);
  yield events.filter((e) => beyond(e.recorded.position));
}

function matches(entry: AuditEntry, filter: AuditFilter): boolean {
  return (
    (filter.alias === undefined || entry.alias === filter.alias) &&
    (filter.type === undefined || entry.type === filter.type) &&
    (filter.actor === undefined || entry.actor === filter.actor) &&
    (filter.since === undefined || entry.time >= filter.since) &&
    (filter.until === undefined || entry.time < filter.until)
  );
}

/**
 * One page of the feed. Stable under concurrent writes: the cursor is a global position,
 * positions only grow, and every bound is exclusive, so a page never repeats or skips an
 * event that the previous pages did not already cover.
 */
export async function readAuditFeed(store: EventStore, query: AuditFeedQuery): Promise<AuditFeedPage> {
  const direction: Direction = query.order === 'asc' ? 'forwards' : 'backwards';
  const source =
    query.alias !== undefined
      ? oneStream(store, query.alias, direction, query.after)
      : keyEventPages(store, direction, query.after);
  const items: AuditEntry[] = [];
  let scanned = 0;
  let lastScanned: bigint | undefined;
  for await (const chunk of source) {
    for (const keyEvent of chunk) {
      const entry = toAuditEntry(keyEvent);
      if (matches(entry, query)) {
        // One match past the page tells that there is more, without a second call.
        if (items.length === query.limit) return { items, next: items[items.length - 1]!.position };
        items.push(entry);
      }
      lastScanned = entry.position;
      if (++scanned >= SCAN_BUDGET) return { items, next: lastScanned };
    }
  }
  return { items };
}
