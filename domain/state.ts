import type { KeyMeta } from './validation';
import type { ApiKeyEvent } from './events';
import type { Role } from './roles';

/** The key a rotation replaced, kept so that it can answer until (and after) its grace ends. */
export interface PreviousKey {
  keyHash: string;
  keyPrefix: string | null;
  /** Epoch milliseconds: the string stops working at this instant (the rotation's instant when no grace). */
  validUntil: number;
}

export interface KeyState {
  status: 'active' | 'revoked';
  alias: string;
  name: string;
  roles: Role[];
  keyHash: string;
  /** Null for a key imported by its digest only. */
  keyPrefix: string | null;
  /** Null when the plaintext was never known (imported by digest). */
  sealedKey: string | null;
  /** Epoch milliseconds. */
  expire: number;
  createdAt: number;
  updatedAt: number;
  owner: string | null;
  meta: KeyMeta | null;
  previousKey: PreviousKey | null;
}

export type ApiKeyState = { status: 'absent' } | KeyState;

export const initialState = (): ApiKeyState => ({ status: 'absent' });

export type KeyStatus = 'active' | 'expired' | 'revoked';
/** Status of a presented string: a rotated-out string past its grace is `rotated`. */
export type PresentedKeyStatus = KeyStatus | 'rotated';

type StatusFields = Pick<KeyState, 'status' | 'expire'> & { previousKey?: PreviousKey | null };

/**
 * Status at an instant: an active key past its expiry is expired. With `presented: 'previous'`,
 * the status of the string the last rotation replaced: revoked with the key, working while
 * its grace lasts (never past the new key's expiry), `rotated` afterwards.
 */
export function statusAt(state: StatusFields, nowMs: number): KeyStatus;
export function statusAt(state: StatusFields, nowMs: number, presented: 'current' | 'previous'): PresentedKeyStatus;
export function statusAt(
  state: StatusFields,
  nowMs: number,
  presented: 'current' | 'previous' = 'current',
): PresentedKeyStatus {
  if (state.status === 'revoked') return 'revoked';
  if (presented === 'previous' && !(state.previousKey && nowMs < state.previousKey.validUntil)) return 'rotated';
  return state.expire <= nowMs ? 'expired' : 'active';
}

type FirstEventData = Pick<
  KeyState,
  'alias' | 'name' | 'roles' | 'keyHash' | 'keyPrefix' | 'sealedKey' | 'owner' | 'meta'
> & { expire: string };

/** The state of a key that starts to exist at `at` (epoch ms): created, or imported. */
function firstState(d: FirstEventData, status: KeyState['status'], at: number): KeyState {
  return {
    status,
    alias: d.alias,
    name: d.name,
    roles: d.roles,
    keyHash: d.keyHash,
    keyPrefix: d.keyPrefix,
    sealedKey: d.sealedKey,
    expire: Date.parse(d.expire),
    createdAt: at,
    updatedAt: at,
    owner: d.owner,
    meta: d.meta,
    previousKey: null,
  };
}

export function evolve(state: ApiKeyState, event: ApiKeyEvent): ApiKeyState {
  switch (event.type) {
    case 'ApiKeyCreated':
      return firstState(event.data, 'active', Date.parse(event.data.createdAt));
    case 'ApiKeyImported':
      return firstState(event.data, event.data.active ? 'active' : 'revoked', Date.parse(event.data.importedAt));
    case 'ApiKeyRenewed': {
      if (state.status === 'absent') return state;
      const d = event.data;
      return {
        ...state,
        status: 'active',
        name: d.name,
        roles: d.roles,
        expire: Date.parse(d.expire),
        updatedAt: Date.parse(d.renewedAt),
        owner: d.owner,
        meta: d.meta,
      };
    }
    case 'ApiKeyRotated': {
      if (state.status === 'absent') return state;
      const d = event.data;
      const rotatedAt = Date.parse(d.rotatedAt);
      return {
        ...state,
        keyHash: d.keyHash,
        keyPrefix: d.keyPrefix,
        sealedKey: d.sealedKey,
        expire: Date.parse(d.expire),
        updatedAt: rotatedAt,
        owner: d.owner,
        meta: d.meta,
        previousKey: {
          keyHash: state.keyHash,
          keyPrefix: state.keyPrefix,
          validUntil: d.previousKeyValidUntil === null ? rotatedAt : Date.parse(d.previousKeyValidUntil),
        },
      };
    }
    case 'ApiKeyLeakReported':
      // The revocation, if any, is its own event.
      return state;
    case 'ApiKeyRevoked': {
      if (state.status === 'absent') return state;
      const revokedAt = Date.parse(event.data.revokedAt);
      // Both strings stop at once, and a later reactivation does not bring the old one back.
      const previousKey = state.previousKey && {
        ...state.previousKey,
        validUntil: Math.min(state.previousKey.validUntil, revokedAt),
      };
      return { ...state, status: 'revoked', updatedAt: revokedAt, previousKey };
    }
  }
}

export function foldEvents(events: Iterable<ApiKeyEvent>, state: ApiKeyState = initialState()): ApiKeyState {
  let s = state;
  for (const e of events) s = evolve(s, e);
  return s;
}
