import type { ApiKeyEvent, ApiKeyEventType } from './events';
import { API_KEY_EVENT_TYPES } from './events';

/** Current schema version of each event type; the stored type is `<Type>.v<version>`. */
export const EVENT_SCHEMA_VERSION: Record<ApiKeyEventType, number> = {
  ApiKeyCreated: 2,
  ApiKeyRenewed: 2,
  ApiKeyRotated: 1,
  ApiKeyImported: 1,
  ApiKeyRevoked: 1,
  ApiKeyLeakReported: 1,
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

type Data = Record<string, unknown>;

/** v1 -> v2 of created and renewed: keys had no owner and no metadata. */
const withoutOwnerOrMeta = (data: Data): Data => ({ ...data, owner: null, meta: null });

/** One step per version: UPCASTERS[type][v] turns version v into version v + 1. */
const UPCASTERS: Partial<Record<ApiKeyEventType, Record<number, (data: Data) => Data>>> = {
  ApiKeyCreated: { 1: withoutOwnerOrMeta },
  ApiKeyRenewed: { 1: withoutOwnerOrMeta },
};

/**
 * Turns a stored event into the current domain shape, so decide/evolve only ever see
 * the current shape. Returns undefined for events that are not API-key events, or of
 * a version newer than this code knows.
 */
export function upcast(storedType: string, data: Data): ApiKeyEvent | undefined {
  const parsed = parseStoredEventType(storedType);
  if (!parsed) return undefined;
  const current = EVENT_SCHEMA_VERSION[parsed.type];
  let version = parsed.version;
  let shaped = data;
  while (version < current) {
    const step = UPCASTERS[parsed.type]?.[version];
    if (!step) return undefined;
    shaped = step(shaped);
    version++;
  }
  if (version !== current) return undefined;
  return { type: parsed.type, data: shaped } as ApiKeyEvent;
}
