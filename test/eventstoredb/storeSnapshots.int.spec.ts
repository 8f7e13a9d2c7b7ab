import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import pino from 'pino';
import { openEventStoreDb } from '../../infrastructure/eventStore/eventStoreDb';
import type { EventStore } from '../../infrastructure/eventStore/port';
import {
  SNAPSHOT_MANIFEST_TYPE,
  SNAPSHOT_STREAM,
  StoreSnapshots,
  chunkStreamOf,
} from '../../projections/readModel/storeSnapshots';
import { startTestApp, type TestApp } from '../support/testApp';
import { startEventStoreDbTestServer, type EventStoreDbTestServer } from './testServer';

const SECRET = 'shared-secret-of-every-instance-0123456789';
const SEAL = { KEY_SEAL_SECRET: SECRET };
const KEYS = 30;
const silent = pino({ level: 'silent' });

const verify = (t: TestApp, key: string) =>
  t.app.inject({ method: 'POST', url: '/api/apikey/verify', payload: { key } }).then((r) => r.json().code as string);

/** Key events in the log (every `apikey-` event, however the instance got them). */
async function keyEventCount(store: EventStore): Promise<number> {
  return (await store.readAll({ streamPrefixes: ['apikey-'] })).length;
}

describe('read-model snapshots published in EventStoreDB', () => {
  let server: EventStoreDbTestServer;
  let a: TestApp;
  let b: TestApp | undefined;
  const keys: string[] = [];

  beforeEach(async () => {
    server = await startEventStoreDbTestServer({ secure: true });
    a = await startTestApp({ env: SEAL, store: openEventStoreDb(server.connectionString) });
    keys.length = 0;
    for (let i = 0; i < KEYS; i++) keys.push(await a.mint(`svc-${i}`, ['user']));
    await a.ledger.projection.catchUp(5_000);
  });
  afterEach(async () => {
    await b?.close();
    b = undefined;
    await a.close();
    await server.stop();
  });

  const publish = (store: EventStore, sealSecret = SECRET) =>
    new StoreSnapshots({ store, sealSecret, logger: silent, chunkBytes: 1024 }).write(a.ledger.readModel);
  const startB = async () => (b = await startTestApp({ env: SEAL, store: openEventStoreDb(server.connectionString) }));
  const logsOf = (t: TestApp) => t.logs.join('');

  it('a fresh instance loads the newest published snapshot and catches up from its checkpoint', async () => {
    await publish(a.ledger.store);
    const published = a.ledger.readModel.checkpoint;
    // Written more than one chunk, under its own streams.
    const [manifest] = await a.ledger.store.readStream(SNAPSHOT_STREAM);
    expect(manifest!.type).toBe(SNAPSHOT_MANIFEST_TYPE);
    expect(manifest!.data.checkpoint).toBe(published.toString());
    expect(manifest!.data.chunks as number).toBeGreaterThan(1);
    // After the snapshot: a new key, a revocation.
    const late = await a.mint('late-key', ['user']);
    expect(
      (await a.app.inject({ method: 'DELETE', url: `/api/apikey/${keys[3]}`, headers: { 'x-api-key': a.adminKey } }))
        .statusCode,
    ).toBe(200);

    const fresh = await startB();
    expect(logsOf(fresh)).toContain('read model loaded from the snapshot published in the store');
    // Applied only what came after the snapshot: the late key, the revocation, its own admin renewal.
    expect(fresh.ledger.readModel.changes).toBe(3);
    expect(await keyEventCount(fresh.ledger.store)).toBeGreaterThan(KEYS);
    expect(await verify(fresh, keys[0]!)).toBe('VALID');
    expect(await verify(fresh, keys[3]!)).toBe('REVOKED');
    expect(await verify(fresh, late)).toBe('VALID');
    expect(fresh.ledger.readModel.size).toBe(KEYS + 2);
    // And it serves commands.
    expect(
      (
        await fresh.app.inject({
          method: 'DELETE',
          url: `/api/apikey/${keys[5]}`,
          headers: { 'x-api-key': fresh.adminKey },
        })
      ).statusCode,
    ).toBe(200);
    expect(await verify(fresh, keys[5]!)).toBe('REVOKED');
  });

  it('a snapshot with a wrong HMAC is ignored with a warning and the log replayed', async () => {
    await publish(a.ledger.store, 'a-forger-without-the-sealing-secret-0123456');
    const fresh = await startB();
    expect(logsOf(fresh)).toContain('published read-model snapshot ignored');
    expect(logsOf(fresh)).toContain('HMAC mismatch');
    expect(fresh.ledger.readModel.changes).toBe(await keyEventCount(fresh.ledger.store));
    expect(await verify(fresh, keys[0]!)).toBe('VALID');
  });

  it('chunks without their manifest (a publish cut short) are never read: the log is replayed', async () => {
    const noManifest: EventStore = Object.create(a.ledger.store, {
      appendToStream: {
        value: (
          stream: string,
          ...rest: Parameters<EventStore['appendToStream']> extends [string, ...infer R] ? R : never
        ) =>
          stream === SNAPSHOT_STREAM
            ? Promise.reject(new Error('cut short'))
            : a.ledger.store.appendToStream(stream, ...rest),
      },
    });
    await expect(publish(noManifest)).rejects.toThrow('cut short');
    const fresh = await startB();
    expect(logsOf(fresh)).not.toContain('read model loaded from the snapshot');
    expect(fresh.ledger.readModel.changes).toBe(await keyEventCount(fresh.ledger.store));
    expect(await verify(fresh, keys[0]!)).toBe('VALID');
  });

  it('a manifest whose chunks are missing is ignored with a warning and the log replayed', async () => {
    const snapshot = randomUUID();
    await a.ledger.store.appendToStream(
      SNAPSHOT_STREAM,
      [
        {
          id: randomUUID(),
          type: SNAPSHOT_MANIFEST_TYPE,
          data: { snapshot, chunkStream: chunkStreamOf(snapshot), chunks: 3, bytes: 3000, checkpoint: '1', mac: '00' },
          metadata: { actor: 't', requestId: 'r', correlationId: 'c', causationId: 'c', at: new Date().toISOString() },
        },
      ],
      'any',
    );
    const fresh = await startB();
    expect(logsOf(fresh)).toContain('partial: 0 of 3 chunks');
    expect(fresh.ledger.readModel.changes).toBe(await keyEventCount(fresh.ledger.store));
  });

  it('publishes once per checkpoint, one at a time, and never replaces a newer published one', async () => {
    const snapshots = new StoreSnapshots({ store: a.ledger.store, sealSecret: SECRET, logger: silent });
    await Promise.all([snapshots.write(a.ledger.readModel), snapshots.write(a.ledger.readModel)]);
    await snapshots.write(a.ledger.readModel);
    expect(await a.ledger.store.readStream(SNAPSHOT_STREAM)).toHaveLength(1);
    // Another instance at the same checkpoint does not publish again.
    await publish(a.ledger.store);
    expect(await a.ledger.store.readStream(SNAPSHOT_STREAM)).toHaveLength(1);
  });

  it('trims old snapshots with stream metadata: $maxCount on the manifests, $tb on displaced chunks', async () => {
    const appended: Array<{ stream: string; type: string; data: Record<string, unknown> }> = [];
    const store = a.ledger.store;
    const spy: EventStore = Object.create(store, {
      appendToStream: {
        value: (
          stream: string,
          events: Parameters<EventStore['appendToStream']>[1],
          expected: Parameters<EventStore['appendToStream']>[2],
        ) => {
          for (const e of events) appended.push({ stream, type: e.type, data: e.data });
          return store.appendToStream(stream, events, expected);
        },
      },
    });
    const warnings: string[] = [];
    const logger = { info: () => undefined, warn: (_: object, msg: string) => void warnings.push(msg) };
    const snapshots = new StoreSnapshots({ store: spy, sealSecret: SECRET, logger, chunkBytes: 1024 });
    for (let i = 0; i < 3; i++) {
      await a.mint(`trim-${i}`);
      await a.ledger.projection.catchUp(5_000);
      await snapshots.write(a.ledger.readModel);
    }
    const manifests = (await store.readStream(SNAPSHOT_STREAM)).map((e) => e.data);
    expect(manifests).toHaveLength(3);
    const metadata = appended.filter((e) => e.stream.startsWith('$$'));
    // The test server stores metadata without honouring it; a real node hides what it trims.
    expect(metadata).toEqual([
      { stream: `$$${SNAPSHOT_STREAM}`, type: '$metadata', data: { $maxCount: 10 } },
      { stream: `$$${manifests[0]!.chunkStream as string}`, type: '$metadata', data: { $tb: manifests[0]!.chunks } },
    ]);
    expect(warnings).toEqual([]);
  });

  it('a restarting instance with a usable DATA_DIR snapshot loads that one, not the store', async () => {
    await publish(a.ledger.store);
    const dataDir = a.dataDir;
    await a.app.close();
    await a.ledger.close(); // writes DATA_DIR/read-model.snapshot
    a = await startTestApp({ env: SEAL, store: openEventStoreDb(server.connectionString), dataDir });
    try {
      expect(logsOf(a)).toContain('read model loaded from snapshot');
      expect(logsOf(a)).not.toContain('published in the store');
      expect(await verify(a, keys[0]!)).toBe('VALID');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
