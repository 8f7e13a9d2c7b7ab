import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../support/testApp';

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'buildIfStale.mjs');

/** `prestart` and `preapikey`: build only when a source is newer than the last build. */
describe('scripts/buildIfStale.mjs', () => {
  let root: string;
  const touch = (file: string, secondsAgo: number) => {
    const at = new Date(Date.now() - secondsAgo * 1000);
    utimesSync(join(root, file), at, at);
  };
  const run = (env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [join(root, 'scripts', 'buildIfStale.mjs')], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', ...env },
    });

  beforeEach(() => {
    // A project of the same layout, with no TypeScript installed: a build attempt fails loudly.
    root = tempDir('keyledger-stale-');
    for (const dir of ['scripts', 'domain', 'infrastructure', 'projections', 'api/cli', 'dist/api/cli'])
      mkdirSync(join(root, dir), { recursive: true });
    copyFileSync(SCRIPT, join(root, 'scripts', 'buildIfStale.mjs'));
    for (const file of ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'api/main.ts', 'api/cli/main.ts'])
      writeFileSync(join(root, file), '{}');
    for (const file of ['dist/api/main.js', 'dist/api/cli/main.js', 'dist/.tsbuildinfo.build'])
      writeFileSync(join(root, file), '');
    for (const file of ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'api/main.ts', 'api/cli/main.ts'])
      touch(file, 60);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('builds nothing when dist/ is newer than every source', () => {
    const res = run();
    expect(res.status).toBe(0);
    expect(res.stderr).toBe('');
  });

  it('builds when a source changed since the last build', () => {
    touch('dist/.tsbuildinfo.build', 120);
    const res = run();
    expect(res.stderr).toContain('building dist/');
    expect(res.status).not.toBe(0); // no TypeScript here: the attempt is what this test sees
  });

  it('builds nothing with KEYLEDGER_SKIP_BUILD=1, stale or not', () => {
    touch('dist/.tsbuildinfo.build', 120);
    expect(run({ KEYLEDGER_SKIP_BUILD: '1' })).toMatchObject({ status: 0, stderr: '' });
  });

  it('builds when an output is missing', () => {
    rmSync(join(root, 'dist/api/cli/main.js'));
    expect(run().stderr).toContain('building dist/');
  });
});
