import { InvalidCommandError } from '../validation';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from './events';

export const WEBHOOK_URL_MAX_LENGTH = 2048;
export const WEBHOOK_DESCRIPTION_MAX_LENGTH = 256;
const KNOWN: ReadonlySet<string> = new Set(WEBHOOK_EVENT_TYPES);

export const WEBHOOK_EVENTS_MESSAGE = `events must be a non-empty subset of [${WEBHOOK_EVENT_TYPES.join(', ')}]`;

/** An absolute http(s) URL without credentials; returned in its normalized form. */
export function normalizeWebhookUrl(raw: unknown): string {
  if (typeof raw !== 'string' || !raw.trim()) throw new InvalidCommandError('url is required');
  if (raw.length > WEBHOOK_URL_MAX_LENGTH)
    throw new InvalidCommandError(`url must be at most ${WEBHOOK_URL_MAX_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new InvalidCommandError('url must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidCommandError('url must be an absolute http(s) URL');
  if (url.username || url.password) throw new InvalidCommandError('url must not contain credentials');
  url.hash = '';
  return url.toString();
}

/** Absent means every event type; duplicates are dropped, order follows WEBHOOK_EVENT_TYPES. */
export function normalizeWebhookEvents(raw: unknown): WebhookEventType[] {
  if (raw === undefined || raw === null) return [...WEBHOOK_EVENT_TYPES];
  if (!Array.isArray(raw) || raw.length === 0 || !raw.every((e) => typeof e === 'string' && KNOWN.has(e)))
    throw new InvalidCommandError(WEBHOOK_EVENTS_MESSAGE);
  return WEBHOOK_EVENT_TYPES.filter((t) => raw.includes(t));
}

export function normalizeWebhookDescription(raw: unknown): string | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'string') throw new InvalidCommandError('description must be a string');
  const description = raw.trim();
  if (description.length > WEBHOOK_DESCRIPTION_MAX_LENGTH)
    throw new InvalidCommandError(`description must be at most ${WEBHOOK_DESCRIPTION_MAX_LENGTH} characters`);
  return description || null;
}
