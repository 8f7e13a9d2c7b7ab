import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { aliasOfStream, apiKeyCodec } from '../../../infrastructure/eventStore/apiKeyCodec';
import type { RecordedEvent } from '../../../infrastructure/eventStore/port';
import { keyEventPages } from '../../../projections/audit/keyEvents';
import type { Keyledger } from '../../composition';
import { requireRoles } from '../auth';
import { HttpError } from '../httpErrors';
import { errorResponse } from '../schemas';

/** A comment line this often keeps proxies and load balancers from closing an idle stream. */
export const HEARTBEAT_MS = 15_000;
/** A resume further behind than this many events gets `reset` (drop every cached answer) instead. */
export const MAX_REPLAY_EVENTS = 10_000;
/** A client this far behind in reading is cut off; it reconnects and resumes from its last id. */
const MAX_BUFFERED_BYTES = 1 << 20;
const POSITION = /^\d{1,20}$/;
/** setTimeout's longest delay; a later instant is re-checked when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What a cache needs to evict a key's answers: the alias (as verify answers it), never key material. */
function changeOf(recorded: RecordedEvent, ledger: Keyledger): string | undefined {
  const event = apiKeyCodec.fromRecorded(recorded);
  if (!event) return undefined;
  const alias = aliasOfStream(recorded.streamName);
  const keyPrefix = ledger.readModel.findByAlias(alias)?.keyPrefix ?? null;
  const data = JSON.stringify({ alias, key_prefix: keyPrefix, type: event.type });
  return `id: ${recorded.position}\nevent: change\ndata: ${data}\n\n`;
}

const control = (name: 'ready' | 'reset', position: bigint) =>
  `id: ${position}\nevent: ${name}\ndata: ${JSON.stringify({ position: position.toString() })}\n\n`;

/**
 * GET /api/apikey/changes: Server-Sent Events of key changes, for caches of verify answers.
 * Each change has `id:` = its global position; a client resumes with `Last-Event-ID`.
 */
export const changeFeedRoutes: FastifyPluginAsyncZod<{ ledger: Keyledger }> = async (app, { ledger }) => {
  const open = new Map<ServerResponse, (text: string) => void>();
  const graceTimers = new Map<string, NodeJS.Timeout>();
  /**
   * A rotated-out key stops working when its grace ends, with no event: each stream is told then,
   * as a change of that alias (id: the current position), so that caches drop its answers.
   */
  const watchGrace = (alias: string) => {
    const until = ledger.readModel.findByAlias(alias)?.previousKey?.validUntil;
    clearTimeout(graceTimers.get(alias));
    graceTimers.delete(alias);
    if (until === undefined || until <= Date.now()) return;
    const timer = setTimeout(
      () => {
        graceTimers.delete(alias);
        if (Date.now() < until) return watchGrace(alias);
        const keyPrefix = ledger.readModel.findByAlias(alias)?.keyPrefix ?? null;
        const data = JSON.stringify({ alias, key_prefix: keyPrefix, type: 'PreviousKeyExpired' });
        const text = `id: ${ledger.readModel.checkpoint}\nevent: change\ndata: ${data}\n\n`;
        for (const write of open.values()) write(text);
      },
      Math.min(until - Date.now() + 1, MAX_TIMER_MS),
    ).unref();
    graceTimers.set(alias, timer);
  };
  for (const [alias, view] of ledger.readModel.entries()) if (view.previousKey) watchGrace(alias);
  const stopWatching = ledger.projection.onApplied((event) => watchGrace(aliasOfStream(event.streamName)));
  // Streams never end by themselves: close them first, so that app.close() does not wait on them.
  app.addHook('preClose', (done) => {
    for (const res of open.keys()) res.end();
    stopWatching();
    for (const timer of graceTimers.values()) clearTimeout(timer);
    done();
  });

  app.get(
    '/api/apikey/changes',
    {
      schema: {
        tags: ['verification'],
        summary: 'Key changes as Server-Sent Events, for caches of verify answers (agent or admin key)',
        description:
          'text/event-stream. `event: ready` (id: the current position), then `event: change` with `id:` = global position and data `{"alias", "key_prefix", "type"}` for every key event (created, renewed, revoked, ...); `: heartbeat` comments every 15 s. Resume with the `Last-Event-ID` header: missed changes are replayed, or `event: reset` (drop every cached answer) when more than 10,000 were missed.',
        security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
        response: { 400: errorResponse, 401: errorResponse, 403: errorResponse, 429: errorResponse },
      },
      onRequest: requireRoles(ledger.verifier, { anyOf: ['agent', 'admin'] }),
    },
    async (request, reply) => {
      const lastId = request.headers['last-event-id'];
      if (lastId !== undefined && (typeof lastId !== 'string' || !POSITION.test(lastId.trim())))
        throw new HttpError(400, 'Last-Event-ID must be a global position (digits)');
      const after = lastId === undefined ? undefined : BigInt(lastId.trim());

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const write = (text: string) => {
        if (res.writableEnded) return;
        res.write(text);
        if (res.writableLength > MAX_BUFFERED_BYTES) res.end();
      };

      // Subscribed and positioned in the same tick: every change after `until` arrives live.
      let replaying = true;
      const pending: RecordedEvent[] = [];
      const until = ledger.readModel.checkpoint;
      const unsubscribe = ledger.projection.onApplied((event) => {
        if (replaying) pending.push(event);
        else {
          const text = changeOf(event, ledger);
          if (text) write(text);
        }
      });
      const heartbeat = setInterval(() => write(': heartbeat\n\n'), HEARTBEAT_MS).unref();
      open.set(res, write);
      res.on('close', () => {
        unsubscribe();
        clearInterval(heartbeat);
        open.delete(res);
      });

      write('retry: 1000\n\n');
      try {
        if (after !== undefined) await replay(after, until, write);
      } catch (error) {
        request.log.warn({ err: error }, 'change feed replay failed; closing the stream');
        res.end();
        return;
      }
      write(control('ready', until));
      replaying = false;
      for (const event of pending) {
        const text = changeOf(event, ledger);
        if (text) write(text);
      }
    },
  );

  /** The changes in (after, until], or `reset` when there are too many or `after` is not in this log. */
  async function replay(after: bigint, until: bigint, write: (text: string) => void): Promise<void> {
    if (after > until) return write(control('reset', until));
    let count = 0;
    for await (const page of keyEventPages(ledger.store, 'forwards', after)) {
      for (const { recorded } of page) {
        if (recorded.position > until) return;
        if (++count > MAX_REPLAY_EVENTS) return write(control('reset', until));
        const text = changeOf(recorded, ledger);
        if (text) write(text);
      }
    }
  }
};
