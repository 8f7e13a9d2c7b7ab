import type { FastifyRequest } from 'fastify';
import type { Role } from '../../domain';
import type { KeyView } from '../../projections/readModel/keyView';
import type { KeyVerifier } from '../../projections/readModel/verifier';
import { challenge, presentedKey, UNAUTHORIZED } from '../plugin/credentials';
import { HttpError } from './httpErrors';
import type { FailureLimiter } from './rateLimit';

export { challenge, presentedKey, UNAUTHORIZED };

declare module 'fastify' {
  interface FastifyRequest {
    /** The key that authenticated this request, set by requireRoles. */
    principal?: KeyView;
  }
  interface FastifyInstance {
    /** Failed key presentations per client address, shared with /api/apikey/verify (see buildApp). */
    authFailures?: FailureLimiter;
  }
}

/**
 * A preHandler that lets through only a valid key holding every one of `roles`.
 * A client that presented too many failing keys gets 429 before any lookup.
 */
export function requireRoles(verifier: KeyVerifier, roles: readonly Role[]) {
  return async (request: FastifyRequest): Promise<void> => {
    const key = presentedKey(request);
    if (!key) throw new HttpError(401, 'authentication required', challenge());
    const limiter = request.server.authFailures;
    const retryAfter = limiter?.retryAfterSeconds(request.ip) ?? 0;
    if (retryAfter > 0)
      throw new HttpError(429, 'too many failed authentications; retry later', { 'retry-after': String(retryAfter) });
    const result = verifier.verify(key, roles);
    const unauthorized = UNAUTHORIZED[result.code];
    if (unauthorized) {
      limiter?.recordFailure(request.ip);
      throw new HttpError(401, unauthorized, challenge('invalid_token'));
    }
    if (result.code === 'INSUFFICIENT_ROLE')
      throw new HttpError(403, `${roles.join(', ')} role required`, challenge('insufficient_scope'));
    request.principal = result.view;
  };
}
