import type { FastifyReply, FastifyRequest } from 'fastify';
import { ruleRoles, satisfies, type RoleRule } from '../../domain';
import type { KeyView, KeyVerifier } from '../../projections/readModel/authReadModel';
import { challenge, presentedKey, UNAUTHORIZED } from '../plugin/credentials';
import { HttpError } from './httpErrors';
import type { PresentationLimiter } from './rateLimit';

export { challenge, presentedKey, UNAUTHORIZED };

declare module 'fastify' {
  interface FastifyRequest {
    /** The key that authenticated this request, set by requireRoles (declared in buildApp). */
    principal: KeyView | null;
  }
  interface FastifyInstance {
    /** Failed key presentations, shared with /api/apikey/verify (see buildApp). */
    authFailures?: PresentationLimiter;
  }
}

export function tooManyFailures(retryAfterSeconds: number, what: string): HttpError {
  return new HttpError(429, `too many failed ${what}; retry later`, { 'retry-after': String(retryAfterSeconds) });
}

/**
 * A hook (onRequest or preHandler) that lets through only a valid key whose roles satisfy `rule`. The key is checked
 * first: a valid key always passes, and only a failing one can be answered 429 once its client
 * has failed too often.
 */
export function requireRoles(verifier: KeyVerifier, rule: RoleRule) {
  // Callback style: no promise per request on the admin routes.
  return (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void => {
    const key = presentedKey(request);
    if (!key) return done(new HttpError(401, 'authentication required', challenge()));
    const result = verifier.verify(key);
    const unauthorized = UNAUTHORIZED[result.code];
    if (unauthorized || !result.view) {
      const retryAfter = request.server.authFailures?.failed(request.ip) ?? 0;
      if (retryAfter > 0) return done(tooManyFailures(retryAfter, 'authentications'));
      return done(new HttpError(401, unauthorized ?? 'invalid API key', challenge('invalid_token')));
    }
    if (!satisfies(result.view.roles, rule))
      return done(new HttpError(403, `${ruleRoles(rule).join(', ')} role required`, challenge('insufficient_scope')));
    request.principal = result.view;
    done();
  };
}
