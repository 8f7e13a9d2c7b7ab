import { InvalidCommandError, normalizeText } from './validation';

/** A key's free-form metadata: a JSON object, kept as given. */
export type KeyMeta = { [field: string]: unknown };

export const OWNER_MAX_LENGTH = 128;
export const META_MAX_FIELDS = 50;
export const META_MAX_BYTES = 4096;
export const MIN_TTL_SECONDS = 60;

const utf8 = new TextEncoder();

/** An owner follows the alias's rules (trimmed, NFC, 1-128 characters, no control or format characters). */
export function normalizeOwner(raw: unknown): string {
  return normalizeText(raw, { field: 'owner', maxLength: OWNER_MAX_LENGTH });
}

export function normalizeMeta(raw: unknown): KeyMeta {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new InvalidCommandError('meta must be a JSON object');
  if (Object.keys(raw).length > META_MAX_FIELDS)
    throw new InvalidCommandError(`meta must have at most ${META_MAX_FIELDS} top-level keys`);
  let serialized: string;
  try {
    serialized = JSON.stringify(raw);
  } catch {
    throw new InvalidCommandError('meta must be a JSON object');
  }
  if (utf8.encode(serialized).length > META_MAX_BYTES)
    throw new InvalidCommandError(`meta must be at most ${META_MAX_BYTES} bytes serialized`);
  return JSON.parse(serialized) as KeyMeta;
}

/**
 * The value a field takes on a renewal: absent keeps what is stored, null clears it,
 * anything else replaces it (after `normalize`).
 */
export function replaced<T>(given: unknown, stored: T | null, normalize: (raw: unknown) => T): T | null {
  if (given === undefined) return stored;
  if (given === null) return null;
  return normalize(given);
}

/** A key's lifetime in seconds: the default when absent, else within [60, max]. */
export function ttlSecondsOf(raw: unknown, defaultSeconds: number, maxSeconds: number): number {
  if (raw === undefined) return defaultSeconds;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < MIN_TTL_SECONDS || raw > maxSeconds)
    throw new InvalidCommandError(`ttl_seconds must be an integer from ${MIN_TTL_SECONDS} to ${maxSeconds}`);
  return raw;
}

export const MAX_GRACE_SECONDS = 604_800;

/** How long a rotated-out key keeps working: 0 (default) to 7 days. */
export function graceSecondsOf(raw: unknown): number {
  if (raw === undefined) return 0;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0 || raw > MAX_GRACE_SECONDS)
    throw new InvalidCommandError(`grace_seconds must be an integer from 0 to ${MAX_GRACE_SECONDS}`);
  return raw;
}
