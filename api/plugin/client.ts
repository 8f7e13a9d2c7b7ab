/**
 * The remote-only client: what the `@keyledger/fastify` package holds. It imports fastify-plugin and
 * node's own modules, nothing of the server (no store, no SQLite, no gRPC).
 */
import type { FastifyRequest } from 'fastify';
import { authPlugin, type KeyCheck } from './core';
import { RemoteVerifier, type RemoteVerifierOptions } from './remoteVerifier';

export { RemoteVerifier, VerifierUnavailableError, MAX_CACHE_TTL_MS, MAX_FEED_CACHE_TTL_MS } from './remoteVerifier';
export type { RemoteVerifierOptions } from './remoteVerifier';
export type { KeyPrincipal, RequireAuthOptions, AuthHook, KeyCheck } from './core';
export type { VerifyAnswer, VerificationCode, Role } from './verifyAnswer';

export function remoteCheck(options: RemoteVerifierOptions): KeyCheck {
  if (typeof options?.verifyUrl !== 'string') throw new TypeError('keyledgerAuth needs { verifyUrl }');
  new URL(options.verifyUrl); // throws on a bad URL at registration, not on the first request
  const remote = new RemoteVerifier(options);
  // request.ip follows the app's own trustProxy setting; close stops the change feed, if any.
  return Object.assign((key: string, request: FastifyRequest) => remote.verify(key, [], request.ip), {
    close: () => remote.close(),
  });
}

/**
 * Protects a Fastify app's routes with keys checked by a keyledger service:
 *
 *   await app.register(keyledgerAuth, { verifyUrl: 'http://keyledger:3000/api/apikey/verify' });
 *   app.get('/backup', { onRequest: app.requireAuth({ roles: ['admin', 'agent'] }) }, handler);
 */
export const keyledgerAuth = authPlugin<RemoteVerifierOptions>(remoteCheck);
export default keyledgerAuth;
