import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Keyledger } from '../../composition';
import type { Metrics } from '../metrics';

const health = z.object({ status: z.literal('ok') }).meta({ example: { status: 'ok' } });
/** Why an instance is not ready, as codes: the details (error texts, positions) go to the log only. */
export const NOT_READY_REASONS = [
  'store_unreachable',
  'projection_not_subscribed',
  'log_behind_read_model',
  'read_model_behind',
] as const;
type NotReadyReason = (typeof NOT_READY_REASONS)[number];

const notReady = z
  .object({ status: z.literal('not ready'), reasons: z.array(z.enum(NOT_READY_REASONS)) })
  .meta({ example: { status: 'not ready', reasons: ['read_model_behind'] } });
const ready = z
  .object({ status: z.literal('ready'), checkpoint: z.string(), head: z.string() })
  .meta({ example: { status: 'ready', checkpoint: '42', head: '42' } });

/** An error with its causes, for the log. */
const describeError = (error: unknown): string =>
  error instanceof Error
    ? [error.message, ...(error.cause === undefined ? [] : [describeError(error.cause)])].join(': ')
    : String(error);

interface Readiness {
  reasons: NotReadyReason[];
  /** For the log: what went wrong, with internal details. */
  details: Record<string, unknown>;
  head?: bigint;
}

/** Why the instance should not take traffic; no reasons when it should. */
export async function notReadyReasons(ledger: Keyledger): Promise<Readiness> {
  try {
    await ledger.store.ping();
  } catch (error) {
    return { reasons: ['store_unreachable'], details: { store: describeError(error) } };
  }
  const reasons: NotReadyReason[] = [];
  const details: Record<string, unknown> = {};
  const { connected, lastError } = ledger.projection.status();
  if (!connected) {
    reasons.push('projection_not_subscribed');
    details['projection'] = lastError;
  }
  // O(1): one small read of the log's head; the rest is what the subscription reported.
  try {
    if (!(await ledger.projection.checkLogNotBehind())) {
      reasons.push('log_behind_read_model');
      details['log'] = 'event log behind the read model: rebuilding';
    }
  } catch (error) {
    return { reasons: [...reasons, 'store_unreachable'], details: { ...details, store: describeError(error) } };
  }
  const status = ledger.projection.status();
  if (!status.caughtUp && !reasons.includes('log_behind_read_model')) {
    reasons.push('read_model_behind');
    details['readModel'] = { checkpoint: status.checkpoint.toString(), logHead: status.logHead.toString() };
  }
  const head = status.logHead;
  return { reasons, details, head };
}

/** Liveness, readiness and Prometheus metrics; unauthenticated, as probes and scrapers expect. */
export const operationsRoutes: FastifyPluginAsyncZod<{ ledger: Keyledger; metrics: Metrics }> = async (
  app,
  { ledger, metrics },
) => {
  app.get(
    '/healthz',
    {
      schema: { tags: ['operations'], summary: 'Liveness: the process answers', response: { 200: health } },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: store reachable and read model caught up with it',
        description: `Not ready: 503 with reason codes (${NOT_READY_REASONS.join(', ')}); details are in the log.`,
        response: { 200: ready, 503: notReady },
      },
    },
    async (request, reply) => {
      const { reasons, details, head } = await notReadyReasons(ledger);
      if (reasons.length > 0) {
        request.log.warn({ reasons, details }, 'not ready');
        return reply.code(503).send({ status: 'not ready' as const, reasons });
      }
      return { status: 'ready' as const, checkpoint: ledger.readModel.checkpoint.toString(), head: String(head) };
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics',
        produces: ['text/plain'],
        response: {
          200: z
            .string()
            .meta({ description: 'Prometheus text exposition format', example: 'keyledger_read_model_keys 3' }),
        },
      },
    },
    async (_request, reply) => {
      const body = await metrics.registry.metrics();
      return reply.header('content-type', metrics.registry.contentType).send(body);
    },
  );
};
