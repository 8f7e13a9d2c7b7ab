import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SEAL_SECRET_FILE = 'seal.secret';

/**
 * The secret that seals stored keys: KEY_SEAL_SECRET when given, otherwise one generated
 * once into DATA_DIR with mode 0600. `generated` tells the caller which it was.
 */
export function resolveSealSecret(
  configured: string | undefined,
  dataDir: string,
): { secret: string; source: 'env' | 'file' } {
  if (configured) return { secret: configured, source: 'env' };
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, SEAL_SECRET_FILE);
  try {
    return { secret: readFileSync(file, 'utf8').trim(), source: 'file' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(32).toString('base64url');
  try {
    // 'wx' fails if another process created it meanwhile; then theirs wins.
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    return { secret, source: 'file' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { secret: readFileSync(file, 'utf8').trim(), source: 'file' };
  }
}
