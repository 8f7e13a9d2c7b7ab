import type { KeyMeta } from './validation';
import type { Role } from './roles';

/**
 * Domain events, in their current shape. What is stored carries a versioned type
 * (e.g. `ApiKeyCreated.v2`); older versions are upcast (see upcast.ts), never changed.
 * No event ever holds a key in plaintext: only its SHA-256 digest, a short display
 * prefix, and a copy sealed with AES-256-GCM so a renewal can hand back the same key.
 * Times are ISO-8601 UTC.
 */
export interface ApiKeyCreated {
  type: 'ApiKeyCreated';
  data: {
    alias: string;
    name: string;
    roles: Role[];
    keyHash: string;
    keyPrefix: string;
    sealedKey: string;
    expire: string;
    createdAt: string;
    owner: string | null;
    meta: KeyMeta | null;
  };
}

/** Owner and meta hold the values after the renewal (kept, replaced or cleared). */
export interface ApiKeyRenewed {
  type: 'ApiKeyRenewed';
  data: {
    alias: string;
    name: string;
    roles: Role[];
    expire: string;
    renewedAt: string;
    /** True when the key was revoked and this renewal brought it back. */
    reactivated: boolean;
    owner: string | null;
    meta: KeyMeta | null;
  };
}

/** The alias got a new key; the one it replaced keeps working until previousKeyValidUntil (null: not at all). */
export interface ApiKeyRotated {
  type: 'ApiKeyRotated';
  data: {
    alias: string;
    keyHash: string;
    keyPrefix: string;
    sealedKey: string;
    expire: string;
    rotatedAt: string;
    previousKeyValidUntil: string | null;
    owner: string | null;
    meta: KeyMeta | null;
  };
}

/** A key brought from elsewhere: no prefix or sealed copy when only its digest was given. */
export interface ApiKeyImported {
  type: 'ApiKeyImported';
  data: {
    alias: string;
    name: string;
    roles: Role[];
    keyHash: string;
    keyPrefix: string | null;
    sealedKey: string | null;
    expire: string;
    active: boolean;
    importedAt: string;
    owner: string | null;
    meta: KeyMeta | null;
  };
}

export interface ApiKeyRevoked {
  type: 'ApiKeyRevoked';
  data: {
    alias: string;
    revokedAt: string;
  };
}

/**
 * A key of ours was reported as exposed (a secret-scanning report or a holder's revocation request);
 * the key is revoked by an ApiKeyRevoked appended with it, unless automatic revocation is off.
 */
export interface ApiKeyLeakReported {
  type: 'ApiKeyLeakReported';
  data: {
    alias: string;
    /** Display prefix of the reported string (the current key, or the one a rotation replaced). */
    keyPrefix: string | null;
    /** Where it was found, as the report says; null when it does not say. */
    url: string | null;
    source: string | null;
    reportedAt: string;
  };
}

export type ApiKeyEvent =
  ApiKeyCreated | ApiKeyRenewed | ApiKeyRotated | ApiKeyImported | ApiKeyRevoked | ApiKeyLeakReported;
export type ApiKeyEventType = ApiKeyEvent['type'];
export const API_KEY_EVENT_TYPES: readonly ApiKeyEventType[] = [
  'ApiKeyCreated',
  'ApiKeyRenewed',
  'ApiKeyRotated',
  'ApiKeyImported',
  'ApiKeyRevoked',
  'ApiKeyLeakReported',
];
