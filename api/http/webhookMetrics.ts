import { Counter, Gauge, type Registry } from 'prom-client';
import type { Webhooks } from '../webhookComposition';

/** Endpoints by status, each failing endpoint by id, and delivery attempts by outcome. */
export function registerWebhookMetrics(registry: Registry, webhooks: Webhooks): void {
  const registers = [registry];
  new Gauge({
    name: 'keyledger_webhook_endpoints',
    help: 'Webhook endpoints by status (failing: retries ran out, skipped until re-enabled)',
    labelNames: ['status'],
    registers,
    collect() {
      const all = webhooks.registry.list();
      const failing = all.filter((e) => e.webhook.status === 'failing').length;
      this.set({ status: 'enabled' }, all.length - failing);
      this.set({ status: 'failing' }, failing);
    },
  });
  new Gauge({
    name: 'keyledger_webhook_failing',
    help: '1 for each webhook endpoint marked failing, by id',
    labelNames: ['webhook_id'],
    registers,
    collect() {
      this.reset();
      for (const e of webhooks.registry.list())
        if (e.webhook.status === 'failing') this.set({ webhook_id: e.webhook.id }, 1);
    },
  });
  new Counter({
    name: 'keyledger_webhook_delivery_attempts_total',
    help: 'Webhook delivery attempts by this instance, by outcome (delivered: 2xx)',
    labelNames: ['outcome'],
    registers,
    collect() {
      const attempts = webhooks.dispatcher?.attempts ?? { delivered: 0, failed: 0 };
      this.reset();
      this.inc({ outcome: 'delivered' }, attempts.delivered);
      this.inc({ outcome: 'failed' }, attempts.failed);
    },
  });
}
