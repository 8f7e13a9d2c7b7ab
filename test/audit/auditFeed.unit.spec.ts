import type { EventStore, ReadAllOptions, RecordedEvent } from '../../infrastructure/eventStore/port';
import { decodeCursor, encodeCursor } from '../../projections/audit/auditCursor';
import { readAuditFeed, SCAN_BUDGET } from '../../projections/audit/auditFeed';

/** Positions past 2^53: a number would lose them, a bigint and a decimal string do not. */
const BASE = 2n ** 60n;

function event(i: number, actor: string): RecordedEvent {
  return {
    id: `e${i}`,
    type: 'ApiKeyRevoked.v1',
    data: { alias: `k${i}`, revokedAt: '2025-01-01T00:00:00.000Z' },
    metadata: {
      actor,
      requestId: `r${i}`,
      correlationId: `r${i}`,
      causationId: `r${i}`,
      at: '2025-01-01T00:00:00.000Z',
    },
    streamName: `apikey-k${i}`,
    revision: 0n,
    position: BASE + BigInt(i) * 3n,
    createdAt: new Date(0),
  };
}

/** Just enough of the port: readAll with exclusive bounds, direction, maxCount and prefixes. */
function memoryStore(events: RecordedEvent[]): EventStore {
  const store = {
    kind: 'sqlite' as const,
    async readAll(o: ReadAllOptions = {}) {
      const back = o.direction === 'backwards';
      const list = (back ? [...events].reverse() : events).filter(
        (e) =>
          (o.after === undefined || (back ? e.position < o.after : e.position > o.after)) &&
          (!o.streamPrefixes || o.streamPrefixes.some((p) => e.streamName.startsWith(p))),
      );
      return list.slice(0, o.maxCount ?? list.length);
    },
    async readStream(name: string) {
      return events.filter((e) => e.streamName === name);
    },
  };
  return store as unknown as EventStore;
}

describe('readAuditFeed', () => {
  it('keeps bigint positions exact and pages without duplicates', async () => {
    const store = memoryStore(Array.from({ length: 10 }, (_, i) => event(i, 'a')));
    const first = await readAuditFeed(store, { order: 'asc', limit: 4 });
    expect(first.items.map((e) => e.position)).toEqual([0n, 3n, 6n, 9n].map((d) => BASE + d));
    expect(first.next).toBe(BASE + 9n);
    const cursor = encodeCursor('asc', first.next!);
    expect(decodeCursor('asc', cursor)).toBe(BASE + 9n);
    expect(decodeCursor('desc', cursor)).toBeUndefined();
    const second = await readAuditFeed(store, { order: 'asc', limit: 10, after: decodeCursor('asc', cursor) });
    expect(second.items[0]!.position).toBe(BASE + 12n);
    expect(second.items).toHaveLength(6);
    expect(second.next).toBeUndefined();
  });

  it('stops a sparse scan at the budget and hands back a cursor to go on from', async () => {
    const events = Array.from({ length: SCAN_BUDGET + 10 }, (_, i) =>
      event(i, i === SCAN_BUDGET + 5 ? 'rare' : 'busy'),
    );
    const store = memoryStore(events);
    const first = await readAuditFeed(store, { order: 'asc', limit: 5, actor: 'rare' });
    expect(first.items).toEqual([]);
    expect(first.next).toBe(events[SCAN_BUDGET - 1]!.position);
    const second = await readAuditFeed(store, { order: 'asc', limit: 5, actor: 'rare', after: first.next });
    expect(second.items.map((e) => e.alias)).toEqual([`k${SCAN_BUDGET + 5}`]);
    expect(second.next).toBeUndefined();
  });
});
