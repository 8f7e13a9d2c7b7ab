import type { KeyExpiringNoticed, WebhookDelivered, WebhookEvent, WebhookEventName } from '../../domain/webhooks';
import { WEBHOOK_EVENT_NAMES } from '../../domain/webhooks';
import type { StoredEventCodec } from '../commands/commandHandler';

export const WEBHOOK_STREAM_PREFIX = 'webhook-';
export const DELIVERY_STREAM_PREFIX = 'webhookdelivery-';
export const EXPIRING_STREAM_PREFIX = 'keyexpiring-';

export const webhookStreamName = (id: string): string => `${WEBHOOK_STREAM_PREFIX}${id}`;
export const deliveryStreamName = (id: string): string => `${DELIVERY_STREAM_PREFIX}${id}`;
export const expiringStreamName = (alias: string): string => `${EXPIRING_STREAM_PREFIX}${alias}`;

const known: ReadonlySet<string> = new Set(WEBHOOK_EVENT_NAMES);

/** Each of these event types is at version 1; a later version is upcast here, never rewritten. */
function baseType(stored: string, names: ReadonlySet<string>): string | undefined {
  const dot = stored.lastIndexOf('.v');
  if (dot < 0 || stored.slice(dot + 2) !== '1') return undefined;
  const type = stored.slice(0, dot);
  return names.has(type) ? type : undefined;
}

export const webhookCodec: StoredEventCodec<WebhookEvent> = {
  fromRecorded(recorded) {
    const type = baseType(recorded.type, known);
    if (!type || typeof recorded.data?.['id'] !== 'string') return undefined;
    return { type: type as WebhookEventName, data: recorded.data } as WebhookEvent;
  },
  toStored: (event) => ({ type: `${event.type}.v1`, data: { ...event.data } }),
};

const deliveredNames: ReadonlySet<string> = new Set(['WebhookDelivered']);
export const deliveredCodec: StoredEventCodec<WebhookDelivered> = {
  fromRecorded(recorded) {
    if (!baseType(recorded.type, deliveredNames) || typeof recorded.data?.['position'] !== 'string') return undefined;
    return { type: 'WebhookDelivered', data: recorded.data } as WebhookDelivered;
  },
  toStored: (event) => ({ type: `${event.type}.v1`, data: { ...event.data } }),
};

const expiringNames: ReadonlySet<string> = new Set(['KeyExpiringNoticed']);
export const expiringCodec: StoredEventCodec<KeyExpiringNoticed> = {
  fromRecorded(recorded) {
    if (!baseType(recorded.type, expiringNames) || typeof recorded.data?.['alias'] !== 'string') return undefined;
    return { type: 'KeyExpiringNoticed', data: recorded.data } as KeyExpiringNoticed;
  },
  toStored: (event) => ({ type: `${event.type}.v1`, data: { ...event.data } }),
};
