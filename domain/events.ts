import type { Role } from './roles';

/**
 * Domain events, in their current shape. What is stored carries a versioned type
 * (e.g. `ApiKeyCreated.v1`); see upcast.ts. A stored version is never changed.
 * No event ever holds a key in plaintext: only its SHA-256 digest, a short display
 * prefix, and a copy sealed with AES-256-GCM so a renewal can hand back the same key.
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
    /** ISO-8601 UTC. */
    expire: string;
    createdAt: string;
  };
}

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
  };
}

export interface ApiKeyRevoked {
  type: 'ApiKeyRevoked';
  data: {
    alias: string;
    revokedAt: string;
  };
}

export type ApiKeyEvent = ApiKeyCreated | ApiKeyRenewed | ApiKeyRevoked;
export type ApiKeyEventType = ApiKeyEvent['type'];
export const API_KEY_EVENT_TYPES: readonly ApiKeyEventType[] = ['ApiKeyCreated', 'ApiKeyRenewed', 'ApiKeyRevoked'];
