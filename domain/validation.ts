import { ROLES_SUBSET_MESSAGE, isRole, type Role } from './roles';

/** Lengths count Unicode code points of the NFC form, not UTF-16 units. */
export const ALIAS_MAX_LENGTH = 128;
export const NAME_MAX_LENGTH = 256;

// C0/C1 control characters, DEL, and Unicode line/paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/** A UTF-16 surrogate not paired with its other half (u-mode regexes see pairs as one code point). */
const LONE_SURROGATE = /\p{Cs}/u;
/** Invisible format characters: zero-width space/joiners, bidi controls (U+202A-202E, U+2066-2069), BOM, tags. */
const FORMAT_CHARS = /\p{Cf}/u;

export class InvalidCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidCommandError';
  }
}

/** The rules of one user-visible text field (alias, name, owner...). */
export interface TextFieldRule {
  /** The field's name in messages. */
  field: string;
  maxLength: number;
  /** Message for an absent or blank value; default `<field> is required`. */
  requiredMessage?: string;
}

export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * Checks and canonicalizes a text field: a string, well-formed Unicode, trimmed, NFC, not blank,
 * at most maxLength code points, and free of control and invisible format characters, so that
 * one visible spelling is one value in every store and read path. Throws InvalidCommandError.
 */
export function normalizeText(raw: unknown, rule: TextFieldRule): string {
  const { field, maxLength } = rule;
  const required = rule.requiredMessage ?? `${field} is required`;
  if (raw === undefined || raw === null || raw === '') throw new InvalidCommandError(required);
  if (typeof raw !== 'string') throw new InvalidCommandError(`${field} must be a string`);
  if (LONE_SURROGATE.test(raw)) throw new InvalidCommandError(`${field} must be well-formed Unicode`);
  const text = raw.trim().normalize('NFC');
  if (!text) throw new InvalidCommandError(required);
  if (codePointLength(text) > maxLength)
    throw new InvalidCommandError(`${field} must be at most ${maxLength} characters`);
  if (CONTROL_CHARS.test(text)) throw new InvalidCommandError(`${field} must not contain control characters`);
  if (FORMAT_CHARS.test(text))
    throw new InvalidCommandError(`${field} must not contain invisible or bidirectional formatting characters`);
  return text;
}

/** Trims and checks an alias; throws InvalidCommandError with a user-facing message. */
export function normalizeAlias(raw: unknown): string {
  return normalizeText(raw, { field: 'alias', maxLength: ALIAS_MAX_LENGTH });
}

export function normalizeName(raw: unknown): string {
  // "Name is required": the seed's wording.
  return normalizeText(raw, { field: 'name', maxLength: NAME_MAX_LENGTH, requiredMessage: 'Name is required' });
}

/**
 * The spellings under which a looked-up alias may be stored: as given (trimmed), which finds
 * aliases stored before the current rules, then its NFC form, which is how aliases are stored now.
 */
export function aliasLookupSpellings(raw: string): string[] {
  const given = raw.trim();
  const canonical = given.normalize('NFC');
  return canonical === given ? [given] : [given, canonical];
}

export function normalizeRoles(raw: unknown): Role[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw) || !raw.every(isRole)) throw new InvalidCommandError(ROLES_SUBSET_MESSAGE);
  if (new Set(raw).size !== raw.length) throw new InvalidCommandError('roles must not contain duplicates');
  return [...raw];
}

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
