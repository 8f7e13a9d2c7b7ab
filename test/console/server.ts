/** A real keyledger process on 127.0.0.1 (a free port) over a temporary DATA_DIR, with its console built. */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../support/cli';
import { tempDir } from '../support/testApp';
import { spawnService, type ServiceProcess } from '../operations/serviceProcess';

const ROOT = join(__dirname, '..', '..');

export interface ConsoleServer {
  base: string;
  adminKey: string;
  service: ServiceProcess;
  /** Calls the REST API as curl would, with the admin key. */
  call(
    method: string,
    path: string,
    body?: unknown,
    key?: string,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  stop(): Promise<void>;
}

/** Builds dist/console (esbuild, well under a second); dist/ itself comes from the jest globalSetup. */
export function buildConsole(): void {
  execFileSync(process.execPath, [join(ROOT, 'api', 'console', 'build.mjs')], { cwd: ROOT, stdio: 'pipe' });
}

export async function startConsoleServer(): Promise<ConsoleServer> {
  buildConsole();
  const dataDir = tempDir('keyledger-console-');
  const env = { DATA_DIR: dataDir };
  const minted = await cli(['create', '--alias', 'root', '--name', 'Root admin', '--roles', 'admin', '--json'], env);
  if (minted.code !== 0) throw new Error(`mint failed: ${minted.err}`);
  const adminKey = (JSON.parse(minted.out) as { key: string }).key;
  const service = spawnService({ ...env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info' });
  const ready = await service.waitForLog((line) => line['msg'] === 'keyledger ready');
  const base = String(ready['address']);

  return {
    base,
    adminKey,
    service,
    async call(method, path, body, key = adminKey) {
      const response = await fetch(base + path, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, unknown> };
    },
    async stop() {
      service.child.kill('SIGTERM');
      await service.exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
