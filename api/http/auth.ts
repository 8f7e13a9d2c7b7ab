import type { FastifyReply, FastifyRequest } from 'fastify';
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
};

export function challenge(error?: string): Record<string, string> {
  return { 'www-authenticate': `Bearer realm="keyledger"${error ? `, error="${error}"` : ''}` };
}

/**
 * A hook that lets through only a valid key holding every one of `roles` (`rule` 'allOf', the
 * admin routes) or at least one of them ('anyOf'). A client that presented too many failing keys
 * gets 429 before any lookup.
 */
export function requireRoles(verifier: KeyVerifier, roles: readonly Role[], rule: 'allOf' | 'anyOf' = 'allOf') {
  const required = rule === 'allOf' ? roles : [];
  const denied = rule === 'allOf' ? `${roles.join(', ')} role required` : `one of ${roles.join(', ')} role required`;
  // Callback style: no promise per request on the admin routes.
  return (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void => {
    const key = presentedKey(request);
    if (!key) return done(new HttpError(401, 'authentication required', challenge()));
    const limiter = request.server.authFailures;
    const retryAfter = limiter?.retryAfterSeconds(request.ip) ?? 0;
    if (retryAfter > 0)
      return done(
        new HttpError(429, 'too many failed authentications; retry later', { 'retry-after': String(retryAfter) }),
      );
    const result = verifier.verify(key, required);
    const unauthorized = UNAUTHORIZED[result.code];
    if (unauthorized) {
      limiter?.recordFailure(request.ip);
      return done(new HttpError(401, unauthorized, challenge('invalid_token')));
    }
    const held = result.view?.roles ?? [];
    if (result.code === 'INSUFFICIENT_ROLE' || (rule === 'anyOf' && !roles.some((role) => held.includes(role))))
      return done(new HttpError(403, denied, challenge('insufficient_scope')));
    request.principal = result.view;
    done();
  };
}
