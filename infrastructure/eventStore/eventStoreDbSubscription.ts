/**
 * Adapts the client's `$all` subscription (a Node stream) to the port's async-iterable
 * Subscription, with the port's callbacks.
 *
 * Checkpoints and "caught up" are put in the queue as markers, behind the events the client
 * had already decoded when they arrived (its Transform may still hold some, under
 * backpressure), so a callback runs only after every event before it was handed out.
 * "Caught up": the server's caught_up message (current KurrentDB sends it on filtered `$all`
 * subscriptions), or, for servers that do not, the first event or checkpoint at or past the
 * head of the log read when the subscription was confirmed (the server sends a checkpoint
 * when its catch-up reaches the end of the log).
 */
import type { AllStreamResolvedEvent, AllStreamSubscription, Position } from '@eventstore/db-client';
import { EventStoreUnavailableError, type RecordedEvent, type SubscribeOptions, type Subscription } from './port';

const HIGH_WATER_MARK = 256;

type Marker = { checkpoint: bigint } | { caughtUp: true };
type Item = RecordedEvent | Marker;

export interface SubscriptionWiring {
  /** Converts a client event; undefined for events the port does not hand out. */
  toRecorded(resolved: AllStreamResolvedEvent): RecordedEvent | undefined;
  mapError(error: unknown): unknown;
  headOfLog(): Promise<bigint>;
  onClose(): void;
}

export class EventStoreDbSubscription implements Subscription {
  private readonly queue: Item[] = [];
  private readonly deferred: Array<{ remaining: number; marker: Marker }> = [];
  private error: unknown = null;
  private ended = false;
  private closed = false;
  private paused = false;
  private caughtUp = false;
  private caughtUpAt: bigint | undefined;
  private wake: (() => void) | null = null;
  private lastPosition: bigint | undefined;

  constructor(
    private readonly subscription: AllStreamSubscription,
    private readonly options: SubscribeOptions,
    private readonly wiring: SubscriptionWiring,
  ) {
    this.lastPosition = options.after;
    subscription.on('data', (resolved: AllStreamResolvedEvent) => this.onData(resolved));
    subscription.on('confirmation', () => this.onConfirmation());
    subscription.on('caughtUp', () => this.enqueueMarker({ caughtUp: true }));
    subscription.on('error', (error: unknown) => this.fail(error));
    const onEnd = () => {
      this.ended = true;
      this.notify();
    };
    subscription.on('end', onEnd);
    subscription.on('close', onEnd);
  }

  /** For the client's filter: called while the client decodes the checkpoint. */
  readonly checkpointReached = (_subscription: unknown, position: Position): void => {
    this.enqueueMarker({ checkpoint: position.commit });
  };

  private onConfirmation(): void {
    if (this.closed) return;
    this.options.onConfirmed?.();
    this.wiring.headOfLog().then(
      (head) => {
        this.caughtUpAt = head;
        if (head === 0n || (this.lastPosition !== undefined && this.lastPosition >= head)) {
          this.enqueueMarker({ caughtUp: true });
        }
      },
      () => undefined, // the server's caught_up or a later subscription will tell
    );
  }

  private onData(resolved: AllStreamResolvedEvent): void {
    if (this.closed) return;
    let event: RecordedEvent | undefined;
    try {
      event = this.wiring.toRecorded(resolved);
    } catch (error) {
      this.fail(error);
      return;
    }
    // ESDB subscriptions are exclusive of the start position; guard against duplicates anyway.
    if (event && (this.lastPosition === undefined || event.position > this.lastPosition)) {
      this.lastPosition = event.position;
      this.queue.push(event);
    }
    this.releaseDeferred();
    if (this.queue.length >= HIGH_WATER_MARK && !this.paused) {
      this.paused = true;
      this.subscription.pause();
    }
    this.notify();
  }

  /** Queues a marker behind the events the client already decoded but has not emitted yet. */
  private enqueueMarker(marker: Marker): void {
    if (this.closed) return;
    const remaining = this.subscription.readableLength;
    if (remaining === 0 && this.deferred.length === 0) {
      this.queue.push(marker);
      this.notify();
    } else {
      this.deferred.push({ remaining, marker });
    }
  }

  private releaseDeferred(): void {
    for (const d of this.deferred) d.remaining--;
    while (this.deferred.length > 0 && this.deferred[0]!.remaining <= 0) this.queue.push(this.deferred.shift()!.marker);
  }

  private handleMarker(marker: Marker): void {
    if ('checkpoint' in marker) {
      this.options.onCheckpoint?.(marker.checkpoint);
      if (this.caughtUpAt !== undefined && marker.checkpoint >= this.caughtUpAt) this.markCaughtUp();
    } else {
      this.markCaughtUp();
    }
  }

  private markCaughtUp(): void {
    if (this.caughtUp) return;
    this.caughtUp = true;
    this.options.onCaughtUp?.();
  }

  private fail(error: unknown): void {
    if (this.closed || this.error) return;
    this.error = this.wiring.mapError(error);
    this.notify();
    void this.subscription.unsubscribe().catch(() => undefined);
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    try {
      for (;;) {
        if (this.closed) return;
        const next = this.queue.shift();
        if (next) {
          if (this.paused && this.queue.length < HIGH_WATER_MARK / 2) {
            this.paused = false;
            this.subscription.resume();
          }
          if ('checkpoint' in next || 'caughtUp' in next) {
            this.handleMarker(next);
            continue;
          }
          if (this.caughtUpAt !== undefined && next.position >= this.caughtUpAt) {
            yield next;
            this.markCaughtUp();
            continue;
          }
          yield next;
          continue;
        }
        if (this.error) throw this.error;
        if (this.ended) {
          // An endless feed that ended without being closed: the connection went away.
          throw new EventStoreUnavailableError(new Error('subscription ended by the server'));
        }
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      // A consumer that breaks out of `for await` closes the subscription.
      if (!this.closed) await this.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.notify();
    this.wiring.onClose();
    try {
      await this.subscription.unsubscribe();
    } catch {
      // already gone
    }
  }
}
