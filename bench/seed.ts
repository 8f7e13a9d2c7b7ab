import Database from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import { ALLOWED_ROLES, storedEventType, type Role } from '../domain';
import { keyStreamName } from '../infrastructure/eventStore/apiKeyCodec';
import { SqliteEventStore } from '../infrastructure/eventStore/sqlite';
import { displayPrefix, generateKey, hashKey, KeySealer } from '../infrastructure/keys/keyCrypto';

export const BENCH_SEAL_SECRET = 'bench-seal-secret-0123456789abcdefghijklmnop';
export const DAY_MS = 86_400_000;

export interface SeedOptions {
  /** Number of keys (one ApiKeyCreated each). */
  keys: number;
  /** Total events to write; the rest are renewals and revocations spread over the keys. */
  events?: number;
  /** Keep the plaintext keys of the first `returnKeys` keys. */
  returnKeys?: number;
  aliasPrefix?: string;
  keyPrefix?: string;
  /** Aliases with this index or above are created with an expiry in the past. */
  now?: number;
}

export interface SeededKey {
  alias: string;
  key: string;
  roles: Role[];
}

/** Role sets as the API would see them: a few common combinations. */
export function rolesFor(i: number): Role[] {
  const mask = (i * 7) % 16;
  return ALLOWED_ROLES.filter((_, bit) => (mask & (1 << bit)) !== 0);
}

/**
 * Writes events in the store's own format straight into the SQLite file, in big
 * transactions (seeding is not what is measured). The schema comes from the adapter.
 */
export async function seedSqlite(file: string, options: SeedOptions): Promise<SeededKey[]> {
  await new SqliteEventStore(file).close();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insert = db.prepare(
    'INSERT INTO events (event_id, stream_name, revision, type, data, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const sealer = new KeySealer(BENCH_SEAL_SECRET);
  const keyPrefix = options.keyPrefix ?? 'ak';
  const aliasPrefix = options.aliasPrefix ?? 'svc-';
  const now = options.now ?? Date.now();
  const total = Math.max(options.events ?? options.keys, options.keys);
  const returned: SeededKey[] = [];
  const revisions = new Int32Array(options.keys);
  const active = new Uint8Array(options.keys);
  let at = now - 10 * DAY_MS;
  const meta = (i: number) =>
    JSON.stringify({
      actor: 'bench',
      requestId: `seed-${i}`,
      correlationId: `seed-${i}`,
      causationId: `seed-${i}`,
      at: new Date(at).toISOString(),
    });
  const write = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      at += 1;
      const iso = new Date(at).toISOString();
      const expire = new Date(at + 15 * DAY_MS).toISOString();
      if (i < options.keys) {
        const alias = `${aliasPrefix}${i.toString().padStart(7, '0')}`;
        const key = generateKey(keyPrefix);
        const keyHash = hashKey(key);
        const roles = rolesFor(i);
        if (returned.length < (options.returnKeys ?? 0)) returned.push({ alias, key, roles });
        const data = {
          alias,
          name: `Service ${i}`,
          roles,
          keyHash,
          keyPrefix: displayPrefix(key),
          sealedKey: sealer.seal(key, keyHash),
          expire,
          createdAt: iso,
          owner: null,
          meta: null,
        };
        insert.run(
          uuidv7(),
          keyStreamName(alias),
          0,
          storedEventType('ApiKeyCreated'),
          JSON.stringify(data),
          meta(i),
          at,
        );
        active[i] = 1;
        continue;
      }
      const k = i % options.keys;
      const alias = `${aliasPrefix}${k.toString().padStart(7, '0')}`;
      const revision = ++revisions[k]!;
      // Alternate renewals and revocations, ending most keys active.
      if (active[k] && revision % 3 === 2) {
        active[k] = 0;
        insert.run(
          uuidv7(),
          keyStreamName(alias),
          revision,
          storedEventType('ApiKeyRevoked'),
          JSON.stringify({ alias, revokedAt: iso }),
          meta(i),
          at,
        );
      } else {
        const data = {
          alias,
          name: `Service ${k} r${revision}`,
          roles: rolesFor(k + revision),
          expire,
          renewedAt: iso,
          owner: null,
          meta: null,
          reactivated: !active[k],
        };
        active[k] = 1;
        insert.run(
          uuidv7(),
          keyStreamName(alias),
          revision,
          storedEventType('ApiKeyRenewed'),
          JSON.stringify(data),
          meta(i),
          at,
        );
      }
    }
  });
  for (let from = 0; from < total; from += 50_000) write(from, Math.min(total, from + 50_000));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return returned;
}
