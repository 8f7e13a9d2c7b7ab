/**
 * `keyledger/fastify`: the client plugin with both modes. Remote, as in `@keyledger/fastify`;
 * in-process, from a read model the caller feeds itself (see `keyledger/server`).
 */
import { type AuthReadModel, KeyVerifier } from '../../projections/readModel/authReadModel';
import { remoteCheck } from './client';
import { authPlugin, type KeyCheck } from './core';
import type { RemoteVerifierOptions } from './remoteVerifier';
import { toVerifyAnswer } from './verifyAnswer';

export * from './client';
export { KeyVerifier };
export type { AuthReadModel };

/**
 * Local: a KeyVerifier, or a read model (fed by the caller's own projection) and the key prefix.
 * Remote: the URL of a keyledger's POST /api/apikey/verify, answers cached a few seconds at most.
 */
export type KeyledgerAuthOptions =
  { verifier: KeyVerifier } | { readModel: AuthReadModel; keyPrefix?: string } | RemoteVerifierOptions;

function localCheck(verifier: KeyVerifier): KeyCheck {
  return async (key) => toVerifyAnswer(verifier.verify(key));
}

function checkFor(options: KeyledgerAuthOptions): KeyCheck {
  if (options && 'verifier' in options) return localCheck(options.verifier);
  if (options && 'readModel' in options)
    return localCheck(new KeyVerifier(options.readModel, options.keyPrefix ?? 'ak'));
  if (options && 'verifyUrl' in options) return remoteCheck(options);
  throw new TypeError('keyledgerAuth needs { verifier }, { readModel } or { verifyUrl }');
}

/**
 * Protects another Fastify app's routes with keyledger keys:
 *
 *   await app.register(keyledgerAuth, { verifyUrl: 'http://keyledger:3000/api/apikey/verify' });
 *   await app.register(keyledgerAuth, { readModel, keyPrefix: 'ak' }); // in-process
 *   app.get('/backup', { onRequest: app.requireAuth({ roles: ['admin', 'agent'] }) }, handler);
 */
export const keyledgerAuth = authPlugin<KeyledgerAuthOptions>(checkFor);
export default keyledgerAuth;
