import type { FastifyRequest } from 'fastify';
import { ruleRoles, satisfies, type RoleRule } from '../../domain';
import type { KeyView } from '../../projections/readModel/keyView';
import type { KeyVerifier, VerificationCode } from '../../projections/readModel/verifier';
import { HttpError } from './httpErrors';
import type { PresentationLimiter } from './rateLimit';

declare module 'fastify' {
  interface FastifyRequest {
    /** The key that authenticated this request, set by requireRoles. */
    principal?: KeyView;
  }
  interface FastifyInstance {
    /** Failed key presentations, shared with /api/apikey/verify (see buildApp). */
    authFailures?: PresentationLimiter;
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

export function tooManyFailures(retryAfterSeconds: number, what: string): HttpError {
  return new HttpError(429, `too many failed ${what}; retry later`, { 'retry-after': String(retryAfterSeconds) });
}

/**
 * A preHandler that lets through only a valid key whose roles satisfy `rule`. The key is checked
 * first: a valid key always passes, and only a failing one can be answered 429 once its client
 * has failed too often.
 */
export function requireRoles(verifier: KeyVerifier, rule: RoleRule) {
  return async (request: FastifyRequest): Promise<void> => {
    const key = presentedKey(request);
    if (!key) throw new HttpError(401, 'authentication required', challenge());
    const result = verifier.verify(key);
    const unauthorized = UNAUTHORIZED[result.code];
    if (unauthorized || !result.view) {
      const retryAfter = request.server.authFailures?.failed(request.ip) ?? 0;
      if (retryAfter > 0) throw tooManyFailures(retryAfter, 'authentications');
      throw new HttpError(401, unauthorized ?? 'invalid API key', challenge('invalid_token'));
    }
    if (!satisfies(result.view.roles, rule))
      throw new HttpError(403, `${ruleRoles(rule).join(', ')} role required`, challenge('insufficient_scope'));
    request.principal = result.view;
  };
}
