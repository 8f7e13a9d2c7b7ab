/**
 * Child process of the memory benchmark: opens the service's ledger on DATA_DIR (as main.ts
 * does, without HTTP), waits until the read model holds the log, collects garbage and
 * reports its resident set size. Run with --expose-gc.
 */
import { openKeyledger } from '../api/composition';
import { createLogger } from '../api/http/logger';
import { loadConfig } from '../infrastructure/config';
import { getHeapSpaceStatistics } from 'node:v8';

declare const gc: (() => void) | undefined;

async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'warn' });
  const opening = performance.now();
  const ledger = await openKeyledger(config, createLogger('warn'));
  const openMs = performance.now() - opening;
  await ledger.projection.catchUp(600_000);
  await settle();
  const mem = process.memoryUsage();
  const spaces = Object.fromEntries(
    getHeapSpaceStatistics().map((s: { space_name: string; space_size: number; space_used_size: number }) => [
      s.space_name,
      [s.space_size >> 10, s.space_used_size >> 10],
    ]),
  );
  process.send!({
    spaces,
    rss: mem.rss,
    heapUsed: mem.heapUsed,
    external: mem.external,
    arrayBuffers: mem.arrayBuffers,
    openMs,
    keys: ledger.readModel.size,
  });
  await ledger.close();
}

void main();
