import type { FastifyPluginAsync, FastifyPluginOptions, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { challenge, presentedKey, UNAUTHORIZED } from './credentials';
import { VerifierUnavailableError } from './remoteVerifier';
import type { Role, VerifyAnswer } from './verifyAnswer';

/** The key that authenticated a request, as `request.keyPrincipal`. */
export interface KeyPrincipal {
  alias: string;
  name: string;
  roles: Role[];
  /** ISO-8601 UTC. */
  expire: string;
}

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

/** How a mode checks a presented key: in-process, or by asking the service (`close`: on the app's close). */
export type KeyCheck = ((key: string, request: FastifyRequest) => Promise<VerifyAnswer>) & {
  close?: () => Promise<void>;
};

function deny(reply: FastifyReply, status: number, error: string, headers: Record<string, string> = {}) {
  return reply.code(status).headers(headers).send({ error });
}

/** The Fastify plugin around one way of checking keys; `checkFor` reads the registration options. */
export function authPlugin<Options extends FastifyPluginOptions>(checkFor: (options: Options) => KeyCheck) {
  const plugin: FastifyPluginAsync<Options> = async (app, options) => {
    const check = checkFor(options);
    if (check.close) app.addHook('onClose', () => check.close!());
    app.decorateRequest('keyPrincipal', null);
    app.decorate('requireAuth', ({ roles = [] }: RequireAuthOptions = {}): AuthHook => {
      return async (request, reply) => {
        const key = presentedKey(request);
        if (!key) return deny(reply, 401, 'authentication required', challenge());
        let answer: VerifyAnswer;
        try {
          answer = await check(key, request);
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
  return fp<Options>(plugin, { fastify: '5.x', name: 'keyledger-auth' });
}
