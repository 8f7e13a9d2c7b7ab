import { Webhook } from 'standardwebhooks';
import { v7 as uuidv7 } from 'uuid';
import type { RegisteredWebhook, WebhookDelivered } from '../../domain/webhooks';
import type { EventStore, Subscription } from '../eventStore/port';
import type { DeliveryLog } from './deliveryLog';
import { buildMessage, DELIVERED_STREAM_PREFIXES, webhookTypeOf, type WebhookMessage } from './messages';
import { postWebhook } from './sender';
import { deliveredCodec, deliveryStreamName } from './webhookCodec';

export interface DeliverySettings {
  timeoutMs: number;
  allowPrivate: boolean;
  /** First retry delay; doubled per attempt up to retryMaxMs, with jitter. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long one event is retried before the endpoint is marked failing. */
  retryWindowMs: number;
}

export interface WorkerDeps {
  store: EventStore;
  settings: DeliverySettings;
  log: DeliveryLog;
  logger: { warn(obj: object, msg: string): void };
  /** Records that the endpoint gave up (WebhookFailing); the registry then stops this worker. */
  markFailing(id: string, reason: string): Promise<void>;
  onAttempt(outcome: 'delivered' | 'failed'): void;
}

const MAX_RESUBSCRIBE_MS = 5_000;

/** Exponential backoff with equal jitter: half the delay fixed, half random. */
export function retryDelay(failures: number, settings: Pick<DeliverySettings, 'retryBaseMs' | 'retryMaxMs'>): number {
  const delay = Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** Math.min(failures - 1, 40));
  return delay / 2 + Math.random() * (delay / 2);
}

/**
 * One endpoint's subscription to the log: its own checkpoint (the `webhookdelivery-<id>`
 * stream), its own loop, one event at a time in log order, so a slow endpoint holds up
 * nothing but itself. At least once: progress is recorded after the endpoint answered 2xx.
 */
export class EndpointWorker {
  private stopped = false;
  private subscription: Subscription | undefined;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly abort = new AbortController();
  private readonly signer: Webhook;

  constructor(
    private readonly webhook: RegisteredWebhook,
    secret: string,
    /** Deliveries start after this position when the endpoint has no progress yet (its registration). */
    private readonly startAfter: bigint,
    private readonly deps: WorkerDeps,
  ) {
    this.signer = new Webhook(secret);
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    this.abort.abort();
    await this.subscription?.close();
    await this.loop;
  }

  private async run(): Promise<void> {
    let backoff = 100;
    let position: bigint | undefined;
    while (!this.stopped) {
      try {
        position ??= await this.loadProgress();
        this.subscription = this.deps.store.subscribeToAll({
          after: position,
          streamPrefixes: DELIVERED_STREAM_PREFIXES,
        });
        for await (const recorded of this.subscription) {
          if (this.stopped) return;
          const type = webhookTypeOf(recorded);
          if (type && this.webhook.events.includes(type)) {
            const message = await buildMessage(this.deps.store, this.webhook.id, recorded, type);
            if (message) {
              if (!(await this.deliver(message))) return;
              await this.recordProgress(message);
            }
          }
          position = recorded.position;
          backoff = 100;
        }
      } catch (error) {
        if (this.stopped) return;
        this.deps.logger.warn(
          { webhookId: this.webhook.id, err: error instanceof Error ? error.message : String(error) },
          'webhook delivery loop interrupted; resuming',
        );
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_RESUBSCRIBE_MS);
      }
    }
  }

  /** The furthest position recorded as delivered (several instances may have appended). */
  private async loadProgress(): Promise<bigint> {
    let position = this.startAfter;
    for (const recorded of await this.deps.store.readStream(deliveryStreamName(this.webhook.id))) {
      const event = deliveredCodec.fromRecorded(recorded);
      if (event && BigInt(event.data.position) > position) position = BigInt(event.data.position);
    }
    return position;
  }

  private async recordProgress(message: WebhookMessage): Promise<void> {
    const at = new Date().toISOString();
    const event: WebhookDelivered = {
      type: 'WebhookDelivered',
      data: { id: this.webhook.id, position: message.position.toString(), messageId: message.id, deliveredAt: at },
    };
    const metadata = {
      actor: 'webhook-delivery',
      requestId: message.id,
      correlationId: message.id,
      causationId: message.id,
      at,
    };
    await this.deps.store.appendToStream(
      deliveryStreamName(this.webhook.id),
      [{ id: uuidv7(), ...deliveredCodec.toStored(event), metadata }],
      'any',
    );
  }

  /** True once the endpoint answered 2xx; false when stopped or when it was marked failing. */
  private async deliver(message: WebhookMessage): Promise<boolean> {
    const { settings } = this.deps;
    const firstAttempt = Date.now();
    for (let attempt = 1; !this.stopped; attempt++) {
      const now = new Date();
      const headers = {
        'webhook-id': message.id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': this.signer.sign(message.id, now, message.body),
      };
      const result = await postWebhook(this.webhook.url, headers, message.body, {
        ...settings,
        signal: this.abort.signal,
      });
      const ok = result.statusCode !== undefined && result.statusCode >= 200 && result.statusCode < 300;
      // Delivered even though stopping: still recorded, so it is not sent again.
      if (this.stopped && !ok) return false;
      const giveUp = !ok && Date.now() - firstAttempt >= settings.retryWindowMs;
      const delay =
        ok || giveUp ? 0 : Math.min(retryDelay(attempt, settings), firstAttempt + settings.retryWindowMs - Date.now());
      this.deps.onAttempt(ok ? 'delivered' : 'failed');
      this.deps.log.record(this.webhook.id, {
        event: message.type,
        webhookId: message.id,
        position: message.position,
        attempt,
        attemptedAt: now.getTime(),
        statusCode: result.statusCode ?? null,
        durationMs: result.durationMs,
        error: ok ? null : (result.error ?? `HTTP ${result.statusCode}`),
        nextRetryAt: ok || giveUp ? null : Date.now() + Math.max(0, delay),
      });
      if (ok) return true;
      if (giveUp) {
        const reason = `event at position ${message.position} undelivered after ${attempt} attempts: ${result.error ?? `HTTP ${result.statusCode}`}`;
        await this.deps.markFailing(this.webhook.id, reason);
        return false;
      }
      await this.sleep(Math.max(0, delay));
    }
    return false;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
