/**
 * EventStoreDB reads that must not scan the whole log (issue 12, item 5), on the wire-level test
 * server in its production configuration (TLS, credentials, BatchAppend), through the adapter.
 *
 * Log: KEYS key events (`apikey-*` streams), then NOISE non-key events after the last one.
 * Figures (RUNS timed runs after a warm-up; median, p95, min, max):
 *  - headOfLog();
 *  - a readiness-style check: ping() + headOfLog() compared with a checkpoint;
 *  - a 50-item audit page, newest first: readAll({ streamPrefixes, direction: 'backwards', maxCount: 50 });
 *  - the page after the last key event (the lag gauge's read): readAll({ after, streamPrefixes, maxCount: 50 });
 *  - a subscription from the last key event until onCaughtUp (readiness of a starting instance).
 * Baseline, same run: the same 50-item page read the way client 6.x reads `$all` (every event
 * sent and decoded, filtered on the client), 3 runs.
 *
 * Run: `npx tsc -p tsconfig.bench.json && node dist/bench/eventStoreDbScans.js [--quick]`.
 * The test server is in memory and in this process: its own scan (a JS filter over the array) is
 * in the figures; a real node scans its chunk files instead, without sending what does not match.
 */
import { BACKWARDS, END, EventStoreDBClient } from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { openEventStoreDb } from '../infrastructure/eventStore/eventStoreDb';
import type { NewEvent } from '../infrastructure/eventStore/port';
import { startEventStoreDbTestServer } from '../test/eventstoredb/testServer';

const quick = process.argv.includes('--quick');
const KEYS = quick ? 200 : 1_000;
const NOISE = quick ? 10_000 : 100_000;
const RUNS = quick ? 10 : 30;
const PREFIX = 'apikey-';

function event(type: string, data: Record<string, unknown>): NewEvent {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    type,
    data,
    metadata: {
      actor: 'bench',
      requestId: randomUUID(),
      correlationId: randomUUID(),
      causationId: randomUUID(),
      at: now,
    },
  };
}

async function timed(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 3; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return out.sort((a, b) => a - b);
}

function summary(label: string, ms: number[]): string {
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]!;
  const f = (n: number) => n.toFixed(n < 10 ? 2 : 0);
  return `${label.padEnd(58)} median ${f(at(0.5))} ms, p95 ${f(at(0.95))} ms, min ${f(ms[0]!)} ms, max ${f(ms[ms.length - 1]!)} ms (${ms.length} runs)`;
}

async function main(): Promise<void> {
  const server = await startEventStoreDbTestServer({ secure: true });
  const store = openEventStoreDb(server.connectionString);
  const client = EventStoreDBClient.connectionString(server.connectionString);
  try {
    let lastKey = 0n;
    for (let i = 0; i < KEYS; i++) {
      const r = await store.appendToStream(
        `${PREFIX}k${i}`,
        [event('ApiKeyCreated.v1', { alias: `k${i}` })],
        'no_stream',
      );
      lastKey = r.position;
    }
    for (let done = 0; done < NOISE; done += 1_000) {
      const batch = Array.from({ length: Math.min(1_000, NOISE - done) }, (_, i) =>
        event('OrderPlaced', { n: done + i }),
      );
      await store.appendToStream(`orders-${done}`, batch, 'no_stream');
    }
    const head = await store.headOfLog();
    console.log(
      `EventStoreDB scans: ${KEYS} key events, then ${NOISE} non-key events; head ${head}; ` +
        `Node ${process.version}, ${cpus().length} cores, ${new Date().toISOString()}`,
    );

    console.log(summary('headOfLog()', await timed(RUNS, () => store.headOfLog())));
    const checkpoint = head;
    console.log(
      summary(
        'readiness check: ping() + headOfLog() <= checkpoint',
        await timed(RUNS, async () => {
          await store.ping();
          if ((await store.headOfLog()) > checkpoint) throw new Error('behind');
        }),
      ),
    );
    const page = await store.readAll({ streamPrefixes: [PREFIX], direction: 'backwards', maxCount: 50 });
    if (page.length !== 50) throw new Error(`audit page has ${page.length} events`);
    console.log(
      summary(
        '50-item audit page, newest first (server-side filter)',
        await timed(RUNS, () => store.readAll({ streamPrefixes: [PREFIX], direction: 'backwards', maxCount: 50 })),
      ),
    );
    console.log(
      summary(
        'page after the last key event (lag read; 0 events)',
        await timed(RUNS, () => store.readAll({ after: lastKey, streamPrefixes: [PREFIX], maxCount: 50 })),
      ),
    );
    console.log(
      summary(
        'subscribe after the last key event until onCaughtUp',
        await timed(RUNS, async () => {
          let subscription: ReturnType<typeof store.subscribeToAll> | undefined;
          await new Promise<void>((resolve) => {
            subscription = store.subscribeToAll({ after: lastKey, streamPrefixes: [PREFIX], onCaughtUp: resolve });
            void (async () => {
              for await (const _ of subscription!) break;
            })().catch(() => undefined);
          });
          await subscription!.close();
        }),
      ),
    );
    const baseline = await timed(quick ? 1 : 3, async () => {
      const found: unknown[] = [];
      for await (const e of client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: NOISE + KEYS + 10 })) {
        if (e.event?.streamId.startsWith(PREFIX)) found.push(e);
        if (found.length === 50) break;
      }
    });
    console.log(summary('baseline: the same page through client 6.x readAll (client-side filter)', baseline));
  } finally {
    await client.dispose();
    await store.close();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
