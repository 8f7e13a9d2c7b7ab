import type { KeyMeta, KeyState, PreviousKey, Role } from '../../domain';

/** A key's domain state once it exists (created, maybe revoked). */
export type { KeyState } from '../../domain';

/**
 * One key as the read model answers it: what authentication and listings need, no secret.
 * Derived from the domain state by `toView`; the key hash is the model's index, not a field.
 */
export interface KeyView {
  readonly alias: string;
  readonly name: string;
  readonly roles: Role[];
  /** As folded from the events; `statusAt` (domain) adds expiry at an instant. */
  readonly status: 'active' | 'revoked';
  /** Epoch milliseconds. */
  readonly expire: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** null for a key imported by its SHA-256 only. */
  readonly keyPrefix: string | null;
  readonly owner: string | null;
  readonly meta: KeyMeta | null;
  /** The key the last rotation replaced: `statusAt(view, now, 'previous')` says whether it still works. */
  readonly previousKey: PreviousKey | null;
  /** Stream revision of the last event applied to this key. */
  readonly revision: number;
  /** Last successful verification seen by this instance (memory only). */
  lastUsedAt?: number;
}

export function toView(state: KeyState, revision: number): KeyView {
  return {
    alias: state.alias,
    name: state.name,
    roles: state.roles,
    status: state.status,
    expire: state.expire,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
    keyPrefix: state.keyPrefix,
    owner: state.owner,
    meta: state.meta,
    previousKey: state.previousKey,
    revision,
  };
}

/** Every key hash that names this key: the current one, and the one the last rotation replaced. */
export function keyHashesOf(state: KeyState): string[] {
  return state.previousKey ? [state.keyHash, state.previousKey.keyHash] : [state.keyHash];
}
