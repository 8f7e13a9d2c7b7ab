/**
 * keyledger benchmarks: each prints its figure, a baseline measured in the same run, and
 * the ratio. `npm run bench [-- name ...] [-- --quick]`; names: verify, http, commands,
 * rebuild, coldstart, memory, revocation. `--json FILE` also writes the results as JSON.
 */
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as crypto from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { storedEventType } from '../domain';
import { SqliteEventStore } from '../infrastructure/eventStore/sqlite';
import { displayPrefix, generateKey, hashKey } from '../infrastructure/keys/keyCrypto';
import { AuthReadModel, KeyVerifier } from '../projections/readModel/authReadModel';
import { ProjectionRunner } from '../projections/readModel/projectionRunner';
import { cpuUs, probeScenario, startServer, stopServer, summarize } from './httpProbe';
import { measureRevocations, percentile } from './revocation';
import { BENCH_SEAL_SECRET, DAY_MS, rolesFor, seedSqlite } from './seed';

interface Result {
  name: string;
  figure: string;
  baseline: string;
  ratio: number | undefined;
  goal: string;
  met: boolean;
  notes: string;
}

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
const selected = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--json');
const ROOT = join(__dirname, '..', '..');
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'keyledger-bench-'));
}

function serviceEnv(dataDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATA_DIR: dataDir,
    KEY_SEAL_SECRET: BENCH_SEAL_SECRET,
    LOG_LEVEL: 'warn',
    VERIFY_RATE_LIMIT_MAX: '1000000',
    HOST: '127.0.0.1',
    PORT: '0',
  };
}

async function cannon(opts: autocannon.Options): Promise<autocannon.Result> {
  return autocannon({ connections: 10, pipelining: 1, ...opts });
}

// ---- 1. in-process verification vs bare SHA-256 ----
async function benchVerify(): Promise<Result> {
  const n = quick ? 10_000 : 100_000;
  const model = new AuthReadModel();
  const keys: string[] = [];
  const required: Array<ReturnType<typeof rolesFor>> = [];
  const now = Date.now();
  for (let i = 0; i < n; i++) {
    const key = generateKey('ak');
    const roles = rolesFor(i);
    keys.push(key);
    required.push(roles.slice(0, 1));
    model.apply({
      id: `e${i}`,
      type: storedEventType('ApiKeyCreated'),
      data: {
        alias: `svc-${i}`,
        name: `Service ${i}`,
        roles,
        keyHash: hashKey(key),
        keyPrefix: displayPrefix(key),
        sealedKey: 'v1.x',
        expire: new Date(now + 15 * DAY_MS).toISOString(),
        createdAt: new Date(now).toISOString(),
        owner: null,
        meta: null,
      },
      metadata: { actor: 'b', requestId: 'b', correlationId: 'b', causationId: 'b', at: '' },
      streamName: `apikey-svc-${i}`,
      revision: 0n,
      position: BigInt(i + 1),
      createdAt: new Date(now),
    });
  }
  const verifier = new KeyVerifier(model, 'ak');
  const passMs = quick ? 300 : 1500;
  const run = (fn: (i: number) => unknown): number => {
    let done = 0;
    const start = performance.now();
    let sink = 0;
    while (performance.now() - start < passMs) {
      for (let i = 0; i < keys.length; i++) if (fn(i)) sink++;
      done += keys.length;
    }
    if (sink < 0) console.log(sink);
    return done / ((performance.now() - start) / 1000);
  };
  let valid = 0;
  // The decision the issue names (shape, checksum, SHA-256, lookup, expiry, roles).
  const ours = (i: number) => {
    const v = verifier.verify(keys[i]!, required[i], now);
    if (v.code === 'VALID') valid++;
    return v.code === 'VALID';
  };
  const floor = (i: number) => createHash('sha256').update(keys[i]!).digest();
  const oneShot = (i: number) => crypto.hash('sha256', keys[i]!, 'buffer');
  run(ours);
  run(floor);
  const a = [] as number[];
  const b = [] as number[];
  const c = [] as number[];
  for (let round = 0; round < 3; round++) {
    b.push(run(floor));
    a.push(run(ours));
    c.push(run(oneShot));
  }
  if (valid === 0) throw new Error('no key verified');
  const best = (xs: number[]) => Math.max(...xs);
  const ratio = best(a) / best(b);
  return {
    name: '1. verify (in-process)',
    figure: `${fmt(best(a))} verifications/s`,
    baseline: `${fmt(best(b))} createHash('sha256') digests/s`,
    ratio,
    goal: '>= 0.8',
    met: ratio >= 0.8,
    notes: `${fmt(n)} keys, required role checked; vs one-shot crypto.hash (${fmt(best(c))}/s): ${(best(a) / best(c)).toFixed(2)}`,
  };
}

// ---- 2. POST /api/apikey/verify and admin GET /api/apikey/:alias vs bare Fastify (bench/httpProbe.ts) ----
async function benchHttp(): Promise<Result[]> {
  const dir = tempDir();
  try {
    const seeded = await seedSqlite(join(dir, 'events.sqlite'), { keys: quick ? 2_000 : 10_000, returnKeys: 1 });
    const verifyBody = JSON.stringify({ key: seeded[0]!.key, roles: seeded[0]!.roles.slice(0, 1) });
    const opts = { rounds: quick ? 1 : 3, seconds: quick ? 2 : 5, warmupSeconds: 2 };
    const servers = {
      bare: await startServer('bare', process.env),
      // The default log level, as a service started with no settings (request lines go to /dev/null).
      service: await startServer('service', { ...serviceEnv(dir), LOG_LEVEL: 'info' }),
    };
    const results: Result[] = [];
    try {
      const json = { 'content-type': 'application/json' };
      const verify = { method: 'POST', path: '/api/apikey/verify', headers: json, body: verifyBody } as const;
      const get = {
        method: 'GET',
        path: `/api/apikey/${seeded[0]!.alias}`,
        headers: { authorization: `Bearer ${servers.service.adminKey!}` },
      } as const;
      const probe = await fetch(`http://127.0.0.1:${servers.service.port}${verify.path}`, {
        method: 'POST',
        headers: json,
        body: verifyBody,
      });
      const answer = (await probe.json()) as { code: string };
      if (answer.code !== 'VALID') throw new Error(`verify answered ${JSON.stringify(answer)}`);
      const scenarios = [
        { name: 'POST /api/apikey/verify', target: verify },
        { name: 'GET /api/apikey/:alias (admin key)', target: get },
      ];
      for (const { name, target } of scenarios)
        for (const connections of [10, 50]) {
          const s = summarize(await probeScenario(name, servers, { bare: target, service: target }, connections, opts));
          const span = (r: { median: number; min: number; max: number }) =>
            `${r.median.toFixed(2)} (${r.min.toFixed(2)}-${r.max.toFixed(2)})`;
          results.push({
            name: `2. ${name} (HTTP, ${connections} conn.)`,
            figure: `${fmt(s.service.rps)} req/s, ${fmt(s.service.cpu, 1)} us CPU/req, p99 ${s.service.p99} ms`,
            baseline: `${fmt(s.bare.rps)} req/s, ${fmt(s.bare.cpu, 1)} us CPU/req, p99 ${s.bare.p99} ms (bare Fastify, fixed JSON)`,
            ratio: s.rps.median,
            goal: 'rps >= 0.8, CPU/req <= 1.25x, p99 <= 2x',
            met: s.rps.median >= 0.8 && s.cpu.median <= 1.25 && s.p99.median <= 2 && s.errors === 0,
            notes: `ratios per round, median (min-max) over ${opts.rounds}: rps ${span(s.rps)}, CPU/req ${span(s.cpu)}, p99 ${span(s.p99)}; medians shown; ${opts.seconds} s rounds alternating after ${opts.warmupSeconds} s warm-ups; LOG_LEVEL=info; ${s.errors} errors/non-2xx`,
          });
        }
    } finally {
      await stopServer(servers.bare.child);
      await stopServer(servers.service.child);
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- 3. create/renew/revoke over HTTP vs raw durable inserts ----
async function benchCommands(): Promise<Result> {
  const dir = tempDir();
  try {
    const pool = quick ? 6_000 : 30_000;
    const seeded = await seedSqlite(join(dir, 'data', 'events.sqlite'), {
      keys: pool,
      returnKeys: pool,
      aliasPrefix: 'pre-',
    });
    const duration = quick ? 2 : 5;

    // Raw floor: one durable single-row INSERT per transaction, same pragmas, same table, same directory.
    const rawFile = join(dir, 'raw', 'events.sqlite');
    await new SqliteEventStore(rawFile).close();
    const db = new Database(rawFile);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    const insert = db.prepare(
      'INSERT INTO events (event_id, stream_name, revision, type, data, metadata, created_at) VALUES (?, ?, 0, ?, ?, ?, ?)',
    );
    const data = 'x'.repeat(420); // about the size of an ApiKeyCreated's data
    let rows = 0;
    let rawMs = 0;
    // Half before and half after the HTTP run: the disk's fsync time drifts on a shared
    // machine, and the ratio should not hinge on which phase caught a slow spell.
    const rawInserts = (ms: number) => {
      const start = performance.now();
      while (performance.now() - start < ms) {
        insert.run(uuidv7(), `raw-${rows}`, 'ApiKeyCreated.v1', data, '{"actor":"bench"}', Date.now());
        rows++;
      }
      rawMs += performance.now() - start;
    };
    rawInserts((duration * 1000) / 2);

    const server = await startServer('service', serviceEnv(join(dir, 'data')));
    let i = 0;
    let revoked = 0;
    const ops = { create: 0, renew: 0, revoke: 0 };
    const auth = { 'content-type': 'application/json', authorization: `Bearer ${server.adminKey}` };
    const load = (seconds: number) =>
      cannon({
        url: `http://127.0.0.1:${server.port}`,
        duration: seconds,
        requests: [
          {
            setupRequest: (req) => {
              const op = i++ % 3;
              if (op === 0) {
                ops.create++;
                return {
                  ...req,
                  method: 'POST',
                  path: '/api/apikey',
                  headers: auth,
                  body: JSON.stringify({ alias: `new-${i}`, name: `New ${i}`, roles: ['user'] }),
                };
              }
              if (op === 1) {
                ops.renew++;
                const s = seeded[(i * 7919) % pool]!;
                return {
                  ...req,
                  method: 'POST',
                  path: '/api/apikey',
                  headers: auth,
                  body: JSON.stringify({ alias: s.alias, name: `Renewed ${i}`, roles: ['agent'] }),
                };
              }
              ops.revoke++;
              const s = seeded[pool - 1 - (revoked++ % pool)]!;
              return {
                ...req,
                method: 'DELETE',
                path: `/api/apikey/${s.key}`,
                headers: { authorization: auth.authorization },
                body: undefined,
              };
            },
          },
        ],
      });
    // JIT warm-up, not counted (the revocations it sends use keys of the pool's other end).
    const warmup = quick ? 1 : 2;
    await load(warmup);
    ops.create = ops.renew = ops.revoke = 0;
    const cpuBefore = cpuUs(server.child.pid!);
    const result = await load(duration);
    const cpuPerCommand = (cpuUs(server.child.pid!) - cpuBefore) / (result.requests.total ?? 1);
    await stopServer(server.child);
    rawInserts((duration * 1000) / 2);
    db.close();
    const rawRate = rows / (rawMs / 1000);
    const errors = result.errors + result.non2xx;
    const ratio = result.requests.average / rawRate;
    return {
      name: '3. create/renew/revoke (HTTP, SQLite)',
      figure: `${fmt(result.requests.average)} commands/s, p99 ${result.latency.p99} ms`,
      baseline: `${fmt(rawRate)} durable single-row INSERTs/s (WAL, synchronous=FULL; half before, half after)`,
      ratio,
      goal: '>= 0.5',
      met: ratio >= 0.5 && errors === 0,
      notes: `mix 1:1:1 (${ops.create}/${ops.renew}/${ops.revoke} sent), 10 connections, ${duration} s after a ${warmup} s warm-up; server CPU ${fmt(cpuPerCommand)} us/command (/proc); ${errors} errors/non-2xx`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- 4. projection rebuild vs raw sequential read ----
async function benchRebuild(): Promise<Result> {
  const dir = tempDir();
  try {
    const events = quick ? 100_000 : 1_000_000;
    const file = join(dir, 'events.sqlite');
    await seedSqlite(file, { keys: events / 10, events });
    const raw = () => {
      const db = new Database(file, { readonly: true });
      const start = performance.now();
      let count = 0;
      let bytes = 0;
      const stmt = db
        .prepare(
          'SELECT position, event_id, stream_name, revision, type, data, metadata, created_at FROM events ORDER BY position',
        )
        .safeIntegers(true)
        .raw(true);
      for (const row of stmt.iterate() as Iterable<unknown[]>) {
        count++;
        bytes += (row[5] as string).length;
      }
      const ms = performance.now() - start;
      db.close();
      if (count !== events || bytes === 0) throw new Error('raw read mismatch');
      return count / (ms / 1000);
    };
    const rebuild = async () => {
      const store = new SqliteEventStore(file);
      const model = new AuthReadModel();
      const runner = new ProjectionRunner(store, model, silent);
      const start = performance.now();
      runner.start();
      await runner.catchUp(600_000);
      const ms = performance.now() - start;
      await runner.stop();
      await store.close();
      if (model.size !== events / 10) throw new Error(`rebuilt ${model.size} keys`);
      return events / (ms / 1000);
    };
    raw();
    const r: number[] = [];
    const p: number[] = [];
    for (let round = 0; round < 2; round++) {
      r.push(raw());
      p.push(await rebuild());
    }
    const rawRate = Math.max(...r);
    const rate = Math.max(...p);
    const ratio = rate / rawRate;
    return {
      name: '4. projection rebuild',
      figure: `${fmt(rate)} events/s`,
      baseline: `${fmt(rawRate)} events/s raw sequential read (better-sqlite3 iterate, no parsing)`,
      ratio,
      goal: '>= 150,000 events/s',
      met: rate >= 150_000,
      notes: `${fmt(events)} events (${fmt(events / 10)} keys), through ProjectionRunner + subscription; best of 2`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- 5. cold start to ready ----
function timeToReady(dataDir: string): Promise<{ ms: number; child: ChildProcess }> {
  const start = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'api', 'main.js')], {
    env: { ...serviceEnv(dataDir), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      if (buffered.includes('"keyledger ready"')) {
        resolve({ ms: performance.now() - start, child });
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
      }
    });
    child.once('exit', (code) => reject(new Error(`main.js exited with ${code}: ${buffered.slice(-500)}`)));
  });
}

async function stopMain(child: ChildProcess): Promise<void> {
  child.removeAllListeners('exit');
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function benchColdStart(): Promise<Result> {
  const dir = tempDir();
  try {
    const keys = quick ? 20_000 : 100_000;
    await seedSqlite(join(dir, 'full', 'events.sqlite'), { keys });
    const empty: number[] = [];
    const snap: number[] = [];
    // First start: no snapshot, the whole log is replayed; SIGTERM then writes the snapshot.
    const first = await timeToReady(join(dir, 'full'));
    await stopMain(first.child);
    for (let round = 0; round < 3; round++) {
      const e = await timeToReady(join(dir, 'empty'));
      await stopMain(e.child);
      empty.push(e.ms);
      const s = await timeToReady(join(dir, 'full'));
      await stopMain(s.child);
      snap.push(s.ms);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const ms = median(snap);
    return {
      name: '5. cold start to ready',
      figure: `${fmt(ms)} ms with ${fmt(keys)} keys (snapshot)`,
      baseline: `${fmt(median(empty))} ms empty store; ${fmt(first.ms)} ms full replay (no snapshot)`,
      ratio: ms / median(empty),
      goal: '< 1,000 ms',
      met: ms < 1000,
      notes:
        'spawn of node dist/api/main.js to its "keyledger ready" log line (listening); median of 3; ratio = time / empty-store time',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- 6. resident memory per key ----
function memoryOf(dataDir: string): Promise<{ rss: number; heapUsed: number; keys: number }> {
  const child = fork(join(__dirname, 'memoryChild.js'), [], {
    env: serviceEnv(dataDir),
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  // Resolves on exit, not on the message: the child writes its snapshot while closing, and
  // the next run on the same directory must find it written.
  return new Promise((resolve, reject) => {
    let result: { rss: number; heapUsed: number; keys: number } | undefined;
    child.once('message', (m: { rss: number; heapUsed: number; keys: number }) => (result = m));
    child.once('exit', (code) =>
      code === 0 && result ? resolve(result) : reject(new Error(`memory child exited with ${code}`)),
    );
  });
}

async function benchMemory(): Promise<Result> {
  const dir = tempDir();
  try {
    const keys = quick ? 20_000 : 100_000;
    await seedSqlite(join(dir, 'full', 'events.sqlite'), { keys });
    const empty = await memoryOf(join(dir, 'empty'));
    const replayed = await memoryOf(join(dir, 'full')); // replays the log, writes the snapshot on close
    const loaded = await memoryOf(join(dir, 'full')); // loads the snapshot
    if (replayed.keys !== keys || loaded.keys !== keys) throw new Error('wrong key count');
    const per = (m: { rss: number }) => (m.rss - empty.rss) / keys;
    const heap = (m: { heapUsed: number }) => (m.heapUsed - empty.heapUsed) / keys;
    // Retained memory is the JS heap after a forced GC; RSS also counts what the allocator keeps.
    const worst = Math.max(heap(replayed), heap(loaded));
    return {
      name: '6. memory per key',
      figure: `JS heap ${fmt(heap(loaded))} B/key after snapshot load; ${fmt(heap(replayed))} B/key after full replay`,
      baseline: `${fmt(empty.heapUsed / 1048576, 1)} MiB JS heap, ${fmt(empty.rss / 1048576, 1)} MiB RSS: empty process (same code, empty store)`,
      ratio: undefined,
      goal: '< 1,024 B/key retained',
      met: worst < 1024,
      notes: `${fmt(keys)} keys, after catch-up and forced GC; RSS ${fmt(per(loaded))} / ${fmt(per(replayed))} B/key (the old < 300 B/key goal of the columnar model is retired)`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- 7. revocation reaching a remote-plugin app with a 60 s cache (bench/revocation.ts) ----
async function benchRevocation(): Promise<Result> {
  const dir = tempDir();
  try {
    const count = quick ? 20 : 100;
    const f = await measureRevocations(serviceEnv(dir), count, join(dir, 'events.sqlite'));
    const p99 = percentile(f.ms, 99);
    return {
      name: '7. revocation seen by a remote-plugin app',
      figure: `p99 ${fmt(p99, 1)} ms, p50 ${fmt(percentile(f.ms, 50), 1)} ms, max ${fmt(Math.max(...f.ms), 1)} ms`,
      baseline: `the DELETE itself: p50 ${fmt(percentile(f.deleteMs, 50), 1)} ms, p99 ${fmt(percentile(f.deleteMs, 99), 1)} ms`,
      ratio: undefined,
      goal: 'p99 <= 100 ms',
      met: p99 <= 100,
      notes: `${f.ms.length} revocations, one at a time; plugin cache TTL ${f.feedCacheTtlMs / 1000} s (change feed); time from sending DELETE to the first 401 from the plugin app, polled back to back`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const BENCHMARKS: Record<string, () => Promise<Result | Result[]>> = {
  verify: benchVerify,
  http: benchHttp,
  commands: benchCommands,
  rebuild: benchRebuild,
  coldstart: benchColdStart,
  memory: benchMemory,
  revocation: benchRevocation,
};

async function main(): Promise<void> {
  const names = selected.length ? selected : Object.keys(BENCHMARKS);
  for (const n of names)
    if (!BENCHMARKS[n]) throw new Error(`unknown benchmark ${n}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  const machine = `${cpus().length} cpus (${cpus()[0]?.model ?? '?'}), node ${process.version}, ${new Date().toISOString()}${quick ? ', --quick' : ''}`;
  console.log(`keyledger bench: ${machine}`);
  const results: Result[] = [];
  for (const n of names) {
    for (const r of [await BENCHMARKS[n]!()].flat()) {
      results.push(r);
      console.log(
        `\n${r.name}\n  figure:   ${r.figure}\n  baseline: ${r.baseline}\n  ratio:    ${r.ratio === undefined ? '-' : r.ratio.toFixed(2)}   goal ${r.goal}: ${r.met ? 'met' : 'MISSED'}\n  ${r.notes}`,
      );
    }
  }
  console.log('\n| benchmark | figure | baseline (same run) | ratio | goal | met |\n|---|---|---|---|---|---|');
  for (const r of results)
    console.log(
      `| ${r.name} | ${r.figure} | ${r.baseline} | ${r.ratio === undefined ? '-' : r.ratio.toFixed(2)} | ${r.goal} | ${r.met ? 'yes' : 'no'} |`,
    );
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ machine, results }, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
