import type { FastifyRequest } from 'fastify';
import type { Role } from '../../domain';
import type { KeyView } from '../../projections/readModel/keyView';
import type { KeyVerifier, VerificationCode } from '../../projections/readModel/verifier';
import { HttpError } from './httpErrors';
import type { FailureLimiter } from './rateLimit';

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

/** `Authorization: Bearer <key>` first, then `X-API-Key: <key>`. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header.trim()) return header.trim();
  return undefined;
}

export const UNAUTHORIZED: Partial<Record<VerificationCode, string>> = {
  MALFORMED: 'invalid API key',
  NOT_FOUND: 'invalid API key',
  EXPIRED: 'API key expired',
  REVOKED: 'API key revoked',
  ROTATED: 'API key rotated',
};

export function challenge(error?: string): Record<string, string> {
  return { 'www-authenticate': `Bearer realm="keyledger"${error ? `, error="${error}"` : ''}` };
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
