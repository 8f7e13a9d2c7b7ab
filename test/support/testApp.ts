import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { buildApp } from '../../api/http/app';
import { openKeyledger, type Keyledger } from '../../api/composition';
import { createLogger } from '../../api/http/logger';
import type { Role } from '../../domain';
import { loadConfig, type Config } from '../../infrastructure/config';
import type { EventStore } from '../../infrastructure/eventStore/port';

export interface TestApp {
  app: FastifyInstance;
  ledger: Keyledger;
  config: Config;
  dataDir: string;
  /** Every log line the app wrote, as raw JSON text. */
  logs: string[];
  /** Mints a key straight through the command service (no HTTP), as the CLI does. */
  mint(alias: string, roles?: Role[], name?: string): Promise<string>;
  adminKey: string;
  close(): Promise<void>;
}

export function tempDir(prefix = 'keyledger-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * A whole service on a fresh embedded store (or the given store), with an admin key.
 * env overrides configuration variables; clock, when given, drives the command service.
 */
export async function startTestApp(
  options: { env?: Record<string, string>; store?: EventStore; clock?: () => Date; dataDir?: string } = {},
): Promise<TestApp> {
  const dataDir = options.dataDir ?? tempDir();
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'info', ...options.env });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString());
      callback();
    },
  });
  const logger = createLogger(config.LOG_LEVEL, sink);
  const ledger = await openKeyledger(config, logger, { store: options.store, clock: options.clock });
  await ledger.projection.catchUp(10_000);
  const app = await buildApp({ ledger, logger });
  const mint = async (alias: string, roles: Role[] = [], name = alias) =>
    (await ledger.keys.createOrRenew({ alias, name, roles }, { actor: 'test', requestId: `mint-${alias}` })).key!;
  const adminKey = await mint('root-admin', ['admin'], 'Root admin');
  return {
    app,
    ledger,
    config,
    dataDir,
    logs,
    mint,
    adminKey,
    async close() {
      await app.close();
      await ledger.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
