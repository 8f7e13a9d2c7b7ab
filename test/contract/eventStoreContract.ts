/**
 * One contract for every implementation of the event-store port.
 *
 * Stores may keep data between tests (a real EventStoreDB does), so every test uses its own
 * stream names / prefixes and never assumes an empty log.
 */
import { v4 as uuid } from 'uuid';
import {
  WrongExpectedRevisionError,
  type EventMetadata,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
  type Subscription,
} from '../../infrastructure/eventStore/port';
import { withTimeout } from '../support/wait';

export interface OpenedStore {
  store: EventStore;
  cleanup(): Promise<void>;
}

const WAIT_MS = 5_000;

function metadata(extra: Record<string, unknown> = {}): EventMetadata {
  return {
    actor: 'user:contract',
    requestId: uuid(),
    correlationId: uuid(),
    causationId: uuid(),
    at: new Date().toISOString(),
    ...extra,
  };
}

function newEvent(type = 'ApiKeyCreated', data: Record<string, unknown> = {}): NewEvent {
  return { id: uuid(), type, data: { n: Math.random(), ...data }, metadata: metadata() };
}

/** A unique prefix (`ct<8 hex>-`) so filtered reads see only this test's streams. */
function uniquePrefix(): string {
  return `ct${uuid().slice(0, 8)}-`;
}

/** Reads from one iterator of a subscription, with bounded waits. */
function reader(subscription: Subscription) {
  const iterator = subscription[Symbol.asyncIterator]();
  return {
    async take(n: number, ms = WAIT_MS): Promise<RecordedEvent[]> {
      const out: RecordedEvent[] = [];
      while (out.length < n) {
        const next = await withTimeout(iterator.next(), ms, `event ${out.length + 1} of ${n}`);
        if (next.done) throw new Error(`subscription ended after ${out.length} of ${n} events`);
        out.push(next.value);
      }
      return out;
    },
    next: () => iterator.next(),
  };
}

function summary(events: RecordedEvent[]) {
  return events.map((e) => ({ id: e.id, streamName: e.streamName, revision: e.revision }));
}

async function expectConflict(
  promise: Promise<unknown>,
  expected: { streamName: string; expected: unknown; actual: bigint | 'no_stream' },
): Promise<void> {
  const error = await promise.then(
    () => {
      throw new Error('expected a WrongExpectedRevisionError, but the append succeeded');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WrongExpectedRevisionError);
  const wrong = error as WrongExpectedRevisionError;
  expect(wrong.streamName).toBe(expected.streamName);
  expect(wrong.expected).toBe(expected.expected);
  expect(wrong.actual).toBe(expected.actual);
}

export function describeEventStoreContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`EventStore contract: ${name}`, () => {
    let opened: OpenedStore;
    let store: EventStore;
    const subscriptions: Subscription[] = [];

    beforeEach(async () => {
      opened = await open();
      store = opened.store;
    });

    afterEach(async () => {
      await Promise.allSettled(subscriptions.splice(0).map((s) => s.close()));
      await opened.cleanup();
    });

    function subscribe(options?: Parameters<EventStore['subscribeToAll']>[0]): Subscription {
      const subscription = store.subscribeToAll(options);
      subscriptions.push(subscription);
      return subscription;
    }

    /** The position of the last event in the log, or undefined for an empty log. */
    async function tail(): Promise<bigint | undefined> {
      const [last] = await store.readAll({ direction: 'backwards', maxCount: 1 });
      return last?.position;
    }

    describe('appendToStream', () => {
      it('no_stream: the first append creates the stream, a second one conflicts', async () => {
        const stream = `apikey-${uuid()}`;
        const first = await store.appendToStream(stream, [newEvent(), newEvent()], 'no_stream');
        expect(first.nextRevision).toBe(1n);
        expect(typeof first.position).toBe('bigint');

        await expectConflict(store.appendToStream(stream, [newEvent()], 'no_stream'), {
          streamName: stream,
          expected: 'no_stream',
          actual: 1n,
        });
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it('exact revision: succeeds when current, conflicts when stale or ahead', async () => {
        const stream = `apikey-${uuid()}`;
        await store.appendToStream(stream, [newEvent(), newEvent()], 'no_stream');
        const ok = await store.appendToStream(stream, [newEvent('ApiKeyRenewed')], 1n);
        expect(ok.nextRevision).toBe(2n);

        await expectConflict(store.appendToStream(stream, [newEvent('ApiKeyRevoked')], 1n), {
          streamName: stream,
          expected: 1n,
          actual: 2n,
        });
        await expectConflict(store.appendToStream(stream, [newEvent('ApiKeyRevoked')], 7n), {
          streamName: stream,
          expected: 7n,
          actual: 2n,
        });
        const events = await store.readStream(stream);
        expect(events.map((e) => e.type)).toEqual(['ApiKeyCreated', 'ApiKeyCreated', 'ApiKeyRenewed']);
      });

      it('exact revision on a missing stream conflicts with actual no_stream', async () => {
        const stream = `apikey-${uuid()}`;
        await expectConflict(store.appendToStream(stream, [newEvent()], 0n), {
          streamName: stream,
          expected: 0n,
          actual: 'no_stream',
        });
        expect(await store.readStream(stream)).toEqual([]);
      });

      it('any: appends to a missing and to an existing stream', async () => {
        const stream = `apikey-${uuid()}`;
        const first = await store.appendToStream(stream, [newEvent()], 'any');
        expect(first.nextRevision).toBe(0n);
        const second = await store.appendToStream(stream, [newEvent(), newEvent()], 'any');
        expect(second.nextRevision).toBe(2n);
        expect(second.position).toBeGreaterThan(first.position);
      });

      it('returns the position of the last event written', async () => {
        const stream = `apikey-${uuid()}`;
        const result = await store.appendToStream(stream, [newEvent(), newEvent(), newEvent()], 'no_stream');
        const events = await store.readStream(stream);
        expect(result.nextRevision).toBe(2n);
        expect(result.position).toBe(events[2]!.position);
      });
    });

    describe('readStream', () => {
      it('returns the events in order with revisions 0..n', async () => {
        const stream = `apikey-${uuid()}`;
        const written = [newEvent('A'), newEvent('B'), newEvent('C'), newEvent('D')];
        await store.appendToStream(stream, written.slice(0, 2), 'no_stream');
        await store.appendToStream(stream, written.slice(2), 1n);

        const events = await store.readStream(stream);
        expect(events.map((e) => e.id)).toEqual(written.map((e) => e.id));
        expect(events.map((e) => e.type)).toEqual(['A', 'B', 'C', 'D']);
        expect(events.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n]);
        expect(events.every((e) => e.streamName === stream)).toBe(true);
        expect(events.map((e) => e.data)).toEqual(written.map((e) => e.data));
      });

      it('reads a missing stream as an empty history', async () => {
        expect(await store.readStream(`apikey-${uuid()}`)).toEqual([]);
      });

      it('does not mix streams', async () => {
        const a = `apikey-${uuid()}`;
        const b = `apikey-${uuid()}`;
        await store.appendToStream(a, [newEvent()], 'no_stream');
        await store.appendToStream(b, [newEvent(), newEvent()], 'no_stream');
        expect((await store.readStream(a)).map((e) => e.streamName)).toEqual([a]);
        expect((await store.readStream(b)).map((e) => e.streamName)).toEqual([b, b]);
      });
    });

    describe('positions', () => {
      it('are bigints, strictly increasing across streams in append order', async () => {
        const a = `apikey-${uuid()}`;
        const b = `apikey-${uuid()}`;
        const r1 = await store.appendToStream(a, [newEvent(), newEvent()], 'no_stream');
        const r2 = await store.appendToStream(b, [newEvent()], 'no_stream');
        const r3 = await store.appendToStream(a, [newEvent()], 1n);
        for (const r of [r1, r2, r3]) {
          expect(typeof r.position).toBe('bigint');
          expect(typeof r.nextRevision).toBe('bigint');
        }
        expect(r2.position).toBeGreaterThan(r1.position);
        expect(r3.position).toBeGreaterThan(r2.position);

        const [a0, a1, a2] = await store.readStream(a);
        const [b0] = await store.readStream(b);
        const ordered = [a0!, a1!, b0!, a2!];
        for (const e of ordered) {
          expect(typeof e.position).toBe('bigint');
          expect(typeof e.revision).toBe('bigint');
        }
        for (let i = 1; i < ordered.length; i++) {
          expect(ordered[i]!.position).toBeGreaterThan(ordered[i - 1]!.position);
        }
      });
    });

    describe('readAll', () => {
      async function seed(prefix: string) {
        const s1 = `${prefix}one`;
        const s2 = `${prefix}two`;
        await store.appendToStream(s1, [newEvent('E0')], 'no_stream');
        await store.appendToStream(s2, [newEvent('E1'), newEvent('E2')], 'no_stream');
        await store.appendToStream(s1, [newEvent('E3')], 0n);
        const all = await store.readAll({ streamPrefixes: [prefix] });
        return { s1, s2, all };
      }

      it('reads forwards in position order, filtered by stream prefix', async () => {
        const prefix = uniquePrefix();
        const { s1, s2, all } = await seed(prefix);
        expect(all.map((e) => e.type)).toEqual(['E0', 'E1', 'E2', 'E3']);
        expect(all.map((e) => e.streamName)).toEqual([s1, s2, s2, s1]);
        expect(all.map((e) => e.revision)).toEqual([0n, 0n, 1n, 1n]);
        for (let i = 1; i < all.length; i++) expect(all[i]!.position).toBeGreaterThan(all[i - 1]!.position);
      });

      it('reads after a position, exclusively', async () => {
        const prefix = uniquePrefix();
        const { all } = await seed(prefix);
        const after = await store.readAll({ after: all[0]!.position, streamPrefixes: [prefix] });
        expect(summary(after)).toEqual(summary(all.slice(1)));
        const fromLast = await store.readAll({ after: all[3]!.position, streamPrefixes: [prefix] });
        expect(fromLast).toEqual([]);
      });

      it('reads backwards, also before a position (exclusive)', async () => {
        const prefix = uniquePrefix();
        const { all } = await seed(prefix);
        const backwards = await store.readAll({ direction: 'backwards', streamPrefixes: [prefix] });
        expect(summary(backwards)).toEqual(summary([...all].reverse()));
        const before = await store.readAll({
          direction: 'backwards',
          after: all[2]!.position,
          streamPrefixes: [prefix],
        });
        expect(summary(before)).toEqual(summary([all[1]!, all[0]!]));
      });

      it('honours maxCount in both directions', async () => {
        const prefix = uniquePrefix();
        const { all } = await seed(prefix);
        expect(summary(await store.readAll({ maxCount: 2, streamPrefixes: [prefix] }))).toEqual(
          summary(all.slice(0, 2)),
        );
        expect(
          summary(await store.readAll({ maxCount: 1, after: all[1]!.position, streamPrefixes: [prefix] })),
        ).toEqual(summary([all[2]!]));
        expect(summary(await store.readAll({ direction: 'backwards', maxCount: 3, streamPrefixes: [prefix] }))).toEqual(
          summary([all[3]!, all[2]!, all[1]!]),
        );
      });

      it('filters on several prefixes and excludes other streams', async () => {
        const p1 = uniquePrefix();
        const p2 = uniquePrefix();
        const p3 = uniquePrefix();
        await store.appendToStream(`${p1}x`, [newEvent('P1')], 'no_stream');
        await store.appendToStream(`${p3}x`, [newEvent('P3')], 'no_stream');
        await store.appendToStream(`${p2}x`, [newEvent('P2')], 'no_stream');
        const events = await store.readAll({ streamPrefixes: [p1, p2] });
        expect(events.map((e) => e.type)).toEqual(['P1', 'P2']);
      });

      it('matches a prefix whatever code points follow it (above U+FFFF too), and nothing past it', async () => {
        const prefix = uniquePrefix();
        const names = [`${prefix}\u{1F600}smile`, `${prefix}\uffffmax-bmp`, `${prefix}\u{10FFFF}last`, `${prefix}a`];
        for (const name of names) await store.appendToStream(name, [newEvent('U')], 'no_stream');
        // A stream whose name is the prefix with its last character incremented is not a match.
        const next = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
        await store.appendToStream(`${next}x`, [newEvent('NOT')], 'no_stream');
        const forwards = await store.readAll({ streamPrefixes: [prefix] });
        expect(forwards.map((e) => e.streamName)).toEqual(names);
        const backwards = await store.readAll({ direction: 'backwards', streamPrefixes: [prefix] });
        expect(backwards.map((e) => e.streamName)).toEqual([...names].reverse());
      });

      it('without a filter returns every new event and no system events', async () => {
        const before = await tail();
        const a = `apikey-${uuid()}`;
        const b = `other-${uuid()}`;
        await store.appendToStream(a, [newEvent('X')], 'no_stream');
        await store.appendToStream(b, [newEvent('Y')], 'no_stream');
        const events = await store.readAll(before === undefined ? {} : { after: before });
        expect(events.map((e) => e.streamName)).toEqual([a, b]);

        const latest = await store.readAll({ direction: 'backwards', maxCount: 1 });
        expect(latest.map((e) => e.streamName)).toEqual([b]);
        const fromStart = await store.readAll({ maxCount: 50 });
        expect(fromStart.length).toBeGreaterThan(0);
        expect(fromStart.filter((e) => e.streamName.startsWith('$') || e.type.startsWith('$'))).toEqual([]);
      });
    });

    describe('subscribeToAll', () => {
      it('delivers an event appended after subscribing', async () => {
        const prefix = uniquePrefix();
        const subscription = reader(subscribe({ after: await tail(), streamPrefixes: [prefix] }));
        const pending = subscription.take(1);
        const written = newEvent('Live');
        const result = await store.appendToStream(`${prefix}s`, [written], 'no_stream');
        const [received] = await pending;
        expect(received!.id).toBe(written.id);
        expect(received!.type).toBe('Live');
        expect(received!.streamName).toBe(`${prefix}s`);
        expect(received!.position).toBe(result.position);
        expect(typeof received!.position).toBe('bigint');
        expect(received!.revision).toBe(0n);
      });

      it('from the start: catches up on history, then goes live', async () => {
        const prefix = uniquePrefix();
        await store.appendToStream(`${prefix}s`, [newEvent('Old')], 'no_stream');
        const subscription = reader(subscribe({ streamPrefixes: [prefix] }));
        const [old] = await subscription.take(1);
        expect(old!.type).toBe('Old');
        await store.appendToStream(`${prefix}s`, [newEvent('New')], 0n);
        const [fresh] = await subscription.take(1);
        expect(fresh!.type).toBe('New');
      });

      it('resumes from a checkpoint without a gap or a duplicate', async () => {
        const prefix = uniquePrefix();
        const stream = `${prefix}s`;
        const written = [newEvent('E1'), newEvent('E2'), newEvent('E3')];
        await store.appendToStream(stream, written, 'no_stream');
        const history = await store.readAll({ streamPrefixes: [prefix] });
        const checkpoint = history[0]!.position;

        const subscription = reader(subscribe({ after: checkpoint, streamPrefixes: [prefix] }));
        const caughtUp = await subscription.take(2);
        expect(caughtUp.map((e) => e.id)).toEqual([written[1]!.id, written[2]!.id]);

        const e4 = newEvent('E4');
        const e5 = newEvent('E5');
        await store.appendToStream(stream, [e4], 2n);
        await store.appendToStream(stream, [e5], 3n);
        const live = await subscription.take(2);
        expect(live.map((e) => e.id)).toEqual([e4.id, e5.id]);
        expect(live.map((e) => e.revision)).toEqual([3n, 4n]);

        const all = [...caughtUp, ...live];
        for (let i = 1; i < all.length; i++) expect(all[i]!.position).toBeGreaterThan(all[i - 1]!.position);
      });

      it('only delivers streams matching the prefixes', async () => {
        const prefix = uniquePrefix();
        const other = uniquePrefix();
        const subscription = reader(subscribe({ after: await tail(), streamPrefixes: [prefix] }));
        await store.appendToStream(`${other}s`, [newEvent('Other')], 'no_stream');
        await store.appendToStream(`${prefix}s`, [newEvent('Mine')], 'no_stream');
        const [first] = await subscription.take(1);
        expect(first!.type).toBe('Mine');
      });

      it('without prefixes delivers every new event and no system events', async () => {
        const subscription = reader(subscribe({ after: await tail() }));
        const a = `apikey-${uuid()}`;
        const b = `other-${uuid()}`;
        await store.appendToStream(a, [newEvent('X')], 'no_stream');
        await store.appendToStream(b, [newEvent('Y')], 'no_stream');
        const received = await subscription.take(2);
        expect(received.map((e) => [e.streamName, e.type])).toEqual([
          [a, 'X'],
          [b, 'Y'],
        ]);
      });

      it('close() ends the iteration', async () => {
        const prefix = uniquePrefix();
        const subscription = subscribe({ after: await tail(), streamPrefixes: [prefix] });
        const consumed: RecordedEvent[] = [];
        const loop = (async () => {
          for await (const event of subscription) consumed.push(event);
          return 'ended';
        })();
        await store.appendToStream(`${prefix}s`, [newEvent()], 'no_stream');
        // Wait for delivery so close() happens while the loop is idle and waiting.
        const deadline = Date.now() + WAIT_MS;
        while (consumed.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        expect(consumed).toHaveLength(1);
        await subscription.close();
        await expect(withTimeout(loop, WAIT_MS, 'the loop to end')).resolves.toBe('ended');
      });
    });

    describe('headOfLog', () => {
      it('is at or past the last append, and moves with the next one', async () => {
        const stream = `${uniquePrefix()}s`;
        const first = await store.appendToStream(stream, [newEvent()], 'no_stream');
        const head = await store.headOfLog();
        expect(head).toBeGreaterThanOrEqual(first.position);
        const second = await store.appendToStream(stream, [newEvent()], 0n);
        const next = await store.headOfLog();
        expect(next).toBeGreaterThanOrEqual(second.position);
        expect(next).toBeGreaterThan(head);
      });
    });

    describe('subscription callbacks', () => {
      it('confirms, reports checkpoints no further than the head, and is caught up after the history', async () => {
        const prefix = uniquePrefix();
        const stream = `${prefix}s`;
        const history = [newEvent('A'), newEvent('B')];
        await store.appendToStream(stream, history, 'no_stream');
        // Events of other streams after the last matching one: a checkpoint may cover them.
        await store.appendToStream(`${uniquePrefix()}noise`, [newEvent(), newEvent(), newEvent()], 'no_stream');
        const head = await store.headOfLog();

        const calls: string[] = [];
        const checkpoints: bigint[] = [];
        let caughtUp!: () => void;
        const caughtUpNow = new Promise<void>((resolve) => (caughtUp = resolve));
        const received: string[] = [];
        const subscription = subscribe({
          streamPrefixes: [prefix],
          onConfirmed: () => calls.push('confirmed'),
          onCaughtUp: () => {
            calls.push(`caughtUp after ${received.length}`);
            caughtUp();
          },
          onCheckpoint: (position) => checkpoints.push(position),
        });
        const events = reader(subscription);
        received.push(...(await events.take(2)).map((e) => e.type));
        // The iterator runs the callbacks: keep it waiting for the next event meanwhile.
        const pending = events.next();
        await withTimeout(caughtUpNow, WAIT_MS, 'onCaughtUp');
        expect(received).toEqual(['A', 'B']);
        expect(calls[0]).toBe('confirmed');
        expect(calls.filter((c) => c.startsWith('caughtUp'))).toEqual(['caughtUp after 2']);
        for (const c of checkpoints) expect(c).toBeLessThanOrEqual(await store.headOfLog());
        expect(checkpoints).toEqual([...checkpoints].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));

        // Live: a new matching event still arrives after the catch-up.
        const live = newEvent('C');
        await store.appendToStream(stream, [live], 1n);
        const next = await withTimeout(pending, WAIT_MS, 'the live event');
        expect((next.value as RecordedEvent).id).toBe(live.id);
        expect(head).toBeGreaterThan(0n);
      });
    });

    describe('event content', () => {
      it('round-trips data and metadata', async () => {
        const stream = `apikey-${uuid()}`;
        const event: NewEvent = {
          id: uuid(),
          type: 'ApiKeyCreated',
          data: {
            keyId: uuid(),
            scopes: ['read', 'write'],
            nested: { n: 42, f: 1.5, flag: true, none: null, text: 'ünïcödé ✓ "quoted"' },
          },
          metadata: metadata({ actor: 'user:alice', ip: '10.0.0.1', tags: ['a', 'b'], attempt: 2 }),
        };
        const before = Date.now();
        await store.appendToStream(stream, [event], 'no_stream');
        const [read] = await store.readStream(stream);
        expect(read!.id).toBe(event.id);
        expect(read!.type).toBe(event.type);
        expect(read!.data).toEqual(event.data);
        expect(read!.metadata).toEqual(event.metadata);
        expect(read!.createdAt).toBeInstanceOf(Date);
        // Generous: a real server's clock may differ a little from ours.
        expect(Math.abs(read!.createdAt.getTime() - before)).toBeLessThan(5 * 60_000);

        const [viaAll] = await store.readAll({ streamPrefixes: [stream] });
        expect(viaAll!.metadata).toEqual(event.metadata);
        expect(viaAll!.data).toEqual(event.data);
      });
    });
  });
}
