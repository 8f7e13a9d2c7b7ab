import { z } from 'zod';
import { WEBHOOK_EVENTS_MESSAGE, WEBHOOK_EVENT_TYPES } from '../../domain/webhooks';
import type { WebhookEntry } from '../../infrastructure/webhooks/dispatcher';
import type { DeliveryRecord } from '../../infrastructure/webhooks/deliveryLog';

const isoTime = z.string().meta({ description: 'ISO-8601 UTC', example: '2026-12-01T12:00:00.000Z' });
const eventType = z.enum(WEBHOOK_EVENT_TYPES);

export const webhookBody = z.object({
  url: z
    .string({ error: (issue) => (issue.input === undefined ? 'url is required' : 'url must be a string') })
    .meta({ description: 'http(s) URL receiving the signed POSTs', example: 'https://siem.example.com/hooks' }),
  events: z
    .array(z.string(), { error: WEBHOOK_EVENTS_MESSAGE })
    .optional()
    .meta({ description: `Subset of ${WEBHOOK_EVENT_TYPES.join(', ')}; default all` }),
  description: z.string({ error: 'description must be a string' }).optional(),
});

export const webhookParams = z.object({ id: z.string().min(1).max(64) });

export const webhookView = z
  .object({
    id: z.string().meta({ example: '0193a1f2-7c4e-7d2a-9b1e-3f5c6d7e8f90' }),
    url: z.string().meta({ example: 'https://siem.example.com/hooks' }),
    events: z.array(eventType),
    description: z.string().nullable().meta({ example: 'SIEM feed' }),
    status: z.enum(['enabled', 'failing']).meta({ description: 'failing: retries ran out; re-enable to resume' }),
    failing_since: isoTime.nullable(),
    failing_reason: z.string().nullable().meta({ example: null }),
    created_at: isoTime,
  })
  .meta({ id: 'Webhook' });

export const createdWebhook = webhookView
  .extend({
    secret: z.string().meta({
      description: 'Signing secret, `whsec_<base64>`: shown once, store it now.',
      example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    }),
  })
  .meta({ id: 'CreatedWebhook' });

export const deliveryView = z.object({
  event: eventType,
  webhook_id: z.string().meta({
    description: 'The `webhook-id` header: the same on every attempt of this event',
    example: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
  }),
  position: z.string().meta({ example: '4242' }),
  attempt: z.number().int(),
  attempted_at: isoTime,
  status_code: z.number().int().nullable(),
  duration_ms: z.number(),
  error: z.string().nullable().meta({ example: 'answered 503' }),
  next_retry_at: isoTime.nullable(),
});

const iso = (ms: number) => new Date(ms).toISOString();

export function presentWebhook({ webhook }: WebhookEntry) {
  return {
    id: webhook.id,
    url: webhook.url,
    events: webhook.events,
    description: webhook.description,
    status: webhook.status === 'failing' ? ('failing' as const) : ('enabled' as const),
    failing_since: webhook.failingSince === null ? null : iso(webhook.failingSince),
    failing_reason: webhook.failingReason,
    created_at: iso(webhook.registeredAt),
  };
}

export function presentDelivery(d: DeliveryRecord) {
  return {
    event: d.event,
    webhook_id: d.webhookId,
    position: d.position.toString(),
    attempt: d.attempt,
    attempted_at: iso(d.attemptedAt),
    status_code: d.statusCode,
    duration_ms: d.durationMs,
    error: d.error,
    next_retry_at: d.nextRetryAt === null ? null : iso(d.nextRetryAt),
  };
}
