/**
 * Group commit in the SQLite adapter: appends that arrive together are written in one
 * transaction (one fsync), each under its own savepoint. Every caller must still get the
 * answer a serial execution in call order gives, and one append's failure must not roll
 * back the others. No timing is asserted.
 */
import Database from 'better-sqlite3';
import { openSqliteEventStore, type SqliteEventStore } from '../../infrastructure/eventStore/sqlite';
import type { AppendResult, NewEvent } from '../../infrastructure/eventStore/port';
import { EventStoreUnavailableError, WrongExpectedRevisionError } from '../../infrastructure/eventStore/port';
import { useTempSqliteStore } from '../support/sqliteStore';

let seq = 0;
const id = () => `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;
const event = (eventId = id(), data: Record<string, unknown> = { n: seq }): NewEvent => ({
  id: eventId,
  type: 'Test.v1',
  data,
  metadata: { actor: 't', requestId: 'r', correlationId: 'r', causationId: 'r', at: '2026-01-01T00:00:00.000Z' },
});

type Settled = { ok: true; value: AppendResult } | { ok: false; error: unknown };
const settle = (p: Promise<AppendResult>): Promise<Settled> =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

describe('SQLite group commit', () => {
  const fixture = useTempSqliteStore();
  let store: SqliteEventStore;
  beforeEach(() => {
    store = fixture.store;
  });

  it('answers concurrent appends to different streams and conflicting ones on one stream as a serial run would', async () => {
    const calls: { stream: string; expected: 'no_stream' | bigint; events: NewEvent[] }[] = [];
    for (let i = 0; i < 20; i++) calls.push({ stream: `s-${i}`, expected: 'no_stream', events: [event()] });
    // Five racers on one stream, all expecting it absent: the first in call order wins.
    for (let i = 0; i < 5; i++)
      calls.splice(3 + i * 4, 0, { stream: 'same', expected: 'no_stream', events: [event()] });
    // A chain on another stream within the same batch: revision 0, then expecting 0, then 1.
    calls.push({ stream: 'chain', expected: 'no_stream', events: [event()] });
    calls.push({ stream: 'chain', expected: 0n, events: [event(), event()] });
    calls.push({ stream: 'chain', expected: 2n, events: [event()] });
    calls.push({ stream: 'chain', expected: 2n, events: [event()] }); // stale: the head is 3 now

    const results = await Promise.all(calls.map((c) => settle(store.appendToStream(c.stream, c.events, c.expected))));

    const sameResults = results.filter((_, i) => calls[i]!.stream === 'same');
    expect(sameResults[0]!.ok).toBe(true);
    for (const r of sameResults.slice(1)) {
      expect(r.ok).toBe(false);
      const error = (r as { error: unknown }).error;
      expect(error).toBeInstanceOf(WrongExpectedRevisionError);
      expect((error as WrongExpectedRevisionError).actual).toBe(0n);
      expect((error as WrongExpectedRevisionError).streamName).toBe('same');
    }
    const chain = results.slice(-4);
    expect(chain.map((r) => r.ok)).toEqual([true, true, true, false]);
    expect(chain.slice(0, 3).map((r) => (r as { value: AppendResult }).value.nextRevision)).toEqual([0n, 2n, 3n]);
    expect(((chain[3] as { error: unknown }).error as WrongExpectedRevisionError).actual).toBe(3n);

    // Positions strictly increase in call order over the successful appends, and the log holds exactly those.
    const written = calls.flatMap((c, i) => (results[i]!.ok ? c.events.map((e) => e.id) : []));
    const positions = results.flatMap((r) => (r.ok ? [r.value.position] : []));
    for (let i = 1; i < positions.length; i++) expect(positions[i]!).toBeGreaterThan(positions[i - 1]!);
    const log = await store.readAll();
    expect(log.map((e) => e.id)).toEqual(written);
    // Each answer's position is its last event's.
    calls.forEach((c, i) => {
      const r = results[i]!;
      if (!r.ok) return;
      const last = log.find((e) => e.id === c.events[c.events.length - 1]!.id)!;
      expect(r.value).toEqual({ nextRevision: last.revision, position: last.position });
      expect(last.streamName).toBe(c.stream);
    });
    expect(log.filter((e) => e.streamName === 'same')).toHaveLength(1);
  });

  it('rolls back only the failing append, including its earlier events, and commits the rest of the batch', async () => {
    const taken = event();
    await store.appendToStream('owner', [taken], 'no_stream');
    const before = event();
    const after = event();
    const halfBad = [event(), taken]; // the second id is already in the log (another stream): UNIQUE violation
    const [a, bad, b, bigintData] = await Promise.all([
      settle(store.appendToStream('a', [before], 'no_stream')),
      settle(store.appendToStream('bad', halfBad, 'no_stream')),
      settle(store.appendToStream('b', [after], 'any')),
      settle(store.appendToStream('c', [event(id(), { n: 1n })], 'any')), // not serializable
    ]);
    expect(a.ok && b.ok).toBe(true);
    expect(bad.ok).toBe(false);
    // By name and code: the native addon's SqliteError class is per process, Jest's per test file.
    expect((bad as { error: unknown }).error).toMatchObject({
      name: 'SqliteError',
      code: expect.stringMatching(/^SQLITE_CONSTRAINT/) as unknown,
    });
    expect(bigintData.ok).toBe(false);
    expect((bigintData as { error: unknown }).error).toBeInstanceOf(TypeError);
    const log = await store.readAll();
    expect(log.map((e) => e.id)).toEqual([taken.id, before.id, after.id]);
    expect(await store.readStream('bad')).toEqual([]);
  });

  it('fails the whole batch as unavailable when the transaction cannot be had, and a retry then writes it once', async () => {
    const locker = new Database(store.file);
    (store as unknown as { db: Database.Database }).db.pragma('busy_timeout = 10');
    const one = [event()];
    const two = [event(), event()];
    locker.exec('BEGIN IMMEDIATE'); // another writer holds the write lock
    try {
      const results = await Promise.all([
        settle(store.appendToStream('u-1', one, 'no_stream')),
        settle(store.appendToStream('u-2', two, 'no_stream')),
      ]);
      for (const r of results) {
        expect(r.ok).toBe(false);
        expect((r as { error: unknown }).error).toBeInstanceOf(EventStoreUnavailableError);
      }
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
    expect(await store.readAll()).toEqual([]);
    const [r1, r2] = await Promise.all([
      store.appendToStream('u-1', one, 'no_stream'),
      store.appendToStream('u-2', two, 'no_stream'),
    ]);
    expect([r1.nextRevision, r2.nextRevision]).toEqual([0n, 1n]);
    expect((await store.readAll()).map((e) => e.id)).toEqual([...one, ...two].map((e) => e.id));
  });

  it('answers a retried append in the same batch as the first, writing its events once', async () => {
    const events = [event(), event()];
    const [first, retry] = await Promise.all([
      store.appendToStream('r', events, 'no_stream'),
      store.appendToStream('r', events, 'no_stream'),
    ]);
    expect(retry).toEqual(first);
    expect(await store.readStream('r')).toHaveLength(2);
  });

  it('acknowledges only committed appends: another connection sees every acknowledged event', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.appendToStream(`d-${i}`, [event()], 'no_stream')),
    );
    const other = openSqliteEventStore(store.file);
    try {
      const log = await other.readAll();
      expect(log).toHaveLength(50);
      expect(log.map((e) => e.position)).toEqual(results.map((r) => r.position));
    } finally {
      await other.close();
    }
  });

  it('writes appends accepted before close, and refuses those after', async () => {
    const pending = Promise.all([
      store.appendToStream('p-1', [event()], 'no_stream'),
      store.appendToStream('p-2', [event()], 'no_stream'),
    ]);
    await store.close();
    await expect(pending).resolves.toHaveLength(2);
    await expect(store.appendToStream('p-3', [event()], 'no_stream')).rejects.toBeInstanceOf(
      EventStoreUnavailableError,
    );
    const reopened = openSqliteEventStore(store.file);
    try {
      expect((await reopened.readAll()).map((e) => e.streamName)).toEqual(['p-1', 'p-2']);
    } finally {
      await reopened.close();
    }
  });
});
