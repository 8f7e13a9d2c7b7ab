import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openKeyledger } from '../../api/composition';
import { createLogger } from '../../api/http/logger';
import type { Role } from '../../domain';
import { loadConfig } from '../../infrastructure/config';
import type { EventStore } from '../../infrastructure/eventStore/port';
import { openSqliteEventStore } from '../../infrastructure/eventStore/sqlite';
import { hashKey } from '../../infrastructure/keys/keyCrypto';
import { createHmac } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import { KEY_STREAM_PREFIX } from '../../infrastructure/eventStore/apiKeyCodec';
import { AuthReadModel } from '../../projections/readModel/authReadModel';
import {
  decodeSnapshot,
  encodeSnapshot,
  ReadModelSnapshots,
  SNAPSHOT_FILE,
  snapshotMacKey,
  storeIdentity,
} from '../../projections/readModel/snapshot';
import { tempDir } from '../support/testApp';

const SECRET = 'snapshot-test-secret-0123456789abcdef';
const MAC_KEY = snapshotMacKey(SECRET);

/** Rewrites a snapshot's body and signs it with `key` (the right one, or an attacker's guess). */
function rewrite(file: string, edit: (body: Record<string, unknown>) => void, key = MAC_KEY): void {
  const body = deserialize(readFileSync(file).subarray(32)) as Record<string, unknown>;
  edit(body);
  const bytes = serialize(body);
  writeFileSync(file, Buffer.concat([createHmac('sha256', key).update(bytes).digest(), bytes]));
}

/** Everything a read model answers, from the outside: the views and the hash index. */
async function contents(model: AuthReadModel, store: EventStore) {
  const byHash: Record<string, string | undefined> = {};
  for (const e of await store.readAll({ streamPrefixes: [KEY_STREAM_PREFIX] }))
    if (typeof e.data.keyHash === 'string') byHash[e.data.keyHash] = model.findByHash(e.data.keyHash)?.alias;
  return {
    checkpoint: model.checkpoint,
    size: model.size,
    views: model.list().map(({ lastUsedAt: _ignored, ...v }) => ({ ...v, roles: [...v.roles] })),
    byHash,
  };
}

async function replay(store: EventStore): Promise<AuthReadModel> {
  const model = new AuthReadModel();
  for (const e of await store.readAll({ streamPrefixes: [KEY_STREAM_PREFIX] })) model.apply(e);
  return model;
}

function logs() {
  const lines: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
  return { lines, logger };
}

async function open(dataDir: string) {
  const { lines, logger } = logs();
  const config = loadConfig({ DATA_DIR: dataDir, KEY_SEAL_SECRET: SECRET, LOG_LEVEL: 'info' });
  const ledger = await openKeyledger(config, logger);
  await ledger.projection.catchUp(10_000);
  return { ledger, lines };
}

const origin = { actor: 'test', requestId: 'r' };

/** A log with creations, renewals (role changes, reactivation) and revocations. */
async function writeHistory(ledger: Awaited<ReturnType<typeof open>>['ledger'], from: number, to: number) {
  const keys: string[] = [];
  const roleSets: Role[][] = [[], ['admin'], ['user', 'agent'], ['creator', 'user', 'admin', 'agent']];
  for (let i = from; i < to; i++) {
    const { key } = await ledger.keys.createOrRenew(
      { alias: `k${i}`, name: `Key ${i}`, roles: roleSets[i % 4]! },
      origin,
    );
    keys.push(key!);
    if (i % 3 === 0)
      await ledger.keys.createOrRenew(
        { alias: `k${i}`, name: `Key ${i} again`, roles: roleSets[(i + 1) % 4]! },
        origin,
      );
    if (i % 4 === 1) await ledger.keys.revoke(key!, origin);
    if (i % 8 === 1) await ledger.keys.createOrRenew({ alias: `k${i}`, name: `Key ${i} back`, roles: [] }, origin);
  }
  return keys;
}

describe('read-model snapshot', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = tempDir('keyledger-snapshot-')));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('is written on close, loaded on start, and equals a replay of the log, before and after more events', async () => {
    const first = await open(dataDir);
    const keys = await writeHistory(first.ledger, 0, 40);
    first.ledger.verifier.verify(keys[0]!);
    await first.ledger.close();
    expect(existsSync(join(dataDir, SNAPSHOT_FILE))).toBe(true);
    // No plaintext key in the snapshot.
    const text = readFileSync(join(dataDir, SNAPSHOT_FILE), 'utf8');
    for (const key of keys) expect(text).not.toContain(key);

    const second = await open(dataDir);
    expect(second.lines.join('')).toContain('read model loaded from snapshot');
    expect(await contents(second.ledger.readModel, second.ledger.store)).toEqual(
      await contents(await replay(second.ledger.store), second.ledger.store),
    );
    // The projection goes on from the checkpoint: new events land on top of the loaded model.
    const more = await writeHistory(second.ledger, 40, 60);
    await second.ledger.keys.revoke(keys[2]!, origin);
    expect(await contents(second.ledger.readModel, second.ledger.store)).toEqual(
      await contents(await replay(second.ledger.store), second.ledger.store),
    );
    expect(second.ledger.verifier.verify(keys[2]!).code).toBe('REVOKED');
    expect(second.ledger.verifier.verify(more[5]!).code).toBe('REVOKED');
    expect(second.ledger.verifier.verify(keys[0]!, ['user']).code).toBe('INSUFFICIENT_ROLE');
    await second.ledger.close();

    // Events appended while no server ran (the CLI) are applied after loading.
    const cli = openSqliteEventStore(join(dataDir, 'events.sqlite'));
    const snapshotBefore = readFileSync(join(dataDir, SNAPSHOT_FILE));
    await cli.close();
    const third = await open(dataDir);
    await third.ledger.keys.createOrRenew({ alias: 'late', name: 'Late', roles: ['user'] }, origin);
    await third.ledger.close();
    expect(readFileSync(join(dataDir, SNAPSHOT_FILE)).equals(snapshotBefore)).toBe(false);
    const fourth = await open(dataDir);
    expect(await contents(fourth.ledger.readModel, fourth.ledger.store)).toEqual(
      await contents(await replay(fourth.ledger.store), fourth.ledger.store),
    );
    expect(fourth.ledger.readModel.findByAlias('late')?.roles).toEqual(['user']);
    await fourth.ledger.close();
  });

  it('round-trips a model with odd (non-digest) hashes and many role orders', async () => {
    const model = new AuthReadModel();
    const roles: Role[][] = [['user', 'admin'], ['admin', 'user'], [], ['agent']];
    for (let i = 0; i < 50; i++)
      model.apply({
        id: `e${i}`,
        type: 'ApiKeyCreated.v1',
        data: {
          alias: `a${i}`,
          name: `n${i}`,
          roles: roles[i % 4]!,
          keyHash: i % 5 === 0 ? `odd-${i}` : hashKey(`key-${i}`),
          keyPrefix: i % 7 === 0 ? 'longer-than-8' : `ak_${i}`,
          sealedKey: 'v1.x',
          expire: new Date(Date.UTC(2030, 0, 1) + i).toISOString(),
          createdAt: new Date(Date.UTC(2025, 0, 1) + i).toISOString(),
        },
        metadata: { actor: 't', requestId: 'r', correlationId: 'r', causationId: 'r', at: '' },
        streamName: `apikey-a${i}`,
        revision: 0n,
        position: BigInt(i + 1),
        createdAt: new Date(),
      });
    const loaded = decodeSnapshot(encodeSnapshot(model, 'id', MAC_KEY), 'id', MAC_KEY);
    const comparable = (m: AuthReadModel) => ({
      checkpoint: m.checkpoint,
      views: m.list(),
      byHash: Array.from({ length: 50 }, (_, i) => m.findByHash(i % 5 === 0 ? `odd-${i}` : hashKey(`key-${i}`))?.alias),
    });
    expect(comparable(loaded)).toEqual(comparable(model));
    expect(loaded.findByAlias('a1')?.roles).toEqual(['admin', 'user']);
    expect(loaded.findByAlias('a0')?.roles).toEqual(['user', 'admin']);
  });

  describe('is ignored with a warning, and the log replayed, when it', () => {
    async function prepared() {
      const first = await open(dataDir);
      await writeHistory(first.ledger, 0, 12);
      const expected = await contents(first.ledger.readModel, first.ledger.store);
      await first.ledger.close();
      return { expected, file: join(dataDir, SNAPSHOT_FILE) };
    }

    async function expectReplayed(expected: Awaited<ReturnType<typeof prepared>>['expected'], reason: RegExp) {
      const { ledger, lines } = await open(dataDir);
      const warning = lines
        .map((l) => JSON.parse(l) as { msg: string; reason?: string })
        .find((l) => l.msg.includes('ignored'));
      expect(warning?.reason).toMatch(reason);
      expect(await contents(ledger.readModel, ledger.store)).toEqual(expected);
      await ledger.close();
    }

    it('is corrupt', async () => {
      const { expected, file } = await prepared();
      const bytes = readFileSync(file);
      bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0x55;
      writeFileSync(file, bytes);
      await expectReplayed(expected, /HMAC/);
    });

    it('was forged without the sealing secret (a revoked key flipped back to active)', async () => {
      const first = await open(dataDir);
      const { key } = await first.ledger.keys.createOrRenew(
        { alias: 'fired', name: 'Fired', roles: ['admin'] },
        origin,
      );
      await first.ledger.keys.revoke(key!, origin);
      await first.ledger.close();
      const file = join(dataDir, SNAPSHOT_FILE);
      rewrite(
        file,
        (body) => {
          (body.views as { status: string[] }).status.fill('active');
        },
        snapshotMacKey('an attacker does not know the sealing secret'),
      );
      const { ledger, lines } = await open(dataDir);
      expect(lines.join('')).toContain('not authentic');
      expect(ledger.verifier.verify(key!).code).toBe('REVOKED');
      await ledger.close();
    });

    it('is truncated', async () => {
      const { expected, file } = await prepared();
      writeFileSync(file, readFileSync(file).subarray(0, 300));
      await expectReplayed(expected, /truncated|HMAC/i);
    });

    it('is of another format version', async () => {
      const { expected, file } = await prepared();
      rewrite(file, (body) => (body.version = 999));
      await expectReplayed(expected, /version 999/);
    });

    it('belongs to another store', async () => {
      const { file } = await prepared();
      const other = tempDir('keyledger-snapshot-other-');
      try {
        const o = await open(other);
        await writeHistory(o.ledger, 100, 103);
        const expected = await contents(o.ledger.readModel, o.ledger.store);
        await o.ledger.close();
        copyFileSync(file, join(other, SNAPSHOT_FILE));
        const { ledger, lines } = await open(other);
        expect(lines.join('')).toContain('snapshot of another store');
        expect(await contents(ledger.readModel, ledger.store)).toEqual(expected);
        await ledger.close();
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
    });

    it('is ahead of the store (a log restored from an older backup)', async () => {
      const { file } = await prepared();
      const store = openSqliteEventStore(join(dataDir, 'events.sqlite'));
      const identity = await storeIdentity(store, join(dataDir, 'events.sqlite'));
      const model = decodeSnapshot(readFileSync(file), identity, MAC_KEY);
      const ahead = AuthReadModel.restore(10_000n, model.entries());
      writeFileSync(file, encodeSnapshot(ahead, identity, MAC_KEY));
      const expected = await contents(await replay(store), store);
      await store.close();
      await expectReplayed(expected, /ahead/);
    });
  });

  it('writes atomically: a failed write leaves the previous snapshot', async () => {
    const first = await open(dataDir);
    await writeHistory(first.ledger, 0, 3);
    await first.ledger.close();
    const file = join(dataDir, SNAPSHOT_FILE);
    const before = readFileSync(file);
    const store = openSqliteEventStore(join(dataDir, 'events.sqlite'));
    const snapshots = new ReadModelSnapshots({
      dir: join(dataDir, 'missing-dir'),
      store,
      address: join(dataDir, 'events.sqlite'),
      sealSecret: SECRET,
      logger: createLogger('silent'),
    });
    await expect(snapshots.write(await replay(store))).rejects.toThrow();
    await store.close();
    expect(readFileSync(file).equals(before)).toBe(true);
  });
});
