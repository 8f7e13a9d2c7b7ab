import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../support/testApp';
import { waitFor } from '../support/wait';

const ROOT = join(__dirname, '..', '..');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `npm start`, as the README says, then SIGTERM to the process it started: npm itself. */
describe('npm start', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = tempDir();
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('hands SIGTERM to the service, which drains and exits 0, leaving no node behind', async () => {
    const npm = spawn('npm', ['start'], {
      cwd: ROOT,
      // dist/ was built by the jest globalSetup: no rebuild while other tests run it.
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        DATA_DIR: dataDir,
        PORT: '0',
        KEYLEDGER_SKIP_BUILD: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logs: Record<string, unknown>[] = [];
    let partial = '';
    npm.stdout.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop()!;
      // npm prints its own banner lines before the service's JSON log.
      for (const line of lines) if (line.startsWith('{')) logs.push(JSON.parse(line) as Record<string, unknown>);
    });
    const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
    let servicePid = 0;
    try {
      await waitFor(() => logs.some((l) => l.msg === 'keyledger ready'), 'the service to be ready', 60_000);
      const ready = logs.find((l) => l.msg === 'keyledger ready')!;
      servicePid = Number(ready.pid);
      expect(servicePid).not.toBe(npm.pid);
      expect((await fetch(`${String(ready.address)}/healthz`)).status).toBe(200);
      // An empty store: the log says how to mint the first admin key, for this DATA_DIR.
      expect(logs.map((l) => l.msg)).toContain(
        `no keys yet: mint the first admin key with: DATA_DIR='${dataDir}' npm run apikey -- create --alias root --name "Root admin" --roles admin`,
      );

      npm.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['shutting down: draining requests', 'stopped']));
      await waitFor(() => !alive(servicePid), 'the service process to be gone', 5_000);
    } finally {
      if (npm.exitCode === null) npm.kill('SIGKILL');
      // An orphaned service would hold the output pipes (and the port) open after a failure.
      if (servicePid && alive(servicePid)) process.kill(servicePid, 'SIGKILL');
    }
  }, 120_000);
});
