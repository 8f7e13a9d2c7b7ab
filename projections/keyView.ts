import type { KeyStatus, Role } from '../domain';

/** One key as the read model holds it: what authentication and listings need, no secret. */
export interface KeyView {
  alias: string;
  name: string;
  roles: Role[];
  active: boolean;
  /** Epoch milliseconds. */
  expire: number;
  createdAt: number;
  updatedAt: number;
  keyHash: string;
  keyPrefix: string;
  /** Stream revision of the last event applied to this key. */
  revision: number;
  lastUsedAt?: number;
}

export function viewStatus(view: KeyView, nowMs: number): KeyStatus {
  if (!view.active) return 'revoked';
  return view.expire <= nowMs ? 'expired' : 'active';
}
