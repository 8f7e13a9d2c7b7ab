import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Role } from '../../domain';
import { AuthReadModel } from '../../projections/readModel/authReadModel';
import { KeyVerifier } from '../../projections/readModel/verifier';
import { challenge, presentedKey, UNAUTHORIZED } from '../http/auth';
import {
  RemoteVerifier,
  VerifierUnavailableError,
  type RemoteVerifierOptions,
  type VerifyAnswer,
} from './remoteVerifier';
import { presentVerification } from '../http/presenters';

export { RemoteVerifier, VerifierUnavailableError, MAX_CACHE_TTL_MS, MAX_FEED_CACHE_TTL_MS } from './remoteVerifier';
export type { VerifyAnswer, RemoteVerifierOptions } from './remoteVerifier';

/** The key that authenticated a request, as `request.keyPrincipal`. */
export interface KeyPrincipal {
  alias: string;
  name: string;
  roles: Role[];
  /** ISO-8601 UTC. */
  expire: string;
}

/**
 * Local: a KeyVerifier, or a read model (fed by the caller's own projection) and the key prefix.
 * Remote: the URL of a keyledger's POST /api/apikey/verify, answers cached a few seconds at most,
 * or a minute and more with `changesKey` (a subscription to the change feed evicts them on change).
 */
export type KeyledgerAuthOptions =
  { verifier: KeyVerifier } | { readModel: AuthReadModel; keyPrefix?: string } | RemoteVerifierOptions;

export interface RequireAuthOptions {
  /** At least one of these roles is required, as in the seed's require_auth(roles=[...]); none = any valid key. */
  roles?: readonly Role[];
}

export type AuthHook = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;

declare module 'fastify' {
  interface FastifyInstance {
    /** A hook (onRequest or preHandler): 401 without a valid key, 403 without the roles. */
    requireAuth(options?: RequireAuthOptions): AuthHook;
  }
  interface FastifyRequest {
    keyPrincipal: KeyPrincipal | null;
  }
}

type Check = (key: string) => Promise<VerifyAnswer>;

function localCheck(verifier: KeyVerifier): Check {
  return async (key) => {
    return presentVerification(verifier.verify(key));
  };
}

function checkFor(options: KeyledgerAuthOptions, app: FastifyInstance): Check {
  if ('verifier' in options) return localCheck(options.verifier);
  if ('readModel' in options) return localCheck(new KeyVerifier(options.readModel, options.keyPrefix ?? 'ak'));
  if ('verifyUrl' in options && typeof options.verifyUrl === 'string') {
    new URL(options.verifyUrl); // throws on a bad URL at registration, not on the first request
    const remote = new RemoteVerifier(options);
    app.addHook('onClose', () => remote.close()); // stops its change feed, if any
    return (key) => remote.verify(key, []);
  }
  throw new TypeError('keyledgerAuth needs { verifier }, { readModel } or { verifyUrl }');
}

function deny(reply: FastifyReply, status: number, error: string, headers: Record<string, string> = {}) {
  return reply.code(status).headers(headers).send({ error });
}

const plugin: FastifyPluginAsync<KeyledgerAuthOptions> = async (app, options) => {
  const check = checkFor(options, app);
  app.decorateRequest('keyPrincipal', null);
  app.decorate('requireAuth', ({ roles = [] }: RequireAuthOptions = {}): AuthHook => {
    return async (request, reply) => {
      const key = presentedKey(request);
      if (!key) return deny(reply, 401, 'authentication required', challenge());
      let answer: VerifyAnswer;
      try {
        answer = await check(key);
      } catch (error) {
        // Fail closed: no answer, no access.
        if (!(error instanceof VerifierUnavailableError)) throw error;
        request.log.warn({ err: error }, 'key verification unavailable; refusing');
        if (error.retryAfter) return deny(reply, 429, 'too many requests', { 'retry-after': error.retryAfter });
        return deny(reply, 503, 'authentication unavailable', { 'retry-after': '1' });
      }
      const unauthorized = UNAUTHORIZED[answer.code];
      if (unauthorized) return deny(reply, 401, unauthorized, challenge('invalid_token'));
      if (!answer.valid || !answer.alias || !answer.name || !answer.roles || !answer.expire)
        return deny(reply, 503, 'authentication unavailable');
      const held = answer.roles;
      if (roles.length > 0 && !roles.some((r) => held.includes(r)))
        return deny(reply, 403, `one of ${roles.join(', ')} role required`, challenge('insufficient_scope'));
      request.keyPrincipal = { alias: answer.alias, name: answer.name, roles: answer.roles, expire: answer.expire };
      return undefined;
    };
  });
};

/**
 * Protects another Fastify app's routes with keyledger keys:
 *
 *   await app.register(keyledgerAuth, { verifyUrl: 'http://keyledger:3000/api/apikey/verify' });
 *   app.get('/backup', { onRequest: app.requireAuth({ roles: ['admin', 'agent'] }) }, handler);
 */
export const keyledgerAuth = fp(plugin, { fastify: '5.x', name: 'keyledger-auth' });
export default keyledgerAuth;
