/**
 * A fresh instance (empty DATA_DIR) on EventStoreDB with 1,000,000 key events in the log
 * (issue 12, item 6: ready in under 30 s).
 *
 * The test server runs in a child process (bench/freshInstanceServer.ts: secure mode, BatchAppend)
 * and is seeded through its bulk-load hook with ApiKeyCreated.v1 events (one key each).
 * In this process, through the real composition root (openKeyledger):
 *  1. EVENTS - AFTER events seeded; a fresh instance with no snapshot anywhere replays them and
 *     publishes its read model to the store (StoreSnapshots; publish timed);
 *  2. AFTER more events seeded (the log now holds EVENTS): keys created after the snapshot.
 *     AFTER = 100,000 is the worst case of the store policy (a publish every 100,000 changes);
 *  3. baseline: a fresh instance with no snapshot replays the whole log (timed once);
 *  4. RUNS fresh instances, each with a new empty DATA_DIR, load the published snapshot and
 *     catch up from its checkpoint (timed: best, median, worst).
 * "Ready" = openKeyledger resolved and the projection is connected and caught up (what /readyz
 * asks of the read model), measured from the call to openKeyledger.
 *
 * Run: `npm run bench:fresh [-- --quick]`
 * (--quick: 100,000 events). At full size the two processes held about 2.5 GB of RSS each.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { openKeyledger, type Keyledger } from '../api/composition';
import { loadConfig } from '../infrastructure/config';
import { SNAPSHOT_STREAM, StoreSnapshots } from '../projections/readModel/storeSnapshots';
import { BENCH_SEAL_SECRET } from './seed';

const quick = process.argv.includes('--quick');
const EVENTS = quick ? 100_000 : 1_000_000;
const AFTER = quick ? 10_000 : 100_000;
const RUNS = 3;
const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });

function request<T>(child: ReturnType<typeof fork>, message: object | undefined, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: Record<string, unknown>) => {
      if (key in m) {
        child.off('message', onMessage);
        resolve(m as T);
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`test server exited (${code})`)));
    if (message) child.send(message);
  });
}

async function waitUntilReady(ledger: Keyledger): Promise<void> {
  for (;;) {
    const status = ledger.projection.status();
    if (status.connected && status.caughtUp) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Opens a fresh instance (new empty DATA_DIR), waits until ready; returns it and the time taken. */
async function freshInstance(
  connectionString: string,
  keys: number,
  options: { snapshots?: boolean } = {},
): Promise<{ ledger: Keyledger; ms: number; openMs: number; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'keyledger-fresh-'));
  const config = loadConfig({
    DATA_DIR: dir,
    EVENTSTORE_CONNECTION_STRING: connectionString,
    KEY_SEAL_SECRET: BENCH_SEAL_SECRET,
  });
  const started = process.hrtime.bigint();
  const ledger = await openKeyledger(config, logger, { deliverWebhooks: false, ...options });
  const openMs = Number(process.hrtime.bigint() - started) / 1e6;
  await waitUntilReady(ledger);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (ledger.readModel.size !== keys) throw new Error(`read model holds ${ledger.readModel.size} keys`);
  return { ledger, ms, openMs, dir };
}

async function close({ ledger, dir }: { ledger: Keyledger; dir: string }): Promise<void> {
  await ledger.close();
  rmSync(dir, { recursive: true, force: true });
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const child = fork(join(__dirname, 'freshInstanceServer.js'), { stdio: 'inherit' });
  try {
    const { connectionString } = await request<{ connectionString: string }>(child, undefined, 'ready');
    const seedStart = Date.now();
    await request(child, { seed: EVENTS - AFTER, from: 0 }, 'seeded');
    const first = await freshInstance(connectionString, EVENTS - AFTER);
    const publishStart = process.hrtime.bigint();
    const published = new StoreSnapshots({ store: first.ledger.store, sealSecret: BENCH_SEAL_SECRET, logger });
    await published.write(first.ledger.readModel);
    const publishMs = Number(process.hrtime.bigint() - publishStart) / 1e6;
    const [manifest] = await first.ledger.store.readStream(SNAPSHOT_STREAM);
    await close(first);
    const { head } = await request<{ head: string }>(child, { seed: AFTER, from: EVENTS - AFTER }, 'seeded');
    console.log(
      `fresh instance on EventStoreDB (test server, secure, child process): ${EVENTS} key events ` +
        `(${AFTER} after the snapshot), seeded in ${s(Date.now() - seedStart)} (head ${head}); ` +
        `Node ${process.version}, ${cpus().length} cores, ${new Date().toISOString()}`,
    );
    console.log(
      `publish the snapshot of ${EVENTS - AFTER} keys: ${s(publishMs)}, ${manifest!.data.bytes} bytes in ${manifest!.data.chunks} chunks`,
    );

    // No snapshot at all, in DATA_DIR or in the store: every key event through the client.
    const replay = await freshInstance(connectionString, EVENTS, { snapshots: false });
    console.log(
      `baseline: full replay of the log to ready ${s(replay.ms)} (${replay.ledger.readModel.changes} events applied)`,
    );
    await close(replay);

    const times: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const fresh = await freshInstance(connectionString, EVENTS);
      times.push(fresh.ms);
      console.log(
        `fresh instance ${run + 1}: ready in ${s(fresh.ms)} (opened with the snapshot loaded in ${s(fresh.openMs)}, then ${fresh.ledger.readModel.changes} events applied)`,
      );
      await close(fresh);
    }
    times.sort((a, b) => a - b);
    console.log(
      `fresh instance from the published snapshot: best ${s(times[0]!)}, median ${s(times[Math.floor(RUNS / 2)]!)}, ` +
        `worst ${s(times[RUNS - 1]!)} (${RUNS} runs); full replay ${s(replay.ms)}: ` +
        `${(replay.ms / times[Math.floor(RUNS / 2)]!).toFixed(1)}x faster; under 30 s: ${times[Math.floor(RUNS / 2)]! < 30_000}`,
    );
  } finally {
    child.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
