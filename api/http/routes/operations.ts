import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Keyledger } from '../../composition';
import type { Metrics } from '../metrics';

const health = z.object({ status: z.literal('ok') }).meta({ example: { status: 'ok' } });
const notReady = z
  .object({ status: z.literal('not ready'), reasons: z.array(z.string()) })
  .meta({ example: { status: 'not ready', reasons: ['read model behind the store: checkpoint 41, head 42'] } });
const ready = z
  .object({ status: z.literal('ready'), checkpoint: z.string(), head: z.string() })
  .meta({ example: { status: 'ready', checkpoint: '42', head: '42' } });

/** Why the instance should not take traffic; empty when it should. */
export async function notReadyReasons(ledger: Keyledger): Promise<{ reasons: string[]; head?: bigint }> {
  try {
    await ledger.store.ping();
  } catch {
    return { reasons: ['event store unreachable'] };
  }
  const reasons: string[] = [];
  const { connected, lastError } = ledger.projection.status();
  if (!connected) reasons.push(`projection not subscribed${lastError ? `: ${lastError}` : ''}`);
  let head: bigint;
  try {
    head = await ledger.projection.headPosition();
    if (!(await ledger.projection.checkLogNotBehind())) reasons.push('event log behind the read model: rebuilding');
  } catch {
    return { reasons: [...reasons, 'event store unreachable'] };
  }
  const checkpoint = ledger.readModel.checkpoint;
  if (checkpoint < head) reasons.push(`read model behind the store: checkpoint ${checkpoint}, head ${head}`);
  return { reasons, head };
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
        response: { 200: ready, 503: notReady },
      },
    },
    async (_request, reply) => {
      const { reasons, head } = await notReadyReasons(ledger);
      if (reasons.length > 0) return reply.code(503).send({ status: 'not ready' as const, reasons });
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
