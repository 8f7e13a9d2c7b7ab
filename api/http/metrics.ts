import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { KEY_STREAM_PREFIX } from '../../infrastructure/eventStore/apiKeyCodec';
import type { Keyledger } from '../composition';
import { RequestHistogram } from './requestHistogram';

/** Scanning further than this to count unapplied events is not worth a scrape. */
export const LAG_COUNT_CAP = 10_000;

export interface Metrics {
  registry: Registry;
  verifications: Counter<'code'>;
  httpDuration: RequestHistogram;
}

/** One registry per app instance (not prom-client's global one), so several apps can coexist. */
export function createMetrics(ledger: Keyledger): Metrics {
  // The ledger's own metrics (commands handled) with this app's.
  const registry = Registry.merge([new Registry(), ledger.registry]);
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  // Both lag gauges come from one read of the store per scrape.
  let lag: Promise<{ events: number; seconds: number }> | undefined;
  const measureLag = () =>
    (lag ??= ledger.store
      .readAll({ after: ledger.readModel.checkpoint, maxCount: LAG_COUNT_CAP, streamPrefixes: [KEY_STREAM_PREFIX] })
      .then(
        (pending) => ({
          events: pending.length,
          seconds: pending[0] ? Math.max(0, (Date.now() - pending[0].createdAt.getTime()) / 1000) : 0,
        }),
        () => ({ events: Number.NaN, seconds: Number.NaN }),
      )
      .finally(() => {
        lag = undefined;
      }));

  new Gauge({
    name: 'keyledger_projection_lag_events',
    help: `Key events in the store not yet applied to the read model (counted up to ${LAG_COUNT_CAP})`,
    registers,
    async collect() {
      this.set((await measureLag()).events);
    },
  });
  new Gauge({
    name: 'keyledger_projection_lag_seconds',
    help: 'Age of the oldest key event not yet applied to the read model; 0 when caught up',
    registers,
    async collect() {
      this.set((await measureLag()).seconds);
    },
  });
  new Gauge({
    name: 'keyledger_projection_checkpoint',
    help: 'Global position of the last event applied to the read model',
    registers,
    collect() {
      this.set(Number(ledger.readModel.checkpoint));
    },
  });
  new Counter({
    name: 'keyledger_malformed_events_total',
    help: 'Stored key events that could not be read and were skipped',
    registers,
    collect() {
      this.reset();
      this.inc(ledger.malformedEvents());
    },
  });
  new Gauge({
    name: 'keyledger_read_model_keys',
    help: 'Keys (aliases) held by the read model',
    registers,
    collect() {
      this.set(ledger.readModel.size);
    },
  });

  return {
    registry,
    verifications: new Counter({
      name: 'keyledger_verifications_total',
      help: 'Key verifications answered by POST /api/apikey/verify, by code',
      labelNames: ['code'],
      registers,
    }),
    httpDuration: new RequestHistogram(
      'keyledger_http_request_duration_seconds',
      'HTTP request latency, by method, route pattern and status',
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registry,
    ),
  };
}

/**
 * Latency for every request, in one onResponse hook (which also runs `andThen`). (Per-route hooks with
 * labels made once measured no different, within +-3 us of run-to-run noise: bench/RESULTS.md.)
 */
export function observeRequests(
  app: FastifyInstance,
  metrics: Metrics,
  andThen: (request: FastifyRequest, reply: FastifyReply) => void,
): void {
  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const status = reply.statusCode;
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    metrics.httpDuration.observe(request.method, route, status, reply.elapsedTime / 1000);
    andThen(request, reply);
    done();
  });
}
