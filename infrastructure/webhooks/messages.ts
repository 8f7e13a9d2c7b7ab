import { createHash } from 'node:crypto';
import type { ApiKeyState } from '../../domain';
import { apiKeyDecider } from '../../domain';
import type { WebhookEventType } from '../../domain/webhooks';
import { aliasOfStream, apiKeyCodec, KEY_STREAM_PREFIX, keyStreamName } from '../eventStore/apiKeyCodec';
import type { EventStore, RecordedEvent } from '../eventStore/port';
import { EXPIRING_STREAM_PREFIX } from './webhookCodec';

/** The log events that are webhook events, by stored type without its version. */
const WEBHOOK_TYPE_OF: Record<string, WebhookEventType> = {
  ApiKeyCreated: 'key.created',
  ApiKeyRenewed: 'key.renewed',
  ApiKeyRotated: 'key.rotated',
  ApiKeyRevoked: 'key.revoked',
  ApiKeyLeakReported: 'key.leaked',
  KeyExpiringNoticed: 'key.expiring',
};

/** The streams a delivery worker reads. */
export const DELIVERED_STREAM_PREFIXES = [KEY_STREAM_PREFIX, EXPIRING_STREAM_PREFIX];

export function webhookTypeOf(recorded: RecordedEvent): WebhookEventType | undefined {
  const dot = recorded.type.lastIndexOf('.v');
  return WEBHOOK_TYPE_OF[dot < 0 ? recorded.type : recorded.type.slice(0, dot)];
}

export interface WebhookMessage {
  /** `webhook-id`: the same for every attempt of this event to this endpoint, so a receiver can deduplicate. */
  id: string;
  type: WebhookEventType;
  body: string;
  position: bigint;
}

export function messageId(endpointId: string, eventId: string): string {
  return `msg_${createHash('sha256').update(`${endpointId}:${eventId}`).digest('base64url').slice(0, 27)}`;
}

/** The key as of a log position: its stream's events up to that position, folded with the domain's evolve. */
async function keyStateAt(store: EventStore, alias: string, position: bigint): Promise<ApiKeyState> {
  let state = apiKeyDecider.initialState();
  for (const recorded of await store.readStream(keyStreamName(alias))) {
    if (recorded.position > position) break;
    const event = apiKeyCodec.fromRecorded(recorded);
    if (event) state = apiKeyDecider.evolve(state, event);
  }
  return state;
}

/**
 * The Standard Webhooks body of a log event for one endpoint: the key as it stood at that
 * event, never key material beyond its display prefix. Undefined when the event is not
 * readable as a key event (malformed, or a key that does not exist).
 */
export async function buildMessage(
  store: EventStore,
  endpointId: string,
  recorded: RecordedEvent,
  type: WebhookEventType,
): Promise<WebhookMessage | undefined> {
  const fromKeyStream = recorded.streamName.startsWith(KEY_STREAM_PREFIX);
  if (fromKeyStream && !apiKeyCodec.fromRecorded(recorded)) return undefined;
  const alias = fromKeyStream ? aliasOfStream(recorded.streamName) : recorded.data['alias'];
  if (typeof alias !== 'string') return undefined;
  const state = await keyStateAt(store, alias, recorded.position);
  if (state.status === 'absent') return undefined;
  const data = {
    alias: state.alias,
    name: state.name,
    roles: state.roles,
    owner: state.owner,
    expire: new Date(state.expire).toISOString(),
    key_prefix: state.keyPrefix,
    actor: recorded.metadata.actor,
    request_id: recorded.metadata.requestId,
    position: recorded.position.toString(),
  };
  const timestamp = typeof recorded.metadata.at === 'string' ? recorded.metadata.at : recorded.createdAt.toISOString();
  return {
    id: messageId(endpointId, recorded.id),
    type,
    body: JSON.stringify({ type, timestamp, data }),
    position: recorded.position,
  };
}
