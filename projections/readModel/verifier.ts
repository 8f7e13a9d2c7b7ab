import { statusAt, type Role, type VerificationCode } from '../../domain';
import { hashKey, isMalformedKey } from '../../infrastructure/keys/keyFormat';
import type { AuthReadModel } from './authReadModel';
import type { KeyView } from './keyView';

export type { VerificationCode };

export interface Verification {
  readonly code: VerificationCode;
  /** Present whenever the key was found, valid or not. */
  readonly view?: KeyView;
}

const STATUS_CODE = { active: 'VALID', expired: 'EXPIRED', revoked: 'REVOKED', rotated: 'ROTATED' } as const;

/**
 * The hot path: shape and checksum, SHA-256, one map lookup, status and roles.
 * The lookup is by digest, so no secret is compared directly. Strings of any format are
 * looked up (imported keys have none); only a string carrying the configured prefix must
 * pass the checksum, so a mistyped issued key is refused without a lookup.
 */
export class KeyVerifier {
  constructor(
    private readonly readModel: AuthReadModel,
    private readonly keyPrefix: string,
  ) {}

  /** Every role in `requiredRoles` must be held. */
  verify(key: string, requiredRoles: readonly Role[] = [], nowMs = Date.now()): Verification {
    if (isMalformedKey(key, this.keyPrefix)) return { code: 'MALFORMED' };
    const keyHash = hashKey(key);
    const view = this.readModel.findByHash(keyHash);
    if (!view) return { code: 'NOT_FOUND' };
    const presented = view.previousKey?.keyHash === keyHash ? 'previous' : 'current';
    const code = STATUS_CODE[statusAt(view, nowMs, presented)];
    if (code !== 'VALID') return { code, view };
    if (!requiredRoles.every((role) => view.roles.includes(role))) return { code: 'INSUFFICIENT_ROLE', view };
    view.lastUsedAt = nowMs;
    return { code, view };
  }
}
