import type { EventStore, RecordedEvent, Subscription } from '../../infrastructure/eventStore/port';
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

/** Told of every event that changed the read model, right after it was applied. */
export type AppliedListener = (event: RecordedEvent) => void;

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
  /** The store confirmed the current subscription. */
  private connected = false;
  /** The current subscription reached the live end of the log once: the model holds the log. */
  private caughtUp = false;
  /** The newest position of the whole log seen by the last check (for readiness answers). */
  private logHead = 0n;
  /** Set when the log turned out to be behind the model: the loop empties the model and replays. */
  private rebuildRequested = false;
  private readonly listeners = new Set<AppliedListener>();

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
          onConfirmed: () => (this.connected = true),
          onCaughtUp: () => (this.caughtUp = true),
        });
        const subscription = this.subscription;
        if (subscription.batches) {
          // A page at a time: applied synchronously, waiters released once per page.
          for await (const batch of subscription.batches()) {
            if (this.rebuildRequested) break;
            const model = this.readModel;
            try {
              for (let i = 0; i < batch.length; i++) if (model.apply(batch[i]!)) this.notify(batch[i]!);
            } finally {
              this.release();
            }
            this.lastError = undefined;
            backoff = 100;
          }
        } else {
          for await (const event of subscription) {
            if (this.rebuildRequested) break;
            if (this.readModel.apply(event)) this.notify(event);
            this.lastError = undefined;
            backoff = 100;
            this.release();
          }
        }
      } catch (error) {
        this.connected = false;
        this.caughtUp = false;
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

  /**
   * Calls `listener` with each event that changes the read model from now on, synchronously after
   * it was applied (so the model already answers with it). Returns the unsubscribe function.
   */
  onApplied(listener: AppliedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(event: RecordedEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error(
          { err: error instanceof Error ? error.message : String(error) },
          'applied-event listener failed',
        );
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

  /** True while the log's newest event is at or past the checkpoint (one small read). */
  private async logHoldsCheckpoint(): Promise<boolean> {
    this.logHead = await this.store.headOfLog();
    return this.logHead >= this.readModel.checkpoint;
  }

  private requestRebuild(): void {
    if (this.rebuildRequested) return;
    this.logger.error(
      { checkpoint: this.readModel.checkpoint.toString() },
      'THE EVENT LOG IS BEHIND THE READ MODEL (restored backup, recreated or replaced store?): rebuilding the read model from the log',
    );
    this.rebuildRequested = true;
    this.caughtUp = false;
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

  status(): { connected: boolean; caughtUp: boolean; checkpoint: bigint; logHead: bigint; lastError?: string } {
    return {
      connected: this.connected,
      caughtUp: this.caughtUp && !this.rebuildRequested,
      checkpoint: this.readModel.checkpoint,
      logHead: this.logHead,
      lastError: this.lastError,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.subscription?.close();
    await this.loop;
    this.connected = false;
    this.caughtUp = false;
  }
}
