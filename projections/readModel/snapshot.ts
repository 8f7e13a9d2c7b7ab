import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { endianness } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { EventStore } from '../../infrastructure/eventStore/port';
import { AuthReadModel, type ReadModelState } from './authReadModel';

/**
 * The auth read model persisted with its checkpoint, so that a restart loads it and
 * subscribes from the checkpoint instead of replaying the whole log.
 *
 * File (DATA_DIR/read-model.snapshot, one per instance): a header line of JSON (format,
 * version, store identity, checkpoint, section lengths, body length and SHA-256), then the
 * binary body: the model's columns as raw bytes, 8-byte aligned, so that a load is one file
 * read, one hash and typed-array views on the buffer (no per-key parsing or objects).
 * Written to a temporary file, fsynced and renamed over the old one, so a reader sees a
 * whole snapshot or the previous one. A snapshot that is corrupt, of another version, of
 * another store or ahead of the store is ignored with a warning (the log is replayed).
 * The snapshot is only a cache: the log stays the truth, and deleting the file is safe.
 */

export const SNAPSHOT_FILE = 'read-model.snapshot';
export const SNAPSHOT_FORMAT = 'keyledger.auth-read-model';
/** 2: binary body (typed-array sections, UTF-8 text); 1 (JSON body) is ignored and replayed. */
export const SNAPSHOT_VERSION = 2;

export interface SnapshotLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Sections of the body, in this order, each starting 8-byte aligned. */
const SECTIONS = [
  'hashes',
  'times',
  'revisions',
  'flags',
  'roleSetIds',
  'textStart',
  'textLength',
  'aliasSlots',
  'text',
  'meta',
] as const;
type Section = (typeof SECTIONS)[number];

interface Header {
  format: string;
  version: number;
  endianness: string;
  store: string;
  checkpoint: string;
  count: number;
  /** Byte length of each section (without its padding). */
  sections: Record<Section, number>;
  bodyBytes: number;
  bodySha256: string;
  writtenAt: string;
}

/** The small, JSON part of the state. */
interface Meta {
  roleSets: string[][];
  oddHashes: Array<[number, string]>;
}

const ALIGN = 8;
const pad = (n: number) => (n + ALIGN - 1) & ~(ALIGN - 1);
const bytesOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

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

/**
 * Header line (JSON, padded with spaces to a multiple of 8 bytes), then the body: the state's
 * typed arrays and text as raw bytes, each section 8-byte aligned, and a small JSON section.
 */
export function encodeSnapshot(state: ReadModelState, identity: string): Buffer {
  const meta: Meta = { roleSets: state.roleSets, oddHashes: state.oddHashes };
  const parts: Record<Section, Buffer> = {
    hashes: bytesOf(state.hashes),
    times: bytesOf(state.times),
    revisions: bytesOf(state.revisions),
    flags: bytesOf(state.flags),
    roleSetIds: bytesOf(state.roleSetIds),
    textStart: bytesOf(state.textStart),
    textLength: bytesOf(state.textLength),
    aliasSlots: bytesOf(state.aliasSlots),
    text: bytesOf(state.text),
    meta: Buffer.from(JSON.stringify(meta)),
  };
  let bodyBytes = 0;
  for (const name of SECTIONS) bodyBytes += pad(parts[name].length);
  const body = Buffer.alloc(bodyBytes);
  let at = 0;
  for (const name of SECTIONS) {
    parts[name].copy(body, at);
    at += pad(parts[name].length);
  }
  const header: Header = {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    endianness: endianness(),
    store: identity,
    checkpoint: state.checkpoint.toString(),
    count: state.count,
    sections: Object.fromEntries(SECTIONS.map((name) => [name, parts[name].length])) as Record<Section, number>,
    bodyBytes,
    bodySha256: createHash('sha256').update(body).digest('hex'),
    writtenAt: new Date().toISOString(),
  };
  const line = JSON.stringify(header);
  return Buffer.concat([Buffer.from(`${line.padEnd(pad(line.length + 1) - 1)}\n`), body]);
}

/**
 * Throws on anything that is not a whole, current-version snapshot of this store. The model's
 * columns are views on `file` (no copy) when it is 8-byte aligned, as a file read is.
 */
export function decodeSnapshot(file: Buffer, identity: string): AuthReadModel {
  const newline = file.indexOf(10);
  if (newline < 0) throw new Error('no header');
  const header = JSON.parse(file.subarray(0, newline).toString('utf8')) as Header;
  if (header.format !== SNAPSHOT_FORMAT) throw new Error('not a read-model snapshot');
  if (header.version !== SNAPSHOT_VERSION) throw new Error(`version ${header.version}, expected ${SNAPSHOT_VERSION}`);
  if (header.endianness !== endianness()) throw new Error('written on a machine of other endianness');
  if (header.store !== identity) throw new Error('snapshot of another store');
  let body = file.subarray(newline + 1);
  if (body.length !== header.bodyBytes) throw new Error('truncated or extended');
  if (createHash('sha256').update(body).digest('hex') !== header.bodySha256) throw new Error('checksum mismatch');
  const n = header.count;
  if (!Number.isInteger(n) || n < 0) throw new Error('bad count');
  if (body.byteOffset % ALIGN !== 0) {
    const aligned = Buffer.alloc(body.length); // its own ArrayBuffer, offset 0
    body.copy(aligned);
    body = aligned;
  }
  const at: Partial<Record<Section, [number, number]>> = {};
  let offset = 0;
  for (const name of SECTIONS) {
    const length = header.sections?.[name];
    if (!Number.isInteger(length) || length! < 0 || offset + length! > body.length)
      throw new Error(`section ${name}: bad length`);
    at[name] = [body.byteOffset + offset, length!];
    offset += pad(length!);
  }
  if (offset !== body.length) throw new Error('sections do not fill the body');
  const view = <T>(name: Section, make: (b: ArrayBuffer, o: number, l: number) => T, size: number, length: number) => {
    const [o, bytes] = at[name]!;
    if (bytes !== length * size) throw new Error(`${name}: ${bytes} bytes, expected ${length * size}`);
    return make(body.buffer as ArrayBuffer, o, length);
  };
  const [, aliasSlotBytes] = at.aliasSlots!;
  const [textAt, textBytes] = at.text!;
  const [metaAt, metaBytes] = at.meta!;
  const meta = JSON.parse(Buffer.from(body.buffer, metaAt, metaBytes).toString('utf8')) as Meta;
  if (!Array.isArray(meta.roleSets) || !Array.isArray(meta.oddHashes)) throw new Error('meta: bad shape');
  const state: ReadModelState = {
    checkpoint: BigInt(header.checkpoint),
    count: n,
    hashes: view('hashes', (b, o, l) => new Uint8Array(b, o, l), 1, n * 32),
    times: view('times', (b, o, l) => new Float64Array(b, o, l), 8, n * 3),
    revisions: view('revisions', (b, o, l) => new Int32Array(b, o, l), 4, n),
    flags: view('flags', (b, o, l) => new Uint8Array(b, o, l), 1, n),
    roleSetIds: view('roleSetIds', (b, o, l) => new Uint16Array(b, o, l), 2, n),
    textStart: view('textStart', (b, o, l) => new Uint32Array(b, o, l), 4, n * 3),
    textLength: view('textLength', (b, o, l) => new Uint32Array(b, o, l), 4, n * 3),
    aliasSlots: view('aliasSlots', (b, o, l) => new Int32Array(b, o, l), 4, aliasSlotBytes / 4),
    text: new Uint8Array(body.buffer, textAt, textBytes),
    roleSets: meta.roleSets,
    oddHashes: meta.oddHashes,
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
