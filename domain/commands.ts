import type { KeyMeta } from './validation';
import type { Role } from './roles';

/** A key generated before deciding, as the domain sees it: never the plaintext. */
export interface IssuedKey {
  keyHash: string;
  keyPrefix: string;
  sealedKey: string;
}

/**
 * Optional details of create, renew and rotate. On a renewal or rotation an absent
 * owner or meta keeps the stored value and null clears it; absent ttl means the default.
 */
export interface KeyDetailsInput {
  owner?: string | null;
  meta?: KeyMeta | null;
  ttlSeconds?: number;
}

/** Creates the alias's key with `candidate`, or renews the existing key (the candidate is then unused). */
export interface CreateOrRenewKey {
  type: 'CreateOrRenewKey';
  data: { alias: string; name: string; roles: Role[]; candidate: IssuedKey } & KeyDetailsInput;
}

/** Gives an active alias `newKey`; the key it replaces keeps working for `graceSeconds`. */
export interface RotateKey {
  type: 'RotateKey';
  data: { alias: string; newKey: IssuedKey; graceSeconds?: number } & KeyDetailsInput;
}

/**
 * Revokes the alias's key. With `keyHash` (the digest of the string the caller presented)
 * it must be the alias's current key or its rotated-out key still in grace; without, by alias.
 */
export interface RevokeKey {
  type: 'RevokeKey';
  data: { alias: string; keyHash?: string };
}

/** Brings an existing key along: its digest, and a sealed copy when its plaintext is known. */
export interface ImportKey {
  type: 'ImportKey';
  data: {
    alias: string;
    name: string;
    roles: Role[];
    keyHash: string;
    keyPrefix: string | null;
    sealedKey: string | null;
    /** Epoch milliseconds; absent means the default lifetime from now. */
    expire?: number;
    isActive?: boolean;
    owner?: string | null;
    meta?: KeyMeta | null;
  };
}

/** Records that the string with digest `keyHash` leaked, and revokes the key when `revoke`. */
export interface ReportKeyLeak {
  type: 'ReportKeyLeak';
  data: { alias: string; keyHash: string; url: string | null; source: string | null; revoke: boolean };
}

export type ApiKeyCommand = CreateOrRenewKey | RotateKey | RevokeKey | ImportKey | ReportKeyLeak;

/** What decide needs from the outside world, passed in as data so that decide stays pure. */
export interface DecideContext {
  now: Date;
  /** Lifetime of a key when a command names none (KEY_TTL_SECONDS). */
  defaultTtlSeconds: number;
  /** Longest lifetime a command may ask for (MAX_KEY_TTL_SECONDS). */
  maxTtlSeconds: number;
}
