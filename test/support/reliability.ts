/**
 * Shared helpers of the reliability suites (test/reliability): store factories for
 * describe.each (SQLite and EventStoreDB through the wire-level test server), the store's
 * head, a read-model snapshot for equality checks, and a rebuild-from-the-log.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { foldEvents, upcast, type ApiKeyEvent, type ApiKeyState } from '../../domain';
import { KEY_STREAM_PREFIX } from '../../infrastructure/eventStore/apiKeyCodec';
import { SQLITE_FILE } from '../../api/composition';
import { WrongExpectedRevisionError, type EventStore, type RecordedEvent } from '../../infrastructure/eventStore/port';
import { AuthReadModel, type KeyView } from '../../projections/readModel/authReadModel';
import { startTestApp, tempDir, type TestApp } from './testApp';
export { waitFor } from './wait';

export const SLOW = process.env.SLOW === '1';

/** A way to run the service: on a fresh SQLite file, or on a fresh EventStoreDB test server. */
export interface StoreBackend {
  name: string;
  kind: 'sqlite' | 'eventstoredb';
  /** Why the backend cannot run here (the describe block is skipped), or undefined. */
  skipReason?: string;
  /** Starts one service on a fresh store. Further `openStore()` calls reach the same data. */
  start(options?: { env?: Record<string, string>; clock?: () => Date }): Promise<BackendRun>;
}

export interface BackendRun {
  t: TestApp;
  /** A second, independent connection to the same store (another process's worth). */
  openStore(): Promise<EventStore>;
  /** The EventStoreDB test server, when the backend has one. */
  server?: { stop(): Promise<void>; restart(): Promise<void> };
  /** Concurrency conflicts (WrongExpectedRevisionError) seen by every connection of this run. */
  conflicts(): number;
  /** Closes the service and removes the store. */
  close(): Promise<void>;
}

/**
 * Wraps a store so that its concurrency conflicts are counted (to show the store's check ran).
 * A read of a stream yields to the event loop once before answering, as a store across a
 * network would: without it, SQLite's synchronous load-then-append of one instance would never
 * interleave with another instance's in this single test process.
 */
export function countingConflicts(store: EventStore, count: () => void): EventStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      if (prop === 'readStream')
        return async (...args: unknown[]) => {
          const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          await new Promise((r) => setImmediate(r));
          return result;
        };
      if (prop !== 'appendToStream') return (value as (...a: unknown[]) => unknown).bind(target);
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } catch (error) {
          if (error instanceof WrongExpectedRevisionError) count();
          throw error;
        }
      };
    },
  });
}

const sqliteBackend: StoreBackend = {
  name: 'sqlite',
  kind: 'sqlite',
  async start(options = {}) {
    const { openSqliteEventStore } = await import('../../infrastructure/eventStore/sqlite');
    let conflicts = 0;
    const counter = () => void conflicts++;
    const dataDir = tempDir();
    const file = join(dataDir, SQLITE_FILE);
    const t = await startTestApp({
      ...options,
      dataDir,
      store: countingConflicts(openSqliteEventStore(file), counter),
    });
    return {
      t,
      openStore: async () => countingConflicts(openSqliteEventStore(file), counter),
      conflicts: () => conflicts,
      async close() {
        await t.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

const testServerPath = join(__dirname, '..', 'eventstoredb', 'testServer.ts');
const adapterPath = join(__dirname, '..', '..', 'infrastructure', 'eventStore', 'eventStoreDb.ts');
const esdbMissing = !existsSync(testServerPath)
  ? 'test/eventstoredb/testServer.ts does not exist yet'
  : !existsSync(adapterPath)
    ? 'infrastructure/eventStore/eventStoreDb.ts does not exist yet'
    : undefined;

const esdbBackend: StoreBackend = {
  name: 'eventstoredb (test server)',
  kind: 'eventstoredb',
  skipReason: esdbMissing,
  async start(options = {}) {
    // Loaded lazily, so that the SQLite runs do not depend on the gRPC stack.
    const { startEventStoreDbTestServer } = await import('../eventstoredb/testServer');
    const { openEventStoreDb } = await import('../../infrastructure/eventStore/eventStoreDb');
    // As production runs it: TLS with a private CA, credentials, `$all` for admins, BatchAppend.
    const server = await startEventStoreDbTestServer({ secure: true });
    let conflicts = 0;
    const counter = () => void conflicts++;
    // One seal secret for every "instance", as the EventStoreDB issue requires.
    const env = { KEY_SEAL_SECRET: 'reliability-suite-seal-secret-0123456789abcdef', ...options.env };
    let t: TestApp;
    try {
      t = await startTestApp({
        ...options,
        env,
        store: countingConflicts(openEventStoreDb(server.connectionString), counter),
      });
    } catch (error) {
      await server.stop();
      throw error;
    }
    const extra: EventStore[] = [];
    return {
      t,
      server,
      openStore: async () => {
        const store = openEventStoreDb(server.connectionString);
        extra.push(store);
        return countingConflicts(store, counter);
      },
      conflicts: () => conflicts,
      async close() {
        await t.close();
        await Promise.allSettled(extra.map((s) => s.close()));
        await server.stop();
      },
    };
  },
};

export const BACKENDS: StoreBackend[] = [sqliteBackend, esdbBackend];

/** describe.each over the backends, skipping (with its reason in the title) a backend that cannot run. */
export function describeEachBackend(title: string, body: (backend: StoreBackend) => void): void {
  for (const backend of BACKENDS) {
    if (backend.skipReason)
      describe.skip(`${title} [${backend.name}] (skipped: ${backend.skipReason})`, () => body(backend));
    else describe(`${title} [${backend.name}]`, () => body(backend));
  }
}

/** Every event in the store (key streams and any other), in order. */
export function readEverything(store: EventStore): Promise<RecordedEvent[]> {
  return store.readAll();
}

/** Position of the newest event in the store (0 when empty): the store's head. */
export async function headPosition(store: EventStore): Promise<bigint> {
  const [last] = await store.readAll({ direction: 'backwards', maxCount: 1 });
  return last?.position ?? 0n;
}

/** The comparable content of a read model: every key (no lastUsedAt, which is not from the log). */
export function snapshot(model: AuthReadModel): Array<Omit<KeyView, 'lastUsedAt'>> {
  return model
    .list()
    .map(({ lastUsedAt: _ignored, ...rest }) => ({ ...rest, roles: [...rest.roles] }))
    .sort((a, b) => (a.alias < b.alias ? -1 : a.alias > b.alias ? 1 : 0));
}

/** A fresh read model built from the whole log, as a restart would. */
export async function rebuild(store: EventStore): Promise<AuthReadModel> {
  const model = new AuthReadModel();
  for (const e of await store.readAll({ streamPrefixes: [KEY_STREAM_PREFIX] })) model.apply(e);
  return model;
}

/** Folds each key stream with the aggregate's own evolve: alias -> state. */
export function foldStreams(events: RecordedEvent[]): Map<string, ApiKeyState> {
  const perStream = new Map<string, ApiKeyEvent[]>();
  for (const r of events) {
    if (!r.streamName.startsWith(KEY_STREAM_PREFIX)) continue;
    const e = upcast(r.type, r.data);
    if (!e) continue;
    const list = perStream.get(r.streamName) ?? [];
    list.push(e);
    perStream.set(r.streamName, list);
  }
  const out = new Map<string, ApiKeyState>();
  for (const [stream, list] of perStream) out.set(stream.slice(KEY_STREAM_PREFIX.length), foldEvents(list));
  return out;
}

/** Polls until the condition holds (no fixed sleeps); fails with the message after timeoutMs. */
export const authHeader = (key: string) => ({ authorization: `Bearer ${key}` });

export { tempDir };
