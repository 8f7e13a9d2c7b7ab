import type { Role } from './roles';

export interface CreateOrRenewKey {
  type: 'CreateOrRenewKey';
  data: { alias: string; name: string; roles: Role[] };
}

/** Revokes the key of the alias's stream; `keyHash` is the digest of the key the caller presented. */
export interface RevokeKey {
  type: 'RevokeKey';
  data: { alias: string; keyHash: string };
}

export type ApiKeyCommand = CreateOrRenewKey | RevokeKey;

/** A freshly generated key as the domain sees it: never the plaintext. */
export interface IssuedKey {
  keyHash: string;
  keyPrefix: string;
  sealedKey: string;
}

/** What decide needs from the outside world, passed in so that decide stays pure. */
export interface DecideContext {
  now: Date;
  ttlMs: number;
  issueKey: () => IssuedKey;
}
