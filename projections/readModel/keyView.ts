import type { ApiKeyState } from '../../domain';

/** A key's domain state once it exists (created, maybe revoked). */
export type KeyState = Exclude<ApiKeyState, { status: 'absent' }>;

/**
 * One key as the read model holds it: its domain state, folded with `evolve`, the stream
 * revision it was folded to, and its last use. Answers pick their fields from it (see the
 * presenters): the key hash is the model's index and never shown; the sealed copy of the key
 * is not kept here (the read model never needs to open it).
 */
export type KeyView = KeyState & {
  readonly revision: number;
  /** Last successful verification seen by this instance (memory only). */
  lastUsedAt?: number;
};

/**
 * The view of a state that `evolve` just returned: completed in place rather than copied,
 * as evolve returns a fresh object (one allocation less per event on a replay).
 */
export function toView(state: KeyState, revision: number, lastUsedAt?: number): KeyView {
  const view = state as KeyState & { revision: number; lastUsedAt?: number };
  view.sealedKey = '';
  view.revision = revision;
  if (lastUsedAt !== undefined) view.lastUsedAt = lastUsedAt;
  return view;
}

/** Every key hash that names this key: the current one, and the one the last rotation replaced. */
export function keyHashesOf(state: KeyState): string[] {
  return state.previousKey ? [state.keyHash, state.previousKey.keyHash] : [state.keyHash];
}
