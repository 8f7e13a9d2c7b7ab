import type { Logger } from 'pino';
import type { Config } from '../infrastructure/config';
import type { EventStore } from '../infrastructure/eventStore/port';
import type { KeySealer } from '../infrastructure/keys/keyCrypto';
import { WebhookDispatcher } from '../infrastructure/webhooks/dispatcher';
import { ExpiringNotifier } from '../infrastructure/webhooks/expiringNotifier';
import { WebhookService } from '../infrastructure/webhooks/webhookCommands';
import type { AuthReadModel } from '../projections/readModel/authReadModel';
import { WebhookRegistry } from '../projections/webhooks/webhookRegistry';

export interface Webhooks {
  service: WebhookService;
  registry: WebhookRegistry;
  /** Undefined in a process that does not deliver (the CLI). */
  dispatcher?: WebhookDispatcher;
  notifier?: ExpiringNotifier;
  stop(): Promise<void>;
}

const SYSTEM_ORIGIN = { actor: 'keyledger', requestId: 'webhook-delivery' };

/** The webhook endpoints' registry and commands and, when `deliver`, their delivery workers. */
export function openWebhooks(args: {
  store: EventStore;
  config: Config;
  sealer: KeySealer;
  readModel: AuthReadModel;
  logger: Logger;
  deliver: boolean;
  clock?: () => Date;
}): Webhooks {
  const { store, config, sealer, logger } = args;
  const registry = new WebhookRegistry(store, logger);
  const service = new WebhookService(
    store,
    sealer,
    (position) => registry.waitForPosition(position, config.READ_YOUR_WRITES_TIMEOUT_MS),
    config.WEBHOOK_ALLOW_PRIVATE,
    args.clock,
  );
  let dispatcher: WebhookDispatcher | undefined;
  let notifier: ExpiringNotifier | undefined;
  if (args.deliver) {
    dispatcher = new WebhookDispatcher(registry, {
      store,
      logger,
      settings: {
        timeoutMs: config.WEBHOOK_TIMEOUT_MS,
        allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
        retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
        retryMaxMs: config.WEBHOOK_RETRY_MAX_MS,
        retryWindowMs: config.WEBHOOK_RETRY_WINDOW_SECONDS * 1000,
      },
      secretOf: (entry) => service.secretOf(entry.webhook),
      markFailing: async (id, reason) => {
        logger.warn({ webhookId: id, reason }, 'webhook endpoint marked failing');
        await service.markFailing(id, reason, SYSTEM_ORIGIN);
      },
    });
    notifier = new ExpiringNotifier(store, {
      leadMs: config.WEBHOOK_EXPIRING_LEAD_HOURS * 3_600_000,
      scanIntervalMs: config.WEBHOOK_EXPIRING_SCAN_MS,
      activeKeys: () => args.readModel.list().filter((v) => v.status === 'active'),
      wanted: () =>
        registry.list().some((e) => e.webhook.status === 'enabled' && e.webhook.events.includes('key.expiring')),
      logger,
      clock: args.clock,
    });
    notifier.start();
  }
  registry.start();
  return {
    service,
    registry,
    dispatcher,
    notifier,
    async stop() {
      await notifier?.stop();
      await dispatcher?.stop();
      await registry.stop();
    },
  };
}
