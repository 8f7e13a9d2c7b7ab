import { execFile, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../support/testApp';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'api', 'cli', 'main.js');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/** The built CLI as a user runs it: its own process, real stdin/stdout/stderr and exit code. */
function keyledger(args: string[], env: Record<string, string>, stdin = '') {
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
    child.stdin.end(stdin);
  });
}

describe('the keyledger binary', () => {
  let env: Record<string, string>;
  beforeEach(() => {
    env = { DATA_DIR: tempDir() };
  });
  afterEach(() => rmSync(env.DATA_DIR!, { recursive: true, force: true }));

  it('is the package’s bin, runs the built JavaScript with no TypeScript build in its path', () => {
    expect(pkg.bin).toEqual({ keyledger: 'dist/api/cli/main.js' });
    expect(readFileSync(BIN, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(pkg.scripts.apikey).toBe('node dist/api/cli/main.js');
    // Before `npm run apikey` only the staleness check runs; it builds nothing on a fresh dist/.
    expect(pkg.scripts.preapikey).toBe('node scripts/buildIfStale.mjs');
    expect(pkg.scripts.prepare).toBe('npm run build');
  });

  it('reads the key to revoke from piped standard input, with exit codes 0 then 1', async () => {
    const created = await keyledger(['create', '--alias', 'svc', '--name', 'Svc', '--json'], env);
    expect(created.code).toBe(0);
    const { key } = JSON.parse(created.out) as { key: string };
    expect(await keyledger(['revoke'], env, `${key}\n`)).toEqual({
      code: 0,
      out: 'API key revoked successfully\n',
      err: '',
    });
    expect(await keyledger(['revoke', '--json'], env, `${key}\n`)).toEqual({
      code: 1,
      out: '',
      err: '{"error":"API key not found"}\n',
    });
    const usage = await keyledger(['revoke'], env, '');
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('revoke needs a key');
  });

  it('exits 2 on usage errors and 0 on help, as a process', async () => {
    expect((await keyledger(['create', '--bogus'], env)).code).toBe(2);
    expect((await keyledger([], env)).code).toBe(2);
    const help = await keyledger(['create', '--help'], env);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: keyledger create/);
  });
});

describe('npm run --silent apikey', () => {
  const run = promisify(execFile);
  let dataDir: string;
  beforeAll(() => {
    dataDir = tempDir();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  // npm's own variables of the jest run would otherwise leak into the child npm.
  // dist/ was built by the jest globalSetup: no rebuild while other tests run it.
  const npmEnv = () => ({
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    DATA_DIR: dataDir,
    KEYLEDGER_SKIP_BUILD: '1',
  });

  it('prints only the CLI’s JSON, so it can be piped', async () => {
    const { stdout } = await run('npm', ['run', '--silent', 'apikey', '--', 'list', '--json'], {
      cwd: ROOT,
      env: npmEnv(),
    });
    expect(JSON.parse(stdout)).toEqual([]);
  });

  it('hints at "--" when it was forgotten, and creates nothing', async () => {
    const failed = await run('npm', ['run', 'apikey', 'create', '--alias', 'x', '--name', 'X', '--roles', 'admin'], {
      cwd: ROOT,
      env: npmEnv(),
    }).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toContain('npm run apikey -- create --alias ... --name ... --roles ...');
    const { stdout } = await run('npm', ['run', '--silent', 'apikey', '--', 'list', '--json'], {
      cwd: ROOT,
      env: npmEnv(),
    });
    expect(JSON.parse(stdout)).toEqual([]);
  });
});
