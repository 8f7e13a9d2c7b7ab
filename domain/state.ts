import type { Role } from './roles';

export type ApiKeyState =
  | { status: 'absent' }
  | {
      status: 'active' | 'revoked';
      alias: string;
      name: string;
      roles: Role[];
      keyHash: string;
      keyPrefix: string;
      sealedKey: string;
      /** Epoch milliseconds. */
      expire: number;
      createdAt: number;
      updatedAt: number;
    };

export const initialState = (): ApiKeyState => ({ status: 'absent' });

export type KeyStatus = 'active' | 'expired' | 'revoked';

/** Status as seen at an instant: an active key past its expiry is expired. */
export function statusAt(state: { status: 'active' | 'revoked'; expire: number }, nowMs: number): KeyStatus {
  if (state.status === 'revoked') return 'revoked';
  return state.expire <= nowMs ? 'expired' : 'active';
}
