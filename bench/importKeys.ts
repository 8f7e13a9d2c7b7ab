/**
 * Import benchmark (issue 14): `keyledger import FILE` of 100,000 keys from a CSV in the seed
 * table's format, as a user runs it (the built CLI, a fresh SQLite store). Goal: under 60 s.
 * Baseline, in the same run: appending the same number of one-event streams straight to the
 * store with the same concurrency (what the store alone costs). `npm run bench:import [-- N]`.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { SqliteEventStore } from '../infrastructure/eventStore/sqlite';
import { BENCH_SEAL_SECRET } from './seed';

const COUNT = Number(process.argv[2] ?? 100_000);
const GOAL_SECONDS = 60;
const CONCURRENCY = 64;
const ROOT = join(__dirname, '..', '..');

function seedTable(file: string, count: number): void {
  const lines = ['key,alias,name,roles,expire,is_active'];
  for (let i = 0; i < count; i++)
    lines.push(`${randomBytes(16).toString('hex')},legacy-${i},Legacy ${i},"user,agent",2099-01-01 00:00:00,1`);
  writeFileSync(file, `${lines.join('\n')}\n`);
}

function runCli(args: string[], dataDir: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'api', 'cli', 'main.js'), ...args], {
      env: { ...process.env, DATA_DIR: dataDir, KEY_SEAL_SECRET: BENCH_SEAL_SECRET, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

async function storeAlone(dataDir: string, count: number): Promise<number> {
  const store = new SqliteEventStore(join(dataDir, 'baseline.sqlite'));
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const stream = `apikey-legacy-${i}`;
      await store.readStream(stream);
      await store.appendToStream(
        stream,
        [
          {
            id: uuidv7(),
            type: 'Bench.v1',
            data: { i },
            metadata: {
              actor: 'bench',
              requestId: 'b',
              correlationId: 'b',
              causationId: 'b',
              at: new Date().toISOString(),
            },
          },
        ],
        'no_stream',
      );
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  await store.close();
  return seconds;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'keyledger-bench-import-'));
  try {
    const csv = join(dir, 'seed.csv');
    seedTable(csv, COUNT);
    const dataDir = join(dir, 'data');
    const started = performance.now();
    const run = await runCli(['import', csv, '--json'], dataDir);
    const seconds = (performance.now() - started) / 1000;
    const report = JSON.parse(run.out) as { imported: number; skipped: number; errors: unknown[] };
    if (run.code !== 0 || report.imported !== COUNT) throw new Error(`import failed: ${run.out.slice(0, 500)}`);
    const baseline = await storeAlone(dir, COUNT);
    const line = (label: string, s: number) =>
      `${label}: ${s.toFixed(1)} s (${Math.round(COUNT / s).toLocaleString('en-US')} keys/s)`;
    console.log(line(`import of ${COUNT.toLocaleString('en-US')} keys (CLI, SQLite)`, seconds));
    console.log(line('baseline, the store alone (read + append per key)', baseline));
    console.log(
      `ratio baseline/import: ${(baseline / seconds).toFixed(2)}; goal < ${GOAL_SECONDS} s: ${seconds < GOAL_SECONDS ? 'met' : 'NOT met'}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
