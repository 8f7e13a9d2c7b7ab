import { statusAt, type Role } from '../../domain';
import { hashKey, isWellFormedKey } from '../../infrastructure/keys/keyFormat';
import type { AuthReadModel } from './authReadModel';
import type { KeyView } from './keyView';

export type VerificationCode = 'VALID' | 'NOT_FOUND' | 'EXPIRED' | 'REVOKED' | 'INSUFFICIENT_ROLE' | 'MALFORMED';

export interface Verification {
  readonly code: VerificationCode;
  /** Present whenever the key was found, valid or not. */
  readonly view?: KeyView;
}

const STATUS_CODE = { active: 'VALID', expired: 'EXPIRED', revoked: 'REVOKED' } as const;

/**
 * The hot path: shape and checksum, SHA-256, one map lookup, status and roles.
 * The lookup is by digest, so no secret is compared directly.
 */
export class KeyVerifier {
  constructor(
    private readonly readModel: AuthReadModel,
    private readonly keyPrefix: string,
  ) {}

  /** Every role in `requiredRoles` must be held. */
  verify(key: string, requiredRoles: readonly Role[] = [], nowMs = Date.now()): Verification {
    if (!isWellFormedKey(key, this.keyPrefix)) return { code: 'MALFORMED' };
    const view = this.readModel.findByHash(hashKey(key));
    if (!view) return { code: 'NOT_FOUND' };
    const code = STATUS_CODE[statusAt(view, nowMs)];
    if (code !== 'VALID') return { code, view };
    if (!requiredRoles.every((role) => view.roles.includes(role))) return { code: 'INSUFFICIENT_ROLE', view };
    view.lastUsedAt = nowMs;
    return { code, view };
  }
}
