import type { WebhookState } from '../../domain/webhooks';
import type { WebhookEntry } from '../../infrastructure/webhooks/dispatcher';
import { evolveWebhook, initialWebhookState } from '../../domain/webhooks';
import type { EventStore, Subscription } from '../../infrastructure/eventStore/port';
import { webhookCodec, WEBHOOK_STREAM_PREFIX } from '../../infrastructure/webhooks/webhookCodec';
import { ProjectionTimeoutError, type ProjectionLogger } from '../readModel/projectionRunner';

export type { WebhookEntry };

const MAX_BACKOFF_MS = 5_000;

/**
 * The endpoints that exist (deleted ones are dropped), folded with the webhook decider's
 * evolve from a subscription to the `webhook-` streams. Listeners hear of every change.
 */
export class WebhookRegistry {
  private readonly states = new Map<string, WebhookState>();
  private readonly entries = new Map<string, WebhookEntry>();
  private readonly listeners: ((id: string, entry: WebhookEntry | undefined) => void)[] = [];
  private waiters: { position: bigint; resolve(): void }[] = [];
  private checkpoint: bigint | undefined;
  private subscription: Subscription | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly logger: ProjectionLogger,
  ) {}

  list(): WebhookEntry[] {
    return [...this.entries.values()].sort((a, b) => (a.registeredPosition < b.registeredPosition ? -1 : 1));
  }

  get(id: string): WebhookEntry | undefined {
    return this.entries.get(id);
  }

  onChange(listener: (id: string, entry: WebhookEntry | undefined) => void): void {
    this.listeners.push(listener);
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.subscription?.close();
    await this.loop;
  }

  waitForPosition(position: bigint, timeoutMs: number): Promise<void> {
    if (this.checkpoint !== undefined && position <= this.checkpoint) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new ProjectionTimeoutError());
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (!this.stopped) {
      try {
        this.subscription = this.store.subscribeToAll({
          after: this.checkpoint,
          streamPrefixes: [WEBHOOK_STREAM_PREFIX],
        });
        for await (const recorded of this.subscription) {
          const event = webhookCodec.fromRecorded(recorded);
          if (event) this.apply(event.data.id, event, recorded.position);
          this.checkpoint = recorded.position;
          this.release();
          backoff = 100;
        }
      } catch (error) {
        if (this.stopped) break;
        this.logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'webhook registry resubscribing',
        );
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private apply(id: string, event: Parameters<typeof evolveWebhook>[1], position: bigint): void {
    const state = evolveWebhook(this.states.get(id) ?? initialWebhookState(), event);
    this.states.set(id, state);
    let entry: WebhookEntry | undefined;
    if (state.status === 'absent' || state.status === 'deleted') this.entries.delete(id);
    else {
      entry = { webhook: state, registeredPosition: this.entries.get(id)?.registeredPosition ?? position };
      this.entries.set(id, entry);
    }
    for (const listener of this.listeners) listener(id, entry);
  }

  private release(): void {
    const checkpoint = this.checkpoint ?? -1n;
    const still = [];
    for (const w of this.waiters) {
      if (w.position <= checkpoint) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }
}
