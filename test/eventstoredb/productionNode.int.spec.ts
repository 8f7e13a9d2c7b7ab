/**
 * The adapter against a test server that behaves like a production node: TLS with a private CA,
 * credentials, `$all` for admins only, BatchAppend, "Server Is Not Ready" and NotLeader answers.
 */
import { v4 as uuid } from 'uuid';
import { runCli } from '../../api/cli/main';
import { CommandHandler } from '../../infrastructure/commands/commandHandler';
import { ConfigError } from '../../infrastructure/config';
import { openEventStoreDb, type EventStoreDbEventStore } from '../../infrastructure/eventStore/eventStoreDb';
import {
  EventStoreAccessDeniedError,
  EventStoreUnavailableError,
  type RecordedEvent,
} from '../../infrastructure/eventStore/port';
import { tempDir } from '../support/testApp';
import { withTimeout } from '../support/wait';
import { rejection, testEvent, testMetadata } from '../support/storeEvents';
import { startEventStoreDbTestServer, type EventStoreDbTestServer } from './testServer';

describe('EventStoreDB adapter on a secure node with BatchAppend', () => {
  let server: EventStoreDbTestServer;
  const stores: EventStoreDbEventStore[] = [];
  const open = (connectionString = server.connectionString) => {
    const store = openEventStoreDb(connectionString);
    stores.push(store);
    return store;
  };

  beforeEach(async () => {
    server = await startEventStoreDbTestServer({ secure: true });
  });
  afterEach(async () => {
    await Promise.allSettled(stores.splice(0).map((s) => s.close()));
    await server.stop();
  });

  it('works end to end with credentials and tlsCAFile in the connection string', async () => {
    expect(server.connectionString).toMatch(/^esdb:\/\/admin:changeit@localhost:\d+\?tls=true&tlsCAFile=/);
    const store = open();
    await store.ping();
    const stream = `apikey-${uuid()}`;
    const appended = await store.appendToStream(stream, [testEvent()], 'no_stream');
    expect((await store.readStream(stream)).map((e) => e.revision)).toEqual([0n]);
    expect(await store.readAll({ streamPrefixes: [stream] })).toHaveLength(1);
    expect(await store.headOfLog()).toBe(appended.position);
  });

  it('reports an anonymous client as refused, not unreachable, naming the address only', async () => {
    const store = open(server.connectionStringAs(undefined));
    const ping = await rejection(store.ping());
    expect(ping).toBeInstanceOf(EventStoreAccessDeniedError);
    expect(ping.message).toContain(`refused access`);
    expect(ping.message).toContain(`esdb://localhost:${server.port}`);
    expect(await rejection(store.appendToStream(`apikey-${uuid()}`, [testEvent()], 'no_stream'))).toBeInstanceOf(
      EventStoreAccessDeniedError,
    );
    // The CLI says the same.
    const err: string[] = [];
    const env = { DATA_DIR: tempDir(), LOG_LEVEL: 'silent', EVENTSTORE_CONNECTION_STRING: server.connectionStringAs() };
    expect(await runCli(['list'], { out: () => undefined, err: (l) => err.push(l) }, env)).toBe(1);
    expect(err.join('\n')).toContain(`EventStoreDB at esdb://localhost:${server.port} refused access`);
  });

  it('refuses a wrong password without ever showing it', async () => {
    const store = open(server.connectionStringAs('admin', 'not-the-password'));
    const error = await rejection(store.ping());
    expect(error).toBeInstanceOf(EventStoreAccessDeniedError);
    expect(`${error.message} ${String(error.cause)}`).not.toContain('not-the-password');
  });

  it('lets a user outside $admins use streams but not $all', async () => {
    const store = open(server.connectionStringAs('keyledger'));
    const stream = `apikey-${uuid()}`;
    await store.appendToStream(stream, [testEvent()], 'no_stream');
    expect(await store.readStream(stream)).toHaveLength(1);
    expect(await rejection(store.readAll({ streamPrefixes: ['apikey-'] }))).toBeInstanceOf(EventStoreAccessDeniedError);
    const iterator = store.subscribeToAll({ streamPrefixes: ['apikey-'] })[Symbol.asyncIterator]();
    expect(await rejection(withTimeout(iterator.next(), 5_000, 'the refusal'))).toBeInstanceOf(
      EventStoreAccessDeniedError,
    );
  });

  it('names the address, not the password, when the connection string cannot be used', async () => {
    expect(() => openEventStoreDb('esdb://admin:s3cret-pw@localhost:2113?tls=true&tlsCAFile=/nowhere/ca.crt')).toThrow(
      /^EVENTSTORE_CONNECTION_STRING \(esdb:\/\/localhost:2113\) is not usable: .*not found/,
    );
    expect(() => openEventStoreDb('esdb://admin:s3cret-pw@localhost:2113?tls=maybe')).toThrow(ConfigError);
    // The CLI prints it as it is.
    const err: string[] = [];
    const code = await runCli(
      ['list'],
      { out: () => undefined, err: (l) => err.push(l) },
      {
        DATA_DIR: tempDir(),
        LOG_LEVEL: 'silent',
        EVENTSTORE_CONNECTION_STRING: 'esdb://admin:s3cret-pw@localhost:2113?tls=true&tlsCAFile=/nowhere/ca.crt',
      },
    );
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/EVENTSTORE_CONNECTION_STRING \(esdb:\/\/localhost:2113\) is not usable/);
    expect(err.join('\n')).not.toContain('s3cret-pw');
  });

  it('maps "Server Is Not Ready" on BatchAppend to unavailable; the same append then lands once', async () => {
    const store = open();
    await store.ping(); // the client has fetched the server's features: appends go through BatchAppend
    const stream = `apikey-${uuid()}`;
    const events = [testEvent(), testEvent()];
    server.notReadyFor({ appends: 1 });
    const error = await rejection(store.appendToStream(stream, events, 'no_stream'));
    expect(error).toBeInstanceOf(EventStoreUnavailableError);
    expect(error.message).toMatch(/Server Is Not Ready/);
    // Through BatchAppend: a Status with Empty details, which client 6.x surfaces as UnknownError.
    expect((error.cause as Error).constructor.name).toBe('UnknownError');
    const count = server.eventCount();
    const first = await store.appendToStream(stream, events, 'no_stream');
    expect(await store.appendToStream(stream, events, 'no_stream')).toEqual(first);
    expect(server.eventCount()).toBe(count + 2);
  });

  it('maps not-ready reads and NotLeader answers to unavailable, and recovers', async () => {
    const store = open();
    const stream = `apikey-${uuid()}`;
    await store.appendToStream(stream, [testEvent()], 'no_stream');
    server.notReadyFor({ reads: 1 });
    expect(await rejection(store.readStream(stream))).toBeInstanceOf(EventStoreUnavailableError);
    expect(await store.readStream(stream)).toHaveLength(1);

    // A follower: calls that require the leader are refused with the leader's address.
    server.notLeaderFor(1);
    const notLeader = await rejection(store.readStream(stream));
    expect(notLeader).toBeInstanceOf(EventStoreUnavailableError);
    expect(await store.readStream(stream)).toHaveLength(1);

    server.notLeaderFor(1);
    expect(await rejection(store.appendToStream(stream, [testEvent()], 0n))).toBeInstanceOf(EventStoreUnavailableError);
    await store.appendToStream(stream, [testEvent()], 0n);
    expect(await store.readStream(stream)).toHaveLength(2);
  });

  it('gives up on a node that does not answer: every call has a deadline, reads included', async () => {
    const store = openEventStoreDb(server.connectionString, { readMs: 300, appendMs: 300, pingMs: 300 });
    stores.push(store);
    const stream = `apikey-${uuid()}`;
    await store.appendToStream(stream, [testEvent()], 'no_stream');
    server.blackHole(true);
    const started = Date.now();
    expect(await rejection(store.readStream(stream))).toBeInstanceOf(EventStoreUnavailableError);
    expect(await rejection(store.readAll({ streamPrefixes: ['apikey-'], maxCount: 1 }))).toBeInstanceOf(
      EventStoreUnavailableError,
    );
    expect(await rejection(store.headOfLog())).toBeInstanceOf(EventStoreUnavailableError);
    expect(await rejection(store.appendToStream(stream, [testEvent()], 0n))).toBeInstanceOf(EventStoreUnavailableError);
    expect(await rejection(store.ping())).toBeInstanceOf(EventStoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(4_000);
    server.blackHole(false);
    expect(await store.readStream(stream)).toHaveLength(1);
  });

  it('commandHandler rides out a not-ready window with the same ids and expected revision', async () => {
    const store = open();
    const handler = new CommandHandler<number, { n: number }>(
      store,
      { initialState: () => 0, evolve: (s, e) => s + e.n },
      { fromRecorded: (r) => r.data as { n: number }, toStored: (e) => ({ type: 'Counted', data: e }) },
    );
    const stream = `counter-${uuid()}`;
    server.notReadyFor({ appends: 3, reads: 2 });
    const result = await handler.handle(stream, () => [{ n: 1 }], testMetadata());
    expect(result.newState).toBe(1);
    expect(await store.readStream(stream)).toHaveLength(1);

    server.notReadyFor({ appends: 1_000_000 });
    const impatient = new CommandHandler<number, { n: number }>(
      store,
      { initialState: () => 0, evolve: (s, e) => s + e.n },
      { fromRecorded: (r) => r.data as { n: number }, toStored: (e) => ({ type: 'Counted', data: e }) },
      { unavailableBudgetMs: 300 },
    );
    expect(await rejection(impatient.handle(stream, () => [{ n: 1 }], testMetadata()))).toBeInstanceOf(
      EventStoreUnavailableError,
    );
    expect(await store.readStream(stream)).toHaveLength(1);
  });

  it('filters $all reads on the server: a page costs the key events it returns', async () => {
    const store = open();
    const prefix = `apikey${uuid().slice(0, 8)}-`;
    const first = await store.appendToStream(`${prefix}a`, [testEvent()], 'no_stream');
    for (let i = 0; i < 20; i++) {
      await store.appendToStream(
        `noise-${uuid()}`,
        Array.from({ length: 25 }, () => testEvent('Noise')),
        'no_stream',
      );
    }
    await store.appendToStream(`${prefix}b`, [testEvent()], 'no_stream');
    const sentBefore = server.eventsSent();
    const page = await store.readAll({ streamPrefixes: [prefix], after: first.position, maxCount: 50 });
    expect(page.map((e: RecordedEvent) => e.streamName)).toEqual([`${prefix}b`]);
    // The inclusive start event and the one match: not the 500 events in between.
    expect(server.eventsSent() - sentBefore).toBeLessThanOrEqual(2);

    const backwards = await store.readAll({ streamPrefixes: [prefix], direction: 'backwards', maxCount: 2 });
    expect(backwards.map((e) => e.streamName)).toEqual([`${prefix}b`, `${prefix}a`]);
  });

  it('headOfLog follows the log, and goes back when the log is replaced by a shorter one', async () => {
    const store = open();
    await store.appendToStream(`apikey-${uuid()}`, [testEvent(), testEvent(), testEvent()], 'no_stream');
    const before = await store.headOfLog();
    expect(before).toBe(server.headPosition());
    server.resetLog(1);
    const after = await store.headOfLog();
    expect(after).toBe(server.headPosition());
    expect(after).toBeLessThan(before);
  });
});
