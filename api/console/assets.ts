import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The files of the built console (dist/console), by the name they are served under. */
export const CONSOLE_FILES = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
} as const;
export type ConsoleFile = keyof typeof CONSOLE_FILES;

/** The package root: the nearest folder above this file holding package.json (from api/ and dist/api/ alike). */
function packageRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + __dirname);
    dir = parent;
  }
  return dir;
}

const ROOT = packageRoot();
export const CONSOLE_DIR = join(ROOT, 'dist', 'console');

/** The version field of the package.json this service runs from. */
export function packageVersion(): string {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version?: unknown };
  return typeof version === 'string' ? version : 'unknown';
}

/** Reads the built files once; undefined when `npm run build` has not built the console. */
export function loadConsoleAssets(dir = CONSOLE_DIR): Map<ConsoleFile, Buffer> | undefined {
  const assets = new Map<ConsoleFile, Buffer>();
  for (const name of Object.keys(CONSOLE_FILES) as ConsoleFile[]) {
    const file = join(dir, name);
    if (!existsSync(file)) return undefined;
    assets.set(name, readFileSync(file));
  }
  return assets;
}
