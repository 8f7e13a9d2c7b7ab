/**
 * EventStoreDB-specific behaviour of the adapter (idempotent retries, outages) and wire-level
 * semantics of the test server, checked through the real client.
 */
import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  START,
  STREAM_EXISTS,
  WrongExpectedVersionError,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type Position,
  type ResolvedEvent,
} from '@eventstore/db-client';
import * as grpc from '@grpc/grpc-js';
import { StreamsClient } from '@eventstore/db-client/generated/streams_grpc_pb';
import { ReadReq, type ReadResp } from '@eventstore/db-client/generated/streams_pb';
import { Empty, StreamIdentifier } from '@eventstore/db-client/generated/shared_pb';
import { createServer } from 'node:net';
import { v4 as uuid } from 'uuid';
import { openEventStoreDb, type EventStoreDbEventStore } from '../../infrastructure/eventStore/eventStoreDb';
import { EventStoreUnavailableError, type RecordedEvent } from '../../infrastructure/eventStore/port';
import { startEventStoreDbTestServer, type EventStoreDbTestServer } from './testServer';
import { withTimeout } from '../support/wait';
import { rejection, testEvent } from '../support/storeEvents';

const WAIT_MS = 5_000;

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

describe('EventStoreDbEventStore against the wire-level test server', () => {
  let server: EventStoreDbTestServer;
  let store: EventStoreDbEventStore;

  beforeEach(async () => {
    server = await startEventStoreDbTestServer();
    store = openEventStoreDb(server.connectionString);
  });
  afterEach(async () => {
    await store.close();
    await server.stop();
  });

  it('is an eventstoredb store and answers ping', async () => {
    expect(store.kind).toBe('eventstoredb');
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('deduplicates a retried append with the same ids and expected revision', async () => {
    const stream = `apikey-${uuid()}`;
    const first = [testEvent(), testEvent()];
    const created = await store.appendToStream(stream, first, 'no_stream');
    const count = server.eventCount();

    const retry = await store.appendToStream(stream, first, 'no_stream');
    expect(retry).toEqual(created);

    const next = [testEvent('ApiKeyRenewed')];
    const renewed = await store.appendToStream(stream, next, 1n);
    const renewedAgain = await store.appendToStream(stream, next, 1n);
    expect(renewedAgain).toEqual(renewed);

    expect(server.eventCount()).toBe(count + 1);
    expect((await store.readStream(stream)).map((e) => e.revision)).toEqual([0n, 1n, 2n]);
  });

  it('still conflicts when different ids are appended at a stale revision', async () => {
    const stream = `apikey-${uuid()}`;
    await store.appendToStream(stream, [testEvent()], 'no_stream');
    await store.appendToStream(stream, [testEvent()], 0n);
    const error = await rejection(store.appendToStream(stream, [testEvent()], 0n));
    expect(error).toMatchObject({ name: 'WrongExpectedRevisionError', streamName: stream, expected: 0n, actual: 1n });
  });

  it('maps an outage to EventStoreUnavailableError and recovers after a restart with the same data', async () => {
    const stream = `apikey-${uuid()}`;
    await store.appendToStream(stream, [testEvent('Before')], 'no_stream');
    const [before] = await store.readStream(stream);

    const subscription = store.subscribeToAll({ after: before!.position, streamPrefixes: ['apikey-'] });
    const iterator = subscription[Symbol.asyncIterator]();
    const pending = iterator.next();
    // Let the subscription reach the server before taking it down.
    await store.ping();
    await new Promise((r) => setTimeout(r, 50));

    await server.stop();
    const subscriptionError = await withTimeout(rejection(pending), WAIT_MS, 'the subscription to fail');
    expect(subscriptionError).toBeInstanceOf(EventStoreUnavailableError);

    expect(await rejection(store.ping())).toBeInstanceOf(EventStoreUnavailableError);
    expect(await rejection(store.appendToStream(stream, [testEvent()], 0n))).toBeInstanceOf(EventStoreUnavailableError);
    expect(await rejection(store.readStream(stream))).toBeInstanceOf(EventStoreUnavailableError);
    expect(await rejection(store.readAll({ maxCount: 1 }))).toBeInstanceOf(EventStoreUnavailableError);

    await server.restart();
    await withTimeout(
      (async () => {
        for (;;) {
          try {
            return await store.ping();
          } catch {
            await new Promise((r) => setTimeout(r, 50));
          }
        }
      })(),
      WAIT_MS,
      'ping after restart',
    );
    expect((await store.readStream(stream)).map((e) => e.type)).toEqual(['Before']);

    // Resubscribe from the checkpoint: the event written after the restart arrives, nothing before it.
    await subscription.close();
    const resumed = store.subscribeToAll({ after: before!.position, streamPrefixes: [stream] });
    const after = testEvent('After');
    await store.appendToStream(stream, [after], 0n);
    const next = await withTimeout(resumed[Symbol.asyncIterator]().next(), WAIT_MS, 'the resumed subscription');
    expect((next.value as RecordedEvent).id).toBe(after.id);
    await resumed.close();
  });

  it('rejects with EventStoreUnavailableError when nothing listens', async () => {
    const dead = openEventStoreDb(`esdb://127.0.0.1:${await freePort()}?tls=false`);
    try {
      const started = Date.now();
      expect(await rejection(dead.ping())).toBeInstanceOf(EventStoreUnavailableError);
      expect(await rejection(dead.appendToStream(`apikey-${uuid()}`, [testEvent()], 'no_stream'))).toBeInstanceOf(
        EventStoreUnavailableError,
      );
      expect(Date.now() - started).toBeLessThan(WAIT_MS);
    } finally {
      await dead.close();
    }
  });

  it('close() ends open subscriptions', async () => {
    const subscription = store.subscribeToAll({ streamPrefixes: [`none-${uuid()}`] });
    const loop = collect(subscription);
    await store.ping();
    await store.close();
    await expect(withTimeout(loop, WAIT_MS, 'the subscription loop to end')).resolves.toEqual([]);
  });
});

describe('wire-level test server semantics (raw client)', () => {
  let server: EventStoreDbTestServer;
  let client: EventStoreDBClient;

  beforeAll(async () => {
    server = await startEventStoreDbTestServer();
    client = EventStoreDBClient.connectionString(server.connectionString);
  });
  afterAll(async () => {
    await client.dispose();
    await server.stop();
  });

  const append = (
    stream: string,
    types: string[],
    expectedRevision: bigint | 'any' | 'no_stream' | 'stream_exists' = 'any',
  ) =>
    client.appendToStream(
      stream,
      types.map((type) => jsonEvent({ type, data: { type } })),
      { expectedRevision },
    );

  it('has system events first and positions above zero', async () => {
    const first = await collect(client.readAll({ fromPosition: START, maxCount: 3 }));
    expect(first.every((e) => e.event!.streamId.startsWith('$'))).toBe(true);
    const stream = `wire-${uuid()}`;
    const result = await append(stream, ['A', 'B']);
    const [a, b] = await collect(client.readStream(stream));
    expect(a!.event!.position!.commit).toBeGreaterThan(0n);
    expect(a!.event!.position!.prepare).toBe(a!.event!.position!.commit);
    expect(result.position).toEqual({ commit: b!.event!.position!.commit, prepare: a!.event!.position!.prepare });
  });

  it('reads $all forwards from a position inclusively and backwards exclusively', async () => {
    const stream = `wire-${uuid()}`;
    await append(stream, ['A', 'B', 'C']);
    const events = await collect(client.readStream(stream));
    const b = events[1]!.event!.position!;
    const forwards = await collect(client.readAll({ fromPosition: b, direction: FORWARDS, maxCount: 2 }));
    expect(forwards.map((e) => e.event!.type)).toEqual(['B', 'C']);
    const backwards = await collect(client.readAll({ fromPosition: b, direction: BACKWARDS, maxCount: 1 }));
    expect(backwards.map((e) => e.event!.type)).toEqual(['A']);
    const last = await collect(client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 }));
    expect(last.map((e) => e.event!.type)).toEqual(['C']);
  });

  it('reads a stream backwards and from a revision, and reports stream not found', async () => {
    const stream = `wire-${uuid()}`;
    await append(stream, ['A', 'B', 'C'], 'no_stream');
    const backwards = await collect(client.readStream(stream, { direction: BACKWARDS, fromRevision: END }));
    expect(backwards.map((e) => e.event!.revision)).toEqual([2n, 1n, 0n]);
    const fromOne = await collect(client.readStream(stream, { fromRevision: 1n, maxCount: 1 }));
    expect(fromOne.map((e) => e.event!.type)).toEqual(['B']);
    await expect(collect(client.readStream(`wire-${uuid()}`))).rejects.toMatchObject({ type: 'stream-not-found' });
  });

  it('answers wrong expected version with the current revision (stream_exists, exact)', async () => {
    const stream = `wire-${uuid()}`;
    await expect(append(stream, ['A'], STREAM_EXISTS)).rejects.toBeInstanceOf(WrongExpectedVersionError);
    await append(stream, ['A', 'B'], 'no_stream');
    await expect(append(stream, ['C'], STREAM_EXISTS)).resolves.toMatchObject({ nextExpectedRevision: 2n });
    const error = await rejection(append(stream, ['D'], 0n));
    expect(error).toBeInstanceOf(WrongExpectedVersionError);
    expect(error).toMatchObject({ streamName: stream, expectedVersion: 0n, actualVersion: 2n });
  });

  it('round-trips ids, created time and metadata', async () => {
    const stream = `wire-${uuid()}`;
    const id = uuid();
    const before = Date.now();
    await client.appendToStream(stream, jsonEvent({ id, type: 'T', data: { x: 1 }, metadata: { m: 'ü' } }));
    const [read] = await collect(client.readStream(stream));
    expect(read!.event!.id).toBe(id);
    expect(read!.event!.metadata).toEqual({ m: 'ü' });
    expect(read!.event!.data).toEqual({ x: 1 });
    expect(read!.event!.created.getTime()).toBeGreaterThanOrEqual(before - 5);
    expect(read!.event!.created.getTime()).toBeLessThanOrEqual(Date.now() + 5);
  });

  it('subscribes from a position exclusively, filters by prefix, sends checkpoints and goes live', async () => {
    const prefix = `sub${uuid().slice(0, 8)}-`;
    await append(`${prefix}s`, ['A', 'B']);
    await append(`other-${uuid()}`, ['Noise1', 'Noise2', 'Noise3']);
    const history = await collect(client.readStream(`${prefix}s`));
    const fromA = history[0]!.event!.position!;

    const checkpoints: Position[] = [];
    const subscription = client.subscribeToAll({
      fromPosition: fromA,
      filter: streamNameFilter({
        prefixes: [prefix],
        maxSearchWindow: 1,
        checkpointInterval: 2,
        checkpointReached: (_s, position) => {
          checkpoints.push(position);
        },
      }),
    });
    const received: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      subscription.on('data', (e: AllStreamResolvedEvent) => {
        received.push(e.event!.type);
        if (received.length === 2) resolve();
      });
      subscription.on('error', reject);
    });
    const confirmed = new Promise<void>((resolve) => subscription.once('confirmation', () => resolve()));
    await withTimeout(confirmed, WAIT_MS, 'confirmation');
    await append(`${prefix}s`, ['C']);
    await withTimeout(done, WAIT_MS, 'two events');
    expect(received).toEqual(['B', 'C']);
    // B, Noise1..3 and C were scanned after the start position: at least two checkpoints of 2.
    expect(checkpoints.length).toBeGreaterThanOrEqual(2);
    for (const c of checkpoints) expect(c.commit).toBeGreaterThan(fromA.commit);
    await subscription.unsubscribe();
  });

  it('subscribes to a stream from a revision exclusively', async () => {
    const stream = `wire-${uuid()}`;
    await append(stream, ['A', 'B'], 'no_stream');
    const subscription = client.subscribeToStream(stream, { fromRevision: 0n });
    const received = new Promise<ResolvedEvent>((resolve, reject) => {
      subscription.once('data', resolve);
      subscription.once('error', reject);
    });
    const first = await withTimeout(received, WAIT_MS, 'a stream event');
    expect(first.event!.type).toBe('B');
    await subscription.unsubscribe();
  });

  it('sends caught_up to clients asking for compatibility >= 1, and structured UUIDs on request', async () => {
    const stream = `wire-${uuid()}`;
    const id = uuid();
    await client.appendToStream(stream, jsonEvent({ id, type: 'A', data: {} }));
    const raw = new StreamsClient(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    try {
      const options = new ReadReq.Options()
        .setStream(
          new ReadReq.Options.StreamOptions()
            .setStreamIdentifier(new StreamIdentifier().setStreamName(Buffer.from(stream)))
            .setStart(new Empty()),
        )
        .setSubscription(new ReadReq.Options.SubscriptionOptions())
        .setNoFilter(new Empty())
        .setUuidOption(new ReadReq.Options.UUIDOption().setStructured(new Empty()))
        .setControlOption(new ReadReq.Options.ControlOption().setCompatibility(1));
      const call = raw.read(new ReadReq().setOptions(options));
      const kinds: string[] = [];
      let structured: { msb: string; lsb: string } | undefined;
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          call.on('data', (resp: ReadResp) => {
            if (resp.hasConfirmation()) kinds.push('confirmation');
            if (resp.hasEvent()) {
              kinds.push('event');
              const s = resp.getEvent()!.getEvent()!.getId()!.getStructured()!;
              structured = { msb: s.getMostSignificantBits(), lsb: s.getLeastSignificantBits() };
            }
            if (resp.hasCaughtUp()) {
              kinds.push('caughtUp');
              resolve();
            }
          });
          call.on('error', (e: Error & { code?: number }) => {
            if (e.code !== grpc.status.CANCELLED) reject(e);
          });
        }),
        WAIT_MS,
        'caught_up',
      );
      call.cancel();
      expect(kinds).toEqual(['confirmation', 'event', 'caughtUp']);
      const hex = id.replace(/-/g, '');
      expect(BigInt.asUintN(64, BigInt(structured!.msb))).toBe(BigInt(`0x${hex.slice(0, 16)}`));
      expect(BigInt.asUintN(64, BigInt(structured!.lsb))).toBe(BigInt(`0x${hex.slice(16)}`));
    } finally {
      raw.close();
    }
  });
});
