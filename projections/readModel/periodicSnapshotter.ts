import type { AuthReadModel } from './authReadModel';
import type { SnapshotLogger } from './snapshot';

/** Where snapshots go: DATA_DIR (ReadModelSnapshots) or the store itself (StoreSnapshots). */
export interface SnapshotWriter {
  write(model: AuthReadModel): Promise<void>;
}

export interface SnapshotPolicy {
  /** How often to look. */
  intervalMs: number;
  /** Write once this many events changed the model since the last write... */
  minChanges: number;
  /** ...or once a changed model has waited this long. */
  maxAgeMs: number;
  /** Write once more on stop (default true). */
  flushOnStop?: boolean;
}

export const DEFAULT_SNAPSHOT_POLICY: SnapshotPolicy = { intervalMs: 30_000, minChanges: 1_000, maxAgeMs: 600_000 };

/**
 * Writes the snapshot off the request path (an unref'd timer) when the model changed enough
 * to matter, and once more on stop. A failed write is logged and retried at the next tick.
 */
export class PeriodicSnapshotter {
  private timer: NodeJS.Timeout | undefined;
  private writtenAtChanges: number;
  private writtenAt = Date.now();

  constructor(
    private readonly snapshots: SnapshotWriter,
    private readonly model: AuthReadModel,
    private readonly logger: SnapshotLogger,
    private readonly policy: SnapshotPolicy = DEFAULT_SNAPSHOT_POLICY,
  ) {
    this.writtenAtChanges = model.changes;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.policy.intervalMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const changed = this.model.changes - this.writtenAtChanges;
    if (changed >= this.policy.minChanges || (changed !== 0 && Date.now() - this.writtenAt >= this.policy.maxAgeMs))
      await this.flush();
  }

  async flush(): Promise<void> {
    const changes = this.model.changes;
    try {
      await this.snapshots.write(this.model);
      this.writtenAtChanges = changes;
      this.writtenAt = Date.now();
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
    if (this.policy.flushOnStop !== false) await this.flush();
  }
}
