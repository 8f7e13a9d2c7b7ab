import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { endianness } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { EventStore } from '../infrastructure/eventStore/port';
import { AuthReadModel, type ReadModelState } from './authReadModel';

/**
 * The auth read model persisted with its checkpoint, so that a restart loads it and
 * subscribes from the checkpoint instead of replaying the whole log.
 *
 * File (DATA_DIR/read-model.snapshot, one per instance): a header line of JSON (format,
 * version, store identity, checkpoint, body length and SHA-256), then the body: JSON whose
 * strings are the text columns and whose base64 fields are the model's typed arrays.
 * Written to a temporary file, fsynced and renamed over the old one, so a reader sees a
 * whole snapshot or the previous one. A snapshot that is corrupt, of another version, of
 * another store or ahead of the store is ignored with a warning (the log is replayed).
 * The snapshot is only a cache: the log stays the truth, and deleting the file is safe.
 */

export const SNAPSHOT_FILE = 'read-model.snapshot';
export const SNAPSHOT_FORMAT = 'keyledger.auth-read-model';
export const SNAPSHOT_VERSION = 1;

export interface SnapshotLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

interface Header {
  format: string;
  version: number;
  endianness: string;
  store: string;
  checkpoint: string;
  count: number;
  bodyBytes: number;
  bodySha256: string;
  writtenAt: string;
}

interface Body {
  aliases: string[];
  names: string[];
  prefixes: string[];
  roleSets: string[][];
  oddHashes: Array<[number, string]>;
  hashes: string;
  times: string;
  revisions: string;
  flags: string;
  roleSetIds: string;
  aliasSlots: string;
}

const b64 = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

/** Copies base64 bytes into a fresh, aligned typed array of exactly `length` elements. */
function typed<T extends Uint8Array | Uint16Array | Int32Array | Float64Array>(
  text: string,
  make: (n: number) => T,
  length: number,
  what: string,
): T {
  const bytes = Buffer.from(text, 'base64');
  const out = make(length);
  if (bytes.length !== out.byteLength) throw new Error(`${what}: ${bytes.length} bytes, expected ${out.byteLength}`);
  new Uint8Array(out.buffer).set(bytes);
  return out;
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

export function encodeSnapshot(state: ReadModelState, identity: string): Buffer {
  const body: Body = {
    aliases: state.aliases,
    names: state.names,
    prefixes: state.prefixes,
    roleSets: state.roleSets,
    oddHashes: state.oddHashes,
    hashes: b64(state.hashes),
    times: b64(state.times),
    revisions: b64(state.revisions),
    flags: b64(state.flags),
    roleSetIds: b64(state.roleSetIds),
    aliasSlots: b64(state.aliasSlots),
  };
  const bodyBytes = Buffer.from(JSON.stringify(body));
  const header: Header = {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    endianness: endianness(),
    store: identity,
    checkpoint: state.checkpoint.toString(),
    count: state.count,
    bodyBytes: bodyBytes.length,
    bodySha256: createHash('sha256').update(bodyBytes).digest('hex'),
    writtenAt: new Date().toISOString(),
  };
  return Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), bodyBytes]);
}

/** Throws on anything that is not a whole, current-version snapshot of this store. */
export function decodeSnapshot(file: Buffer, identity: string): AuthReadModel {
  const newline = file.indexOf(10);
  if (newline < 0) throw new Error('no header');
  const header = JSON.parse(file.subarray(0, newline).toString('utf8')) as Header;
  if (header.format !== SNAPSHOT_FORMAT) throw new Error('not a read-model snapshot');
  if (header.version !== SNAPSHOT_VERSION) throw new Error(`version ${header.version}, expected ${SNAPSHOT_VERSION}`);
  if (header.endianness !== endianness()) throw new Error('written on a machine of other endianness');
  if (header.store !== identity) throw new Error('snapshot of another store');
  const body = file.subarray(newline + 1);
  if (body.length !== header.bodyBytes) throw new Error('truncated or extended');
  if (createHash('sha256').update(body).digest('hex') !== header.bodySha256) throw new Error('checksum mismatch');
  const b = JSON.parse(body.toString('utf8')) as Body;
  const n = header.count;
  if (!Number.isInteger(n) || n < 0) throw new Error('bad count');
  for (const [what, column] of [
    ['aliases', b.aliases],
    ['names', b.names],
    ['prefixes', b.prefixes],
  ] as const)
    if (!Array.isArray(column) || column.length !== n || column.some((v) => typeof v !== 'string'))
      throw new Error(`${what}: not ${n} strings`);
  const aliasSlotBytes = Buffer.from(b.aliasSlots, 'base64').length;
  const state: ReadModelState = {
    checkpoint: BigInt(header.checkpoint),
    count: n,
    aliases: b.aliases,
    names: b.names,
    prefixes: b.prefixes,
    roleSets: b.roleSets,
    oddHashes: b.oddHashes,
    hashes: typed(b.hashes, (k) => new Uint8Array(k), n * 32, 'hashes'),
    times: typed(b.times, (k) => new Float64Array(k), n * 3, 'times'),
    revisions: typed(b.revisions, (k) => new Int32Array(k), n, 'revisions'),
    flags: typed(b.flags, (k) => new Uint8Array(k), n, 'flags'),
    roleSetIds: typed(b.roleSetIds, (k) => new Uint16Array(k), n, 'roleSetIds'),
    aliasSlots: typed(b.aliasSlots, (k) => new Int32Array(k), aliasSlotBytes / 4, 'aliasSlots'),
  };
  return AuthReadModel.fromState(state);
}

export interface SnapshotStoreOptions {
  /** The directory the snapshot file lives in (DATA_DIR). */
  dir: string;
  store: EventStore;
  /** The SQLite file or the EventStoreDB connection string (see storeIdentity). */
  address: string;
  logger: SnapshotLogger;
}

/** Loads, checks and writes the snapshot of one store in one directory. */
export class ReadModelSnapshots {
  readonly file: string;
  private writing: Promise<void> | undefined;
  private lastWritten: bigint | undefined;

  constructor(private readonly options: SnapshotStoreOptions) {
    this.file = join(options.dir, SNAPSHOT_FILE);
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
      const identity = await storeIdentity(this.options.store, this.options.address);
      const model = decodeSnapshot(raw, identity);
      const [head] = await this.options.store.readAll({ direction: 'backwards', maxCount: 1 });
      if (model.checkpoint > (head?.position ?? 0n)) throw new Error('snapshot is ahead of the store');
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

  /**
   * Writes the model's current state unless that checkpoint is already on disk. The state is
   * copied synchronously (consistent with its checkpoint); encoding and I/O follow. One write
   * at a time: a call during a write waits for it and then writes if still needed.
   */
  async write(model: AuthReadModel): Promise<void> {
    while (this.writing) await this.writing;
    if (this.lastWritten === model.checkpoint) return;
    const state = model.exportState();
    const done = this.writeState(state).finally(() => (this.writing = undefined));
    this.writing = done;
    await done;
  }

  private async writeState(state: ReadModelState): Promise<void> {
    const identity = await storeIdentity(this.options.store, this.options.address);
    const bytes = encodeSnapshot(state, identity);
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
      this.lastWritten = state.checkpoint;
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

/**
 * Writes the snapshot every `intervalMs` when the model moved, off the request path (a timer,
 * unref'd), and once more on stop. A failed write is logged and retried at the next tick.
 */
export class PeriodicSnapshotter {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly snapshots: ReadModelSnapshots,
    private readonly model: () => AuthReadModel,
    private readonly logger: SnapshotLogger,
    private readonly intervalMs = 30_000,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  async flush(): Promise<void> {
    try {
      await this.snapshots.write(this.model());
    } catch (error) {
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'read-model snapshot not written',
      );
    }
  }

  /** Stops the timer and writes a last snapshot (call after the projection stopped, before the store closes). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
