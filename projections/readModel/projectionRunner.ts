import type { EventStore, Subscription } from '../../infrastructure/eventStore/port';
import { KEY_STREAM_PREFIX } from '../../infrastructure/eventStore/apiKeyCodec';
import type { AuthReadModel } from './authReadModel';

export interface ProjectionLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export class ProjectionTimeoutError extends Error {
  constructor() {
    super('read model did not catch up in time');
    this.name = 'ProjectionTimeoutError';
  }
}

interface Waiter {
  position: bigint;
  resolve(): void;
}

const MAX_BACKOFF_MS = 5_000;

/**
 * Keeps the read model fed from a subscription to the store, in order: a batch at a time
 * when the subscription offers batches (applied synchronously), else one event at a time.
 * A dropped subscription is resumed from the last applied position, with backoff, forever.
 */
export class ProjectionRunner {
  private subscription: Subscription | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private waiters: Waiter[] = [];
  private lastError: string | undefined;
  private connected = false;
  /** Set when the log turned out to be behind the model: the loop empties the model and replays. */
  private rebuildRequested = false;

  constructor(
    private readonly store: EventStore,
    readonly readModel: AuthReadModel,
    private readonly logger: ProjectionLogger,
  ) {}

  start(): void {
    if (!this.loop) this.loop = this.run();
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (!this.stopped) {
      if (this.rebuildRequested) {
        this.rebuildRequested = false;
        this.readModel.reset();
      }
      try {
        // A resubscription is where a restored or replaced store shows up first.
        if (this.readModel.checkpoint > 0n && !(await this.logHoldsCheckpoint())) this.requestRebuild();
        if (this.rebuildRequested || this.stopped) continue;
        this.subscription = this.store.subscribeToAll({
          after: this.readModel.checkpoint === 0n ? undefined : this.readModel.checkpoint,
          streamPrefixes: [KEY_STREAM_PREFIX],
        });
        this.connected = true;
        const subscription = this.subscription;
        if (subscription.batches) {
          // A page at a time: applied synchronously, waiters released once per page.
          for await (const batch of subscription.batches()) {
            if (this.rebuildRequested) break;
            const model = this.readModel;
            try {
              for (let i = 0; i < batch.length; i++) model.apply(batch[i]!);
            } finally {
              this.release();
            }
            this.lastError = undefined;
            backoff = 100;
          }
        } else {
          for await (const event of subscription) {
            if (this.rebuildRequested) break;
            this.readModel.apply(event);
            this.lastError = undefined;
            backoff = 100;
            this.release();
          }
        }
      } catch (error) {
        this.connected = false;
        if (this.stopped) break;
        this.lastError = error instanceof Error ? error.message : String(error);
        this.logger.warn(
          { err: this.lastError, checkpoint: this.readModel.checkpoint.toString(), retryInMs: backoff },
          'projection subscription dropped; resubscribing',
        );
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private release(): void {
    if (this.waiters.length === 0) return;
    const checkpoint = this.readModel.checkpoint;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.position <= checkpoint) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  /** Resolves once the read model has applied the given position; rejects after timeoutMs. */
  waitForPosition(position: bigint, timeoutMs: number): Promise<void> {
    if (position <= this.readModel.checkpoint) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new ProjectionTimeoutError());
      }, timeoutMs);
      const waiter: Waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  /**
   * Whether the log still holds everything the model has applied. A log whose newest event is
   * before the checkpoint was restored from an older backup, recreated, or replaced by another
   * store at the same address: the model would serve keys the log does not hold, so it is
   * emptied and rebuilt from the log (and is not ready until caught up again).
   */
  async checkLogNotBehind(): Promise<boolean> {
    if (await this.logHoldsCheckpoint()) return true;
    this.requestRebuild();
    await this.subscription?.close();
    return false;
  }

  /** True while the log's newest event is at or past the checkpoint. */
  private async logHoldsCheckpoint(): Promise<boolean> {
    const [newest] = await this.store.readAll({ direction: 'backwards', maxCount: 1 });
    return (newest?.position ?? 0n) >= this.readModel.checkpoint;
  }

  private requestRebuild(): void {
    if (this.rebuildRequested) return;
    this.logger.error(
      { checkpoint: this.readModel.checkpoint.toString() },
      'THE EVENT LOG IS BEHIND THE READ MODEL (restored backup, recreated or replaced store?): rebuilding the read model from the log',
    );
    this.rebuildRequested = true;
  }

  /** The position of the newest key event in the store right now. */
  async headPosition(): Promise<bigint> {
    const [last] = await this.store.readAll({
      direction: 'backwards',
      maxCount: 1,
      streamPrefixes: [KEY_STREAM_PREFIX],
    });
    return last?.position ?? 0n;
  }

  /** Waits until everything in the store at the time of the call is applied. */
  async catchUp(timeoutMs: number): Promise<void> {
    await this.waitForPosition(await this.headPosition(), timeoutMs);
  }

  status(): { connected: boolean; checkpoint: bigint; lastError: string | undefined } {
    return { connected: this.connected, checkpoint: this.readModel.checkpoint, lastError: this.lastError };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.subscription?.close();
    await this.loop;
  }
}
