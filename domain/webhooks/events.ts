/** What a webhook endpoint can subscribe to; each names a kind of key event. */
export const WEBHOOK_EVENT_TYPES = [
  'key.created',
  'key.renewed',
  'key.rotated',
  'key.revoked',
  'key.expiring',
  'key.leaked',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/**
 * Events of one webhook endpoint's stream (`webhook-<id>`). The signing secret is stored
 * sealed (AES-256-GCM), never in plaintext. Times are ISO-8601 UTC.
 */
export interface WebhookRegistered {
  type: 'WebhookRegistered';
  data: {
    id: string;
    url: string;
    events: WebhookEventType[];
    description: string | null;
    sealedSecret: string;
    registeredAt: string;
  };
}

export interface WebhookDeleted {
  type: 'WebhookDeleted';
  data: { id: string; deletedAt: string };
}

/** Retries of one event ran out: deliveries stop until the endpoint is re-enabled. */
export interface WebhookFailing {
  type: 'WebhookFailing';
  data: { id: string; failingAt: string; reason: string };
}

export interface WebhookReenabled {
  type: 'WebhookReenabled';
  data: { id: string; reenabledAt: string };
}

export type WebhookEvent = WebhookRegistered | WebhookDeleted | WebhookFailing | WebhookReenabled;
export type WebhookEventName = WebhookEvent['type'];
export const WEBHOOK_EVENT_NAMES: readonly WebhookEventName[] = [
  'WebhookRegistered',
  'WebhookDeleted',
  'WebhookFailing',
  'WebhookReenabled',
];

/**
 * Delivery progress of one endpoint (stream `webhookdelivery-<id>`): every log event up to
 * `position` (a decimal string) has been delivered or was not for this endpoint.
 */
export interface WebhookDelivered {
  type: 'WebhookDelivered';
  data: { id: string; position: string; messageId: string; deliveredAt: string };
}

/** `key.expiring` was noticed for this alias and expiry (stream `keyexpiring-<alias>`). */
export interface KeyExpiringNoticed {
  type: 'KeyExpiringNoticed';
  data: { alias: string; expire: string; noticedAt: string };
}
