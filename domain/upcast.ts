import type { ApiKeyEvent, ApiKeyEventType } from './events';
import { API_KEY_EVENT_TYPES } from './events';

/** Current schema version of each event type; the stored type is `<Type>.v<version>`. */
export const EVENT_SCHEMA_VERSION: Record<ApiKeyEventType, number> = {
  ApiKeyCreated: 1,
  ApiKeyRenewed: 1,
  ApiKeyRevoked: 1,
};

export function storedEventType(type: ApiKeyEventType): string {
  return `${type}.v${EVENT_SCHEMA_VERSION[type]}`;
}

export function parseStoredEventType(stored: string): { type: ApiKeyEventType; version: number } | undefined {
  const dot = stored.lastIndexOf('.v');
  if (dot < 0) return undefined;
  const type = stored.slice(0, dot) as ApiKeyEventType;
  const version = Number(stored.slice(dot + 2));
  if (!API_KEY_EVENT_TYPES.includes(type) || !Number.isInteger(version)) return undefined;
  return { type, version };
}

/**
 * Turns a stored event into the current domain shape. Older versions are mapped here,
 * one step per version, so decide/evolve only ever see the current shape.
 * Returns undefined for events that are not API-key events.
 */
export function upcast(storedType: string, data: Record<string, unknown>): ApiKeyEvent | undefined {
  const parsed = parseStoredEventType(storedType);
  if (!parsed || parsed.version !== EVENT_SCHEMA_VERSION[parsed.type]) return undefined;
  return { type: parsed.type, data } as ApiKeyEvent;
}
