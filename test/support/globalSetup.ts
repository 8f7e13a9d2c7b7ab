import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
export const BUILT_MAIN = join(ROOT, 'dist', 'api', 'main.js');

/**
 * Builds dist/ once per jest run, for tests that spawn `node dist/api/main.js` (shutdown,
 * configuration, crash). Type errors do not stop it: tsc still emits, and `npm run typecheck`
 * reports them. KEYLEDGER_SKIP_BUILD=1 skips the build: unit tests need none (npm run test:unit),
 * and integration tests can use a dist/ known to be fresh.
 */
export default function globalSetup(): void {
  if (process.env.KEYLEDGER_SKIP_BUILD === '1') return;
  try {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
      cwd: ROOT,
      stdio: 'pipe',
    });
  } catch (error) {
    if (!existsSync(BUILT_MAIN)) throw error;
    const out = (error as { stdout?: Buffer }).stdout?.toString() ?? '';
    process.stderr.write(`globalSetup: tsc reported errors; using the emitted dist/\n${out.slice(0, 2000)}\n`);
  }
}
