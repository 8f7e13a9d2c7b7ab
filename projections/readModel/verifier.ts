import type { Role } from '../../domain';
import { isWellFormedKey, keyDigest } from '../../infrastructure/keys/keyFormat';
import type { AuthReadModel } from './authReadModel';
import type { KeyView } from './keyView';

export type VerificationCode = 'VALID' | 'NOT_FOUND' | 'EXPIRED' | 'REVOKED' | 'INSUFFICIENT_ROLE' | 'MALFORMED';

export interface Verification {
  readonly code: VerificationCode;
  /** Present whenever the key was found, valid or not. */
  readonly view?: KeyView;
}

/** A found key's answer; its view (decoded strings) is built only if someone reads it. */
class FoundKey implements Verification {
  private built: KeyView | undefined;

  constructor(
    readonly code: VerificationCode,
    private readonly model: AuthReadModel,
    private readonly slot: number,
  ) {}

  get view(): KeyView {
    return (this.built ??= this.model.view(this.slot));
  }
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
    if (!model.isActive(slot)) return new FoundKey('REVOKED', model, slot);
    if (model.expireOf(slot) <= nowMs) return new FoundKey('EXPIRED', model, slot);
    if (requiredRoles.length > 0 && !model.hasRoles(slot, model.requiredRoleMask(requiredRoles)))
      return new FoundKey('INSUFFICIENT_ROLE', model, slot);
    model.touchSlot(slot, nowMs);
    return new FoundKey('VALID', model, slot);
  }
}
