import type { KeyMeta } from './keyDetails';
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
