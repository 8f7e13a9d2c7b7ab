import type { Role } from '../domain';
import { hashKey, isWellFormedKey } from '../infrastructure/keyFormat';
import type { AuthReadModel } from './authReadModel';
import type { KeyView } from './keyView';

export type VerificationCode = 'VALID' | 'NOT_FOUND' | 'EXPIRED' | 'REVOKED' | 'INSUFFICIENT_ROLE' | 'MALFORMED';

export interface Verification {
  code: VerificationCode;
  /** Present whenever the key was found, valid or not. */
  view?: KeyView;
}

/**
 * The hot path: shape and checksum, SHA-256, one map lookup, expiry and roles.
 * The lookup is by digest, so no secret is compared directly; a digest match in a
 * hash map is what a constant-time compare of digests would decide, without a scan.
 */
export class KeyVerifier {
  constructor(
    private readonly readModel: AuthReadModel,
    private readonly keyPrefix: string,
  ) {}

  verify(key: string, requiredRoles: readonly Role[] = [], nowMs = Date.now()): Verification {
    if (!isWellFormedKey(key, this.keyPrefix)) return { code: 'MALFORMED' };
    const view = this.readModel.findByHash(hashKey(key));
    if (!view) return { code: 'NOT_FOUND' };
    if (!view.active) return { code: 'REVOKED', view };
    if (view.expire <= nowMs) return { code: 'EXPIRED', view };
    for (const role of requiredRoles) if (!view.roles.includes(role)) return { code: 'INSUFFICIENT_ROLE', view };
    this.readModel.touch(view, nowMs);
    return { code: 'VALID', view };
  }
}
