import type { KeyMeta, KeyStatus, Role } from '../../domain';

/**
 * One key as the read model answers it: what authentication and listings need, no secret.
 * A copy taken at the time of the call (the model itself is columnar, see authReadModel.ts);
 * the key hash is the model's index, not a field.
 */
export interface KeyView {
  alias: string;
  name: string;
  /** Shared and frozen: do not mutate. */
  roles: Role[];
  active: boolean;
  /** Epoch milliseconds. */
  expire: number;
  createdAt: number;
  updatedAt: number;
  keyPrefix: string | null;
  owner?: string | null;
  meta?: KeyMeta | null;
  /** Stream revision of the last event applied to this key. */
  revision: number;
  lastUsedAt?: number;
}

export function viewStatus(view: KeyView, nowMs: number): KeyStatus {
  if (!view.active) return 'revoked';
  return view.expire <= nowMs ? 'expired' : 'active';
}
