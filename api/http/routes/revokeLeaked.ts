import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Keyledger } from '../../composition';
import { HttpError } from '../httpErrors';
import { revokeLeakedBody } from '../leakSchemas';
import { FailureLimiter } from '../rateLimit';
import { errorResponse } from '../schemas';

const ACTOR = 'POST /api/apikey/revoke-leaked';
const accepted = z.object({ message: z.string() }).meta({ example: { message: 'accepted' } });

/**
 * `POST /api/apikey/revoke-leaked`: holding a key is the authority to revoke it (as in GitHub's
 * credential-revocation API), so no admin key; 202 whatever the keys were; per-client rate limit.
 */
export const revokeLeakedRoutes: FastifyPluginAsyncZod<{ ledger: Keyledger }> = async (app, { ledger }) => {
  // Counts every request (the "failure" limiter's window, used as a plain counter).
  const limiter = new FailureLimiter(
    ledger.config.REVOKE_LEAKED_RATE_LIMIT_MAX,
    ledger.config.REVOKE_LEAKED_RATE_LIMIT_WINDOW_MS,
  );

  app.post(
    '/api/apikey/revoke-leaked',
    {
      bodyLimit: 256 * 1024,
      schema: {
        tags: ['leaks'],
        summary: 'Revoke keys found exposed; no admin key needed',
        description:
          'Answers 202 whatever the keys were, never saying which exist; each key of ours that works is revoked, with an ApiKeyLeakReported event naming this route as the actor. Rate limited per client address.',
        body: revokeLeakedBody,
        response: { 202: accepted, 400: errorResponse, 429: errorResponse },
      },
      onRequest: async (request) => {
        const retryAfter = limiter.retryAfterSeconds(request.ip);
        if (retryAfter > 0)
          throw new HttpError(429, 'too many requests; retry later', { 'retry-after': String(retryAfter) });
        limiter.recordFailure(request.ip);
      },
    },
    async (request, reply) => {
      await ledger.leaks.revokeLeaked(request.body.credentials, { actor: ACTOR, requestId: request.id });
      return reply.code(202).send({ message: 'accepted' });
    },
  );
};
