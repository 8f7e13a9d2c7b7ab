import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import type { Keyledger } from '../composition';
import { fastifyTrustProxy, type TrustProxy } from '../../infrastructure/trustProxy';
import { answerFrameworkError, registerErrorHandling } from './httpErrors';
import { lazyChildLoggerFactory } from './logger';
import { createMetrics, observeRequests } from './metrics';
import { serializerCompiler } from './responseSerializer';
import { registerOpenApi } from './openapi';
import { PresentationLimiter } from './rateLimit';
import { apiKeyRoutes } from './routes/apiKeys';
import { auditRoutes } from './routes/audit';
import { changeFeedRoutes } from './routes/changes';
import { operationsRoutes } from './routes/operations';
import { consoleRoutes } from '../console/routes';
import { verifyRoutes } from './routes/verify';
import { webhookRoutes } from './routes/webhooks';
import { leakReportRoutes } from './routes/leakReports';
import { revokeLeakedRoutes } from './routes/revokeLeaked';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
/**
 * Generated request ids: this process's random prefix and a counter, unique across restarts and
 * instances with the prefix's 48 random bits; a third of randomUUID's ~0.3 us (bench/RESULTS.md).
 */
const ID_PREFIX = randomUUID().slice(-12);
let requestCount = 0;
/** A key's shape (`<prefix>_<base62>`), or a long run of letters and digits mixing both cases (a key's body). */
const KEY_SHAPED = /_[0-9A-Za-z]{16,}|(?=[0-9A-Za-z]*[a-z])(?=[0-9A-Za-z]*[A-Z])[0-9A-Za-z]{20,}/;

/**
 * A caller's request id is kept when it is sane, so that logs and events can be joined; one that
 * could be a key (a client mistaking a header) is replaced, so it is never echoed, logged or stored.
 */
export function requestIdOf(given: unknown): string {
  return typeof given === 'string' && REQUEST_ID.test(given) && !KEY_SHAPED.test(given)
    ? given
    : `${ID_PREFIX}-${(++requestCount).toString(36)}`;
}

/** 128 code points, percent-encoded at up to 12 characters each, NFD spellings and padding included. */
const MAX_PARAM_LENGTH = 4096;
const VERIFY_URL = '/api/apikey/verify';

export interface AppOptions {
  ledger: Keyledger;
  logger: Logger;
  trustProxy?: TrustProxy;
}

/** The path of the verify route, with or without a query string. */
function isVerifyPath(url: string): boolean {
  return url.length === VERIFY_URL.length || url.charCodeAt(VERIFY_URL.length) === 63; // '?'
}

/**
 * Reads (GET, HEAD) and verifications change nothing: their request lines are written at level
 * debug only, and one "request completed" line at info when they fail (status >= 400). The two
 * lines cost ~13 us of a ~27 us admin GET (bench/RESULTS.md). Commands keep both lines at info.
 */
function isQuietRequest(req: { method?: string; url?: string }): boolean {
  const { method, url } = req;
  if (method === 'GET' || method === 'HEAD') return true;
  return method === 'POST' && url !== undefined && url.startsWith(VERIFY_URL) && isVerifyPath(url);
}

/** The HTTP app, with no listening socket: tests drive it with inject, main.ts listens. */
export async function buildApp({ ledger, logger, trustProxy = false }: AppOptions): Promise<FastifyInstance> {
  const logQuietRequests = logger.isLevelEnabled('debug');
  const config = ledger.config;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Lazy per-request loggers: measured 3-5 us of CPU saved per verify request at level info (bench/RESULTS.md).
    childLoggerFactory: lazyChildLoggerFactory as never,
    logController: new LogController({
      disableRequestLogging: (req: { method?: string; url?: string }) => !logQuietRequests && isQuietRequest(req),
    }),
    // zod validates every request and fast-json-stringify writes every answer (responseSerializer.ts):
    // Fastify's default compilers (ajv) are never used, so they are not even loaded (start-up time).
    schemaController: {
      // (Typed for ajv-style compilers; the zod ones are what setValidatorCompiler takes below.)
      compilersFactory: {
        buildValidator: (() => validatorCompiler) as never,
        buildSerializer: (() => serializerCompiler) as never,
      },
    },
    trustProxy: fastifyTrustProxy(trustProxy),
    bodyLimit: 64 * 1024,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: answerFrameworkError,
    // A connection that sends its headers or its request too slowly is cut (408), not kept forever.
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    http: {
      headersTimeout: Math.min(config.HEADERS_TIMEOUT_MS, config.REQUEST_TIMEOUT_MS),
      connectionsCheckingInterval: Math.min(1_000, config.HEADERS_TIMEOUT_MS),
    },
    // On close: stop accepting, drop idle keep-alive sockets, finish requests in flight.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    genReqId: (req) => requestIdOf(req.headers['x-request-id']),
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  // Declared up front, so that every request object keeps one shape (Fastify's advice for decorators).
  app.decorateRequest('principal', null);
  // Callback style: no promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });

  const metrics = createMetrics(ledger);
  observeRequests(app, metrics, (request, reply) => {
    if (reply.statusCode >= 400 && !logQuietRequests && isQuietRequest(request.raw))
      request.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  });
  // One failure counter for verify and admin authentication alike: both are key-guessing oracles.
  const { VERIFY_RATE_LIMIT_MAX: max, VERIFY_RATE_LIMIT_CALLER_MAX: callerMax } = config;
  const limiter = new PresentationLimiter({
    max,
    callerMax: callerMax ?? max * 10,
    windowMs: config.VERIFY_RATE_LIMIT_WINDOW_MS,
  });
  app.decorate('authFailures', limiter);
  // Before every route plugin, so that all routes reach the OpenAPI document.
  await registerOpenApi(app);

  await app.register(apiKeyRoutes, { ledger });
  await app.register(auditRoutes, { ledger });
  await app.register(verifyRoutes, { ledger, metrics, limiter });
  await app.register(changeFeedRoutes, { ledger });
  await app.register(operationsRoutes, { ledger, metrics });
  await app.register(consoleRoutes);
  await app.register(webhookRoutes, { ledger, metrics });
  await app.register(leakReportRoutes, { ledger });
  await app.register(revokeLeakedRoutes, { ledger });
  return app;
}
