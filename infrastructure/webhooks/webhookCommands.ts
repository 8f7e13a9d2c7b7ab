import { randomBytes, randomUUID } from 'node:crypto';
import type { RegisteredWebhook, WebhookCommand, WebhookEvent, WebhookState } from '../../domain/webhooks';
import { InvalidCommandError } from '../../domain';
import { decideWebhook, normalizeWebhookUrl, webhookDecider } from '../../domain/webhooks';
import { assertPublicUrl } from './addressGuard';
import { CommandHandler } from '../commands/commandHandler';
import type { CommandOrigin } from '../commands/keyCommands';
import type { EventMetadata, EventStore } from '../eventStore/port';
import type { KeySealer } from '../keys/keyCrypto';
import { webhookCodec, webhookStreamName } from './webhookCodec';

export interface WebhookOutcome {
  webhook: RegisteredWebhook;
  /** Undefined when the command changed nothing. */
  position?: bigint;
}

/** Bound as associated data: a sealed secret moved to another webhook's event does not open. */
const sealContext = (id: string) => `webhook:${id}`;

/** Commands over webhook endpoints; each endpoint is one stream, `webhook-<id>`. */
export class WebhookService {
  private readonly handler: CommandHandler<WebhookState, WebhookEvent>;
  private readonly clock: () => Date;

  constructor(
    store: EventStore,
    private readonly sealer: KeySealer,
    /** Resolves once the webhook registry holds the position (read-your-writes). */
    private readonly waitForPosition: (position: bigint) => Promise<void>,
    private readonly allowPrivate: boolean,
    clock?: () => Date,
  ) {
    this.handler = new CommandHandler(store, webhookDecider, webhookCodec);
    this.clock = clock ?? (() => new Date());
  }

  /** The new endpoint and its signing secret, `whsec_<base64>`: shown to the caller once, stored sealed. */
  async register(
    input: { url: string; events?: unknown; description?: unknown },
    origin: CommandOrigin,
  ): Promise<WebhookOutcome & { secret: string }> {
    if (!this.allowPrivate) {
      const url = normalizeWebhookUrl(input.url);
      try {
        await assertPublicUrl(url);
      } catch {
        throw new InvalidCommandError('url must resolve to a public address (WEBHOOK_ALLOW_PRIVATE is off)');
      }
    }
    const id = randomUUID();
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const outcome = await this.send(
      id,
      { type: 'RegisterWebhook', data: { id, ...input, sealedSecret: this.sealer.seal(secret, sealContext(id)) } },
      origin,
    );
    return { ...outcome, secret };
  }

  delete(id: string, origin: CommandOrigin): Promise<WebhookOutcome> {
    return this.send(id, { type: 'DeleteWebhook', data: { id } }, origin);
  }

  reenable(id: string, origin: CommandOrigin): Promise<WebhookOutcome> {
    return this.send(id, { type: 'ReenableWebhook', data: { id } }, origin);
  }

  markFailing(id: string, reason: string, origin: CommandOrigin): Promise<WebhookOutcome> {
    return this.send(id, { type: 'MarkWebhookFailing', data: { id, reason } }, origin);
  }

  secretOf(webhook: RegisteredWebhook): string {
    return this.sealer.open(webhook.sealedSecret, sealContext(webhook.id));
  }

  private async send(id: string, command: WebhookCommand, origin: CommandOrigin): Promise<WebhookOutcome> {
    const now = this.clock();
    const metadata: EventMetadata = {
      actor: origin.actor,
      requestId: origin.requestId,
      correlationId: origin.correlationId ?? origin.requestId,
      causationId: origin.causationId ?? origin.requestId,
      at: now.toISOString(),
    };
    const result = await this.handler.handle(
      webhookStreamName(id),
      (state) => decideWebhook(command, state, { now }),
      metadata,
    );
    const position = result.appended?.position;
    if (position !== undefined) await this.waitForPosition(position);
    return { webhook: result.newState as RegisteredWebhook, position };
  }
}
