import type { Role } from '../domain';
import { isWellFormedKey, keyDigest } from '../infrastructure/keyFormat';
import type { AuthReadModel } from './authReadModel';
import type { KeyView } from './keyView';

export type VerificationCode = 'VALID' | 'NOT_FOUND' | 'EXPIRED' | 'REVOKED' | 'INSUFFICIENT_ROLE' | 'MALFORMED';

export interface Verification {
  code: VerificationCode;
  /** Present whenever the key was found, valid or not. */
  view?: KeyView;
}

/**
 * The hot path: shape and checksum, SHA-256, one index probe, expiry and roles.
 * The lookup is by digest, so no secret is compared directly; a digest match in a
 * hash index is what a constant-time compare of digests would decide, without a scan.
 * The raw digest is probed (no base64 text, no string hashing), roles are a bitmask.
 */
export class KeyVerifier {
  constructor(
    private readonly readModel: AuthReadModel,
    private readonly keyPrefix: string,
  ) {}

  verify(key: string, requiredRoles: readonly Role[] = [], nowMs = Date.now()): Verification {
    if (!isWellFormedKey(key, this.keyPrefix)) return { code: 'MALFORMED' };
    const model = this.readModel;
    const slot = model.slotOfDigest(keyDigest(key));
    if (slot < 0) return { code: 'NOT_FOUND' };
    if (!model.isActive(slot)) return { code: 'REVOKED', view: model.view(slot) };
    if (model.expireOf(slot) <= nowMs) return { code: 'EXPIRED', view: model.view(slot) };
    if (requiredRoles.length > 0 && !model.hasRoles(slot, model.requiredRoleMask(requiredRoles)))
      return { code: 'INSUFFICIENT_ROLE', view: model.view(slot) };
    model.touchSlot(slot, nowMs);
    return { code: 'VALID', view: model.view(slot) };
  }
}
