import type { WebhookEventType } from './events';

export interface RegisterWebhook {
  type: 'RegisterWebhook';
  data: { id: string; url: string; events?: unknown; description?: unknown; sealedSecret: string };
}

export interface DeleteWebhook {
  type: 'DeleteWebhook';
  data: { id: string };
}

export interface MarkWebhookFailing {
  type: 'MarkWebhookFailing';
  data: { id: string; reason: string };
}

export interface ReenableWebhook {
  type: 'ReenableWebhook';
  data: { id: string };
}

export type WebhookCommand = RegisterWebhook | DeleteWebhook | MarkWebhookFailing | ReenableWebhook;

export interface WebhookDecideContext {
  now: Date;
}

export type WebhookState =
  | { status: 'absent' }
  | {
      status: 'enabled' | 'failing' | 'deleted';
      id: string;
      url: string;
      events: WebhookEventType[];
      description: string | null;
      sealedSecret: string;
      /** Epoch milliseconds. */
      registeredAt: number;
      failingSince: number | null;
      failingReason: string | null;
    };

export type RegisteredWebhook = Exclude<WebhookState, { status: 'absent' }>;
