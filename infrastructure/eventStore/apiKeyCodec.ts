import type { ApiKeyEvent } from '../../domain';
import { parseStoredEventType, storedEventType, upcast } from '../../domain';
import type { StoredEventCodec } from '../commands/commandHandler';
import type { RecordedEvent } from './port';

export const KEY_STREAM_PREFIX = 'apikey-';
export const keyStreamName = (alias: string): string => `${KEY_STREAM_PREFIX}${alias}`;
export const aliasOfStream = (streamName: string): string =>
  streamName.startsWith(KEY_STREAM_PREFIX) ? streamName.slice(KEY_STREAM_PREFIX.length) : streamName;

const isText = (v: unknown) => typeof v === 'string';
const isTime = (v: unknown) => typeof v === 'string' && Number.isFinite(Date.parse(v));
const isTextList = (v: unknown) => Array.isArray(v) && v.every(isText);
const isTextOrNull = (v: unknown) => v === null || isText(v);
const isTimeOrNull = (v: unknown) => v === null || isTime(v);
const isObjectOrNull = (v: unknown) => v === null || (typeof v === 'object' && !Array.isArray(v));
const ownerAndMeta = { owner: isTextOrNull, meta: isObjectOrNull };

/** The fields every reader relies on, per event type; anything else in `data` is not looked at. */
const REQUIRED: Record<string, Record<string, (v: unknown) => boolean>> = {
  ApiKeyCreated: {
    alias: isText,
    name: isText,
    roles: isTextList,
    keyHash: isText,
    keyPrefix: isText,
    expire: isTime,
    ...ownerAndMeta,
  },
  ApiKeyRenewed: { alias: isText, name: isText, roles: isTextList, expire: isTime, renewedAt: isTime, ...ownerAndMeta },
  ApiKeyRotated: {
    alias: isText,
    keyHash: isText,
    keyPrefix: isText,
    expire: isTime,
    rotatedAt: isTime,
    previousKeyValidUntil: isTimeOrNull,
    ...ownerAndMeta,
  },
  ApiKeyImported: {
    alias: isText,
    name: isText,
    roles: isTextList,
    keyHash: isText,
    keyPrefix: isTextOrNull,
    expire: isTime,
    importedAt: isTime,
    ...ownerAndMeta,
  },
  ApiKeyRevoked: { alias: isText, revokedAt: isTime },
  ApiKeyLeakReported: { alias: isText, reportedAt: isTime },
};

function wellFormed(event: ApiKeyEvent): boolean {
  const data = event.data as unknown as Record<string, unknown> | null;
  if (typeof data !== 'object' || data === null) return false;
  const fields = REQUIRED[event.type];
  if (!fields) return true;
  for (const field in fields) if (!fields[field]!(data[field])) return false;
  return true;
}

type MalformedListener = (recorded: RecordedEvent) => void;
let onMalformed: MalformedListener = () => undefined;

/** Who hears of a stored key event that cannot be read (the composition root: a metric and one warning). */
export function listenForMalformedEvents(listener: MalformedListener): void {
  onMalformed = listener;
}

/**
 * The one codec between stored events and domain events. A key event that is malformed
 * (a hand-edited row, a bug of another writer) is skipped as if it were not a key event,
 * and reported, so that one bad row never makes a reader fail forever.
 */
export const apiKeyCodec: StoredEventCodec<ApiKeyEvent> = {
  fromRecorded(recorded) {
    const event = upcast(recorded.type, recorded.data);
    if (event && wellFormed(event)) return event;
    if (event || parseStoredEventType(recorded.type)) onMalformed(recorded);
    return undefined;
  },
  toStored: (event) => ({ type: storedEventType(event.type), data: { ...event.data } }),
};
