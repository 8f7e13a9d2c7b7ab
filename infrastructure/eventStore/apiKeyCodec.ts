import type { ApiKeyEvent } from '../../domain';
import { storedEventType, upcast } from '../../domain';
import type { StoredEventCodec } from '../commands/commandHandler';

export const apiKeyCodec: StoredEventCodec<ApiKeyEvent> = {
  fromRecorded: (recorded) => upcast(recorded.type, recorded.data),
  toStored: (event) => ({ type: storedEventType(event.type), data: { ...event.data } }),
};

export const KEY_STREAM_PREFIX = 'apikey-';
export const keyStreamName = (alias: string): string => `${KEY_STREAM_PREFIX}${alias}`;
