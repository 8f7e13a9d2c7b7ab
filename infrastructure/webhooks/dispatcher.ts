import type { RegisteredWebhook } from '../../domain/webhooks';
import type { EventStore } from '../eventStore/port';
import { DeliveryLog } from './deliveryLog';
import { EndpointWorker, type DeliverySettings } from './endpointWorker';

/** A live endpoint and the log position of its registration: deliveries start after it. */
export interface WebhookEntry {
  webhook: RegisteredWebhook;
  registeredPosition: bigint;
}

export interface DispatcherDeps {
  store: EventStore;
  settings: DeliverySettings;
  logger: { warn(obj: object, msg: string): void };
  secretOf(entry: WebhookEntry): string;
  markFailing(id: string, reason: string): Promise<void>;
}

/** What a registry tells the dispatcher: every endpoint now, and every change after. */
export interface EndpointSource {
  list(): WebhookEntry[];
  onChange(listener: (id: string, entry: WebhookEntry | undefined) => void): void;
}

/** Runs one delivery worker per enabled endpoint; a failing or deleted endpoint has none. */
export class WebhookDispatcher {
  readonly log = new DeliveryLog();
  readonly attempts = { delivered: 0, failed: 0 };
  private readonly workers = new Map<string, EndpointWorker>();
  private stopped = false;

  constructor(
    source: EndpointSource,
    private readonly deps: DispatcherDeps,
  ) {
    for (const entry of source.list()) this.reconcile(entry.webhook.id, entry);
    source.onChange((id, entry) => this.reconcile(id, entry));
  }

  private reconcile(id: string, entry: WebhookEntry | undefined): void {
    if (this.stopped) return;
    const running = this.workers.get(id);
    const wanted = entry?.webhook.status === 'enabled';
    if (wanted && !running) {
      const worker = new EndpointWorker(entry.webhook, this.deps.secretOf(entry), entry.registeredPosition, {
        ...this.deps,
        log: this.log,
        onAttempt: (outcome) => this.attempts[outcome]++,
      });
      this.workers.set(id, worker);
      worker.start();
    } else if (!wanted && running) {
      this.workers.delete(id);
      // Not awaited: the registry that calls this must go on (a worker may be waiting on it).
      void running.stop();
      if (!entry) this.log.forget(id);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const workers = [...this.workers.values()];
    this.workers.clear();
    await Promise.all(workers.map((w) => w.stop()));
  }
}
