/* global process */
// Builds dist/ only when a source is newer than the last build, so that `npm start` and
// `npm run apikey` compile nothing on a tree built at install (`prepare`).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MARKER = join(ROOT, 'dist', '.tsbuildinfo.build');
const SOURCES = ['domain', 'infrastructure', 'projections', 'api'];
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json', 'package.json'];
const OUTPUTS = [join(ROOT, 'dist', 'api', 'main.js'), join(ROOT, 'dist', 'api', 'cli', 'main.js')];

function newestIn(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestIn(path));
    else if (/\.(ts|html|css|svg)$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function builtAt() {
  try {
    return statSync(MARKER).mtimeMs;
  } catch {
    return -1;
  }
}

// The admin console (api/console/build.mjs, esbuild) is built with dist/, and when its bundle is missing.
const CONSOLE_BUILD = join(ROOT, 'api', 'console', 'build.mjs');
const hasConsole = existsSync(CONSOLE_BUILD);
const consoleMissing = hasConsole && !existsSync(join(ROOT, 'dist', 'console', 'app.js'));

const newestSource = Math.max(
  ...SOURCES.map((dir) => newestIn(join(ROOT, dir))),
  ...CONFIGS.map((file) => statSync(join(ROOT, file)).mtimeMs),
);
// tsc's incremental build does not re-emit an output deleted behind its back: start it afresh then.
if (!OUTPUTS.every((file) => existsSync(file))) rmSync(MARKER, { force: true });
// KEYLEDGER_SKIP_BUILD=1: dist/ is known to be fresh (the test suite builds it once, then runs `npm start`).
if (process.env.KEYLEDGER_SKIP_BUILD !== '1' && (builtAt() < newestSource || consoleMissing)) {
  process.stderr.write('keyledger: sources changed since the last build; building dist/ ...\n');
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  await import('./binMode.mjs');
  if (hasConsole) execFileSync(process.execPath, [CONSOLE_BUILD], { cwd: ROOT, stdio: 'inherit' });
  // tsc leaves its build info alone when nothing but a file's time changed.
  const now = new Date();
  utimesSync(MARKER, now, now);
}
