import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { EventStore } from '../../infrastructure/eventStore/port';
import { AuthReadModel, type KeyView } from './authReadModel';
import { fromColumns, toColumns, type Columns } from './snapshotColumns';

/**
 * The auth read model persisted with its checkpoint, so that a restart loads it and
 * subscribes from the checkpoint instead of replaying the whole log.
 *
 * File (DATA_DIR/read-model.snapshot): a 32-byte HMAC-SHA256, then the body written by
 * `node:v8` serialize. The HMAC key is derived from the sealing secret, so a snapshot edited
 * by anyone without the secret (a revoked flag flipped, say) does not load. Written to a
 * temporary file, fsynced and renamed over the old one. A snapshot that is forged, corrupt,
 * of another format version, of another store or ahead of the log is ignored with a
 * warning and the log is replayed: the log stays the truth, and deleting the file is safe.
 */

export const SNAPSHOT_FILE = 'read-model.snapshot';
export const SNAPSHOT_FORMAT = 'keyledger.auth-read-model';
/**
 * 3: node:v8 body behind an HMAC; 4: views carry owner, meta and the rotated-out key.
 * Older files are ignored and the log replayed.
 */
export const SNAPSHOT_VERSION = 4;
const MAC_BYTES = 32;

export interface SnapshotLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

interface Body {
  format: string;
  version: number;
  store: string;
  checkpoint: bigint;
  aliases: string[];
  /** The key views, as columns (see snapshotColumns.ts). */
  views: Columns;
}

export function snapshotMacKey(sealSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', sealSecret, 'keyledger', 'read-model-snapshot-v1', 32));
}

/**
 * What the snapshot must belong to: the store's kind and address (the SQLite file's
 * absolute path, or the EventStoreDB connection string) and the id of the log's first
 * event, hashed so that no credential of a connection string is written out.
 */
export async function storeIdentity(store: EventStore, address: string): Promise<string> {
  const [first] = await store.readAll({ maxCount: 1 });
  const where = store.kind === 'sqlite' ? resolve(address) : address;
  return createHash('sha256')
    .update(`${store.kind}\n${where}\n${first?.id ?? ''}`)
    .digest('hex');
}

export function encodeSnapshot(model: AuthReadModel, identity: string, macKey: Buffer): Buffer {
  const body: Body = {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    store: identity,
    checkpoint: model.checkpoint,
    aliases: [],
    views: {},
  };
  const views: Array<Omit<KeyView, 'lastUsedAt'>> = [];
  for (const [alias, { lastUsedAt: _memoryOnly, ...view }] of model.entries()) {
    body.aliases.push(alias);
    views.push(view);
  }
  body.views = toColumns(views);
  const bytes = serialize(body);
  return Buffer.concat([createHmac('sha256', macKey).update(bytes).digest(), bytes]);
}

/** Throws on anything that is not an authentic, current-version snapshot of this store. */
export function decodeSnapshot(file: Buffer, identity: string, macKey: Buffer): AuthReadModel {
  if (file.length <= MAC_BYTES) throw new Error('truncated');
  const bytes = file.subarray(MAC_BYTES);
  const mac = createHmac('sha256', macKey).update(bytes).digest();
  if (!timingSafeEqual(mac, file.subarray(0, MAC_BYTES))) throw new Error('not authentic (HMAC mismatch)');
  const body = deserialize(bytes) as Body;
  if (body?.format !== SNAPSHOT_FORMAT) throw new Error('not a read-model snapshot');
  if (body.version !== SNAPSHOT_VERSION) throw new Error(`version ${body.version}, expected ${SNAPSHOT_VERSION}`);
  if (body.store !== identity) throw new Error('snapshot of another store');
  if (typeof body.checkpoint !== 'bigint' || !Array.isArray(body.aliases)) throw new Error('bad shape');
  const views = fromColumns<KeyView>(body.views, body.aliases.length);
  return AuthReadModel.restore(
    body.checkpoint,
    views.map((view, i) => [body.aliases[i]!, view] as const),
  );
}

export interface SnapshotStoreOptions {
  /** The directory the snapshot file lives in (DATA_DIR). */
  dir: string;
  store: EventStore;
  /** The SQLite file or the EventStoreDB connection string (see storeIdentity). */
  address: string;
  sealSecret: string;
  logger: SnapshotLogger;
}

/** Loads, checks and writes the snapshot of one store in one directory. */
export class ReadModelSnapshots {
  readonly file: string;
  private readonly macKey: Buffer;
  private writing: Promise<void> | undefined;
  private lastWritten: bigint | undefined;

  constructor(private readonly options: SnapshotStoreOptions) {
    this.file = join(options.dir, SNAPSHOT_FILE);
    this.macKey = snapshotMacKey(options.sealSecret);
  }

  /** The persisted model, or undefined (with a warning unless there is no file) when it cannot be used. */
  async load(): Promise<AuthReadModel | undefined> {
    let raw: Buffer;
    try {
      raw = readFileSync(this.file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      this.options.logger.warn(
        { file: this.file, err: String(error) },
        'read-model snapshot unreadable; replaying the log',
      );
      return undefined;
    }
    try {
      const model = decodeSnapshot(raw, await storeIdentity(this.options.store, this.options.address), this.macKey);
      const [head] = await this.options.store.readAll({ direction: 'backwards', maxCount: 1 });
      if (model.checkpoint > (head?.position ?? 0n)) throw new Error('snapshot is ahead of the log');
      this.lastWritten = model.checkpoint;
      this.options.logger.info(
        { file: this.file, keys: model.size, checkpoint: model.checkpoint.toString() },
        'read model loaded from snapshot',
      );
      return model;
    } catch (error) {
      this.options.logger.warn(
        { file: this.file, reason: error instanceof Error ? error.message : String(error) },
        'read-model snapshot ignored; replaying the log',
      );
      return undefined;
    }
  }

  /** Writes the model unless that checkpoint is already on disk; one write at a time. */
  async write(model: AuthReadModel): Promise<void> {
    while (this.writing) await this.writing;
    if (this.lastWritten === model.checkpoint) return;
    const checkpoint = model.checkpoint;
    const identity = await storeIdentity(this.options.store, this.options.address);
    // Encoded synchronously: consistent with its checkpoint.
    const bytes = encodeSnapshot(model, identity, this.macKey);
    const done = this.writeFile(bytes, checkpoint).finally(() => (this.writing = undefined));
    this.writing = done;
    await done;
  }

  private async writeFile(bytes: Buffer, checkpoint: bigint): Promise<void> {
    const temp = `${this.file}.${process.pid}.tmp`;
    try {
      const handle = await open(temp, 'w', 0o600);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.file);
      syncDirectory(dirname(this.file));
      this.lastWritten = checkpoint;
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw error;
    }
  }
}

function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not every platform can fsync a directory; the rename itself is still atomic.
  }
}
