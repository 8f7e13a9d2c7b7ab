import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openKeyledger } from '../../api/composition';
import { createLogger } from '../../api/http/logger';
import { loadConfig } from '../../infrastructure/config';
import { resolveSealSecret, SEAL_SECRET_FILE } from '../../infrastructure/keys/sealSecret';
import { startTestApp, tempDir } from '../support/testApp';

const BUILT_SEAL_SECRET = join(__dirname, '..', '..', 'dist', 'infrastructure', 'keys', 'sealSecret.js');

/** Node processes that each resolve the secret of `dir` at once; their answers (or errors). */
function resolveInProcesses(dir: string, count: number): Promise<string[]> {
  const script = `process.stdout.write(require(${JSON.stringify(BUILT_SEAL_SECRET)}).resolveSealSecret(undefined, ${JSON.stringify(dir)}).secret)`;
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<string>((resolve) => {
          const child = spawn(process.execPath, ['-e', script]);
          let out = '';
          child.stdout.on('data', (c: Buffer) => (out += c.toString()));
          child.stderr.on('data', (c: Buffer) => (out += `ERR ${c.toString()}`));
          child.on('close', () => resolve(out));
        }),
    ),
  );
}

describe('the sealing secret', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['', '\n', 'short-secret\n'])('refuses a seal.secret file of %j, naming the file', (content) => {
    writeFileSync(join(dir, SEAL_SECRET_FILE), content, { mode: 0o600 });
    expect(() => resolveSealSecret(undefined, dir)).toThrow(/seal\.secret.*at least 32 characters|32 characters/);
    expect(() => resolveSealSecret(undefined, dir)).toThrow(SEAL_SECRET_FILE);
  });

  it('is created once when several processes start at once on a fresh DATA_DIR', async () => {
    for (let round = 0; round < 8; round++) {
      const fresh = join(dir, `round-${round}`);
      const secrets = await resolveInProcesses(fresh, 6);
      expect(secrets[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(new Set(secrets)).toEqual(new Set([secrets[0]]));
      expect(readdirSync(fresh)).toEqual([SEAL_SECRET_FILE]); // no temporary file left behind
      expect(statSync(fresh).mode & 0o777).toBe(0o700);
      expect(statSync(join(fresh, SEAL_SECRET_FILE)).mode & 0o777).toBe(0o600);
    }
  });

  it('must open the keys sealed in the store, or the service refuses to start naming KEY_SEAL_SECRET', async () => {
    const env = { DATA_DIR: dir, KEY_SEAL_SECRET: 'the-first-secret-0123456789abcdef-0123' };
    const first = await startTestApp({ dataDir: dir, env });
    await first.close();
    const logger = createLogger('silent');
    const wrong = loadConfig({ ...env, KEY_SEAL_SECRET: 'another-secret-0123456789abcdef-0123456' });
    await expect(openKeyledger(wrong, logger)).rejects.toThrow('KEY_SEAL_SECRET');
    // Without the variable, the generated file's secret is just as wrong.
    await expect(openKeyledger(loadConfig({ DATA_DIR: dir }), logger)).rejects.toThrow('KEY_SEAL_SECRET');
    const right = await openKeyledger(loadConfig(env), logger);
    await right.projection.catchUp(10_000);
    expect(right.readModel.findByAlias('root-admin')).toBeDefined();
    await right.close();
  });

  it('lives with the store in a DATA_DIR of mode 0700, every file 0600', async () => {
    const dataDir = join(dir, 'not-yet');
    const t = await startTestApp({ dataDir });
    await t.mint('svc');
    await t.close();
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const files = readdirSync(dataDir);
    expect(files).toEqual(expect.arrayContaining(['events.sqlite', SEAL_SECRET_FILE]));
    for (const file of files) expect([file, statSync(join(dataDir, file)).mode & 0o777]).toEqual([file, 0o600]);
  });

  it('narrows the store files of an older install to 0600', async () => {
    mkdirSync(join(dir, 'old'), { mode: 0o755 });
    const file = join(dir, 'old', 'events.sqlite');
    writeFileSync(file, '', { mode: 0o644 });
    const t = await startTestApp({ dataDir: join(dir, 'old') });
    await t.close();
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
