import { randomUUID } from 'node:crypto';
import { retryWhileUnavailable } from '../../infrastructure/commands/commandHandler';
import type {
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  RecordedEvent,
} from '../../infrastructure/eventStore/port';
import type { AuthReadModel } from './authReadModel';
import type { SnapshotPolicy } from './periodicSnapshotter';
import { decodeSnapshot, encodeSnapshot, snapshotMacKey, storeIdentity, type SnapshotLogger } from './snapshot';

/**
 * Read-model snapshots published in the event store itself, so that a new instance with an
 * empty DATA_DIR loads the newest one and catches up from its checkpoint instead of replaying
 * every key event (EventStoreDB; SQLite's snapshot file is local anyway).
 *
 * One snapshot = the bytes of snapshot.ts's format (HMAC + node:v8 body, keyed from the sealing
 * secret every instance on the store shares), cut into chunks of CHUNK_BYTES, appended one per
 * event (base64, well under 1 MB) to its own stream `keyledger-snapshot-chunks-<id>`, then a
 * manifest on `keyledger-snapshot` naming that stream, the chunk count, the checkpoint and the
 * HMAC. A reader takes the newest manifest (then the one before), reads its chunks and checks
 * the HMAC and the checkpoint: a forged, partial or foreign snapshot is ignored with a warning
 * and the log is replayed. Chunks without a manifest (a publish cut short) are never read.
 * No stream name starts with `apikey-`, so no key reader sees them.
 */

export const SNAPSHOT_STREAM = 'keyledger-snapshot';
export const SNAPSHOT_MANIFEST_TYPE = 'ReadModelSnapshotPublished.v1';
export const SNAPSHOT_CHUNK_TYPE = 'ReadModelSnapshotChunk.v1';
/** Raw bytes per chunk event (base64 in a JSON event: about 700 kB). */
export const CHUNK_BYTES = 512 * 1024;
/** Snapshots whose chunks are kept (and tried, newest first, by a reader). */
const KEPT = 2;
/** Manifests the store keeps (`$maxCount` on the manifest stream). */
const KEPT_MANIFESTS = 10;
/** The snapshot lives in the store it is of: its identity is the store's first event alone. */
const PUBLISHED_ADDRESS = 'published-in-store';
const MAC_BYTES = 32;
/** How long one append of a publish keeps retrying while the store answers "not now". */
const APPEND_BUDGET_MS = 30_000;

/** Every 100,000 changes, or 30 min after a change; never on stop (a rolling restart would publish N times). */
export const STORE_SNAPSHOT_POLICY: SnapshotPolicy = {
  intervalMs: 60_000,
  minChanges: 100_000,
  maxAgeMs: 1_800_000,
  flushOnStop: false,
};

export interface SnapshotManifest {
  snapshot: string;
  chunkStream: string;
  chunks: number;
  bytes: number;
  checkpoint: string;
  /** The snapshot's HMAC-SHA256 (its first 32 bytes), hex. */
  mac: string;
}

export const chunkStreamOf = (snapshot: string): string => `${SNAPSHOT_STREAM}-chunks-${snapshot}`;

function systemEvent(type: string, data: Record<string, unknown>): NewEvent {
  const id = randomUUID();
  return {
    id,
    type,
    data,
    metadata: { actor: 'keyledger', requestId: id, correlationId: id, causationId: id, at: new Date().toISOString() },
  };
}

function manifestOf(recorded: RecordedEvent): SnapshotManifest | undefined {
  const m = recorded.data as Partial<SnapshotManifest>;
  const ok =
    recorded.type === SNAPSHOT_MANIFEST_TYPE &&
    typeof m.snapshot === 'string' &&
    m.chunkStream === chunkStreamOf(m.snapshot) &&
    Number.isSafeInteger(m.chunks) &&
    (m.chunks ?? 0) > 0 &&
    typeof m.checkpoint === 'string' &&
    typeof m.mac === 'string';
  return ok ? (m as SnapshotManifest) : undefined;
}

export interface StoreSnapshotsOptions {
  store: EventStore;
  sealSecret: string;
  logger: SnapshotLogger;
  chunkBytes?: number;
}

export class StoreSnapshots {
  private readonly macKey: Buffer;
  private publishing: Promise<void> | undefined;
  private lastPublished: bigint | undefined;
  private trimSet = false;

  constructor(private readonly options: StoreSnapshotsOptions) {
    this.macKey = snapshotMacKey(options.sealSecret);
  }

  private async manifests(): Promise<SnapshotManifest[]> {
    const events = await this.options.store.readStream(SNAPSHOT_STREAM);
    return events.flatMap((e) => manifestOf(e) ?? []);
  }

  /** The newest usable published model, or undefined (with a warning for each one ignored). */
  async load(): Promise<AuthReadModel | undefined> {
    const { logger } = this.options;
    let manifests: SnapshotManifest[];
    try {
      manifests = await this.manifests();
    } catch (error) {
      logger.warn({ err: String(error) }, 'published read-model snapshots unreadable; replaying the log');
      return undefined;
    }
    for (const manifest of manifests.slice(-KEPT).reverse()) {
      try {
        const model = await this.read(manifest);
        this.lastPublished = model.checkpoint;
        logger.info(
          { snapshot: manifest.snapshot, keys: model.size, checkpoint: model.checkpoint.toString() },
          'read model loaded from the snapshot published in the store',
        );
        return model;
      } catch (error) {
        logger.warn(
          { snapshot: manifest.snapshot, reason: error instanceof Error ? error.message : String(error) },
          'published read-model snapshot ignored',
        );
      }
    }
    if (manifests.length > 0) logger.warn({}, 'no usable published read-model snapshot; replaying the log');
    return undefined;
  }

  private async read(manifest: SnapshotManifest): Promise<AuthReadModel> {
    const { store } = this.options;
    const events = await store.readStream(manifest.chunkStream);
    if (events.length < manifest.chunks) throw new Error(`partial: ${events.length} of ${manifest.chunks} chunks`);
    const parts = events.slice(0, manifest.chunks).map((event, index) => {
      const data = event.data as { snapshot?: unknown; index?: unknown; bytes?: unknown };
      if (event.type !== SNAPSHOT_CHUNK_TYPE || data.snapshot !== manifest.snapshot || data.index !== index)
        throw new Error(`chunk ${index} does not belong to this snapshot`);
      if (typeof data.bytes !== 'string') throw new Error(`chunk ${index} has no bytes`);
      return Buffer.from(data.bytes, 'base64');
    });
    const file = Buffer.concat(parts);
    if (file.length <= MAC_BYTES || file.subarray(0, MAC_BYTES).toString('hex') !== manifest.mac)
      throw new Error('chunks do not match the manifest');
    const model = decodeSnapshot(file, await storeIdentity(store, PUBLISHED_ADDRESS), this.macKey);
    if (model.checkpoint.toString() !== manifest.checkpoint) throw new Error('checkpoint differs from the manifest');
    if (model.checkpoint > (await store.headOfLog())) throw new Error('snapshot is ahead of the log');
    return model;
  }

  /** Publishes the model unless it (or a newer one) is already published; one publish at a time. */
  write(model: AuthReadModel): Promise<void> {
    this.publishing ??= this.publish(model).finally(() => (this.publishing = undefined));
    return this.publishing;
  }

  private async publish(model: AuthReadModel): Promise<void> {
    const { store, logger } = this.options;
    const identity = await storeIdentity(store, PUBLISHED_ADDRESS);
    const before = await this.manifests();
    const newest = before[before.length - 1];
    // Read, compared and encoded synchronously: the snapshot is consistent with its checkpoint.
    const checkpoint = model.checkpoint;
    if (checkpoint === 0n || checkpoint === this.lastPublished) return;
    if (newest && BigInt(newest.checkpoint) >= checkpoint) {
      this.lastPublished = checkpoint;
      return;
    }
    const bytes = encodeSnapshot(model, identity, this.macKey);
    const snapshot = randomUUID();
    const chunkStream = chunkStreamOf(snapshot);
    const size = this.options.chunkBytes ?? CHUNK_BYTES;
    const chunks = Math.ceil(bytes.length / size);
    let expected: ExpectedRevision = 'no_stream';
    for (let index = 0; index < chunks; index++) {
      const part = bytes.subarray(index * size, (index + 1) * size).toString('base64');
      const event = systemEvent(SNAPSHOT_CHUNK_TYPE, { snapshot, index, bytes: part });
      // Same id and expected revision on a retry: the store dedupes one that did land.
      const revision: ExpectedRevision = expected;
      const appended: AppendResult = await retryWhileUnavailable(
        () => store.appendToStream(chunkStream, [event], revision),
        APPEND_BUDGET_MS,
      );
      expected = appended.nextRevision;
    }
    const manifest: SnapshotManifest = {
      snapshot,
      chunkStream,
      chunks,
      bytes: bytes.length,
      checkpoint: checkpoint.toString(),
      mac: bytes.subarray(0, MAC_BYTES).toString('hex'),
    };
    const published = systemEvent(SNAPSHOT_MANIFEST_TYPE, { ...manifest });
    await retryWhileUnavailable(() => store.appendToStream(SNAPSHOT_STREAM, [published], 'any'), APPEND_BUDGET_MS);
    this.lastPublished = checkpoint;
    logger.info(
      { snapshot, keys: model.size, checkpoint: checkpoint.toString(), chunks, bytes: bytes.length },
      'read-model snapshot published in the store',
    );
    await this.trim(before[before.length - KEPT]);
  }

  /**
   * Old snapshots are trimmed with stream metadata (`$maxCount` on the manifests, `$tb` on the
   * chunks of the snapshot that just fell out of the kept ones), where the store honours it.
   * A store that refuses it (no metadata-write ACL) keeps them: logged, not fatal.
   */
  private async trim(displaced: SnapshotManifest | undefined): Promise<void> {
    const setMetadata = (stream: string, data: Record<string, unknown>) =>
      this.options.store.appendToStream(`$$${stream}`, [systemEvent('$metadata', data)], 'any');
    try {
      if (!this.trimSet) await setMetadata(SNAPSHOT_STREAM, { $maxCount: KEPT_MANIFESTS });
      this.trimSet = true;
      if (displaced) await setMetadata(displaced.chunkStream, { $tb: displaced.chunks });
    } catch (error) {
      this.options.logger.warn({ err: String(error) }, 'old read-model snapshots not trimmed');
    }
  }
}
