import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import type { Keyledger } from './composition';
import { registerErrorHandling } from './httpErrors';
import { createMetrics, observeRequests } from './metrics';
import { registerOpenApi } from './openapi';
import { FailureLimiter } from './rateLimit';
import { apiKeyRoutes } from './routes/apiKeys';
import { auditRoutes } from './routes/audit';
import { operationsRoutes } from './routes/operations';
import { verifyRoutes } from './routes/verify';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export interface AppOptions {
  ledger: Keyledger;
  logger: Logger;
  trustProxy?: boolean;
}

/** The HTTP app, with no listening socket: tests drive it with inject, main.ts listens. */
export async function buildApp({ ledger, logger, trustProxy = false }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    trustProxy,
    bodyLimit: 64 * 1024,
    // On close: stop accepting, drop idle keep-alive sockets, finish requests in flight.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // A caller's request id is kept when it is sane, so that logs and events can be joined.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });

  const metrics = createMetrics(ledger);
  observeRequests(app, metrics);
  // One failure counter per client for verify and admin authentication alike: both are key-guessing oracles.
  const limiter = new FailureLimiter(ledger.config.VERIFY_RATE_LIMIT_MAX, ledger.config.VERIFY_RATE_LIMIT_WINDOW_MS);
  app.decorate('authFailures', limiter);
  // Before every route plugin, so that all routes reach the OpenAPI document.
  await registerOpenApi(app);

  await app.register(apiKeyRoutes, { ledger });
  await app.register(auditRoutes, { ledger });
  await app.register(verifyRoutes, { ledger, metrics, limiter });
  await app.register(operationsRoutes, { ledger, metrics });
  return app;
}
