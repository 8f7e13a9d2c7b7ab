import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const SEAL_SECRET_FILE = 'seal.secret';
/** The same minimum as KEY_SEAL_SECRET's (see config.ts). */
export const SEAL_SECRET_MIN_LENGTH = 32;

export class SealSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealSecretError';
  }
}

/** DATA_DIR, created readable by this user only (an existing directory is left as it is). */
export function ensureDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
}

function readSecretFile(file: string): string {
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < SEAL_SECRET_MIN_LENGTH)
    throw new SealSecretError(
      `${file} holds a sealing secret shorter than ${SEAL_SECRET_MIN_LENGTH} characters: ` +
        'replace it with the secret the keys were sealed with, or set KEY_SEAL_SECRET',
    );
  return secret;
}

/**
 * Writes a new secret under a temporary name, then links it to its final name: link fails when
 * the name exists (as O_EXCL would), so of several processes starting at once exactly one
 * secret wins, and the final name only ever points at a complete, synced file.
 */
function createSecretFile(file: string): string {
  const secret = randomBytes(32).toString('base64url');
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, `${secret}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, file);
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readSecretFile(file);
  } finally {
    unlinkSync(temp);
  }
}

/**
 * The secret that seals stored keys: KEY_SEAL_SECRET when given, otherwise the one in
 * DATA_DIR/seal.secret (mode 0600), generated on the first start.
 */
export function resolveSealSecret(
  configured: string | undefined,
  dataDir: string,
): { secret: string; source: 'env' | 'file' } {
  if (configured) {
    if (configured.length < SEAL_SECRET_MIN_LENGTH)
      throw new SealSecretError(`KEY_SEAL_SECRET must be at least ${SEAL_SECRET_MIN_LENGTH} characters`);
    return { secret: configured, source: 'env' };
  }
  ensureDataDir(dataDir);
  const file = join(dataDir, SEAL_SECRET_FILE);
  try {
    return { secret: readSecretFile(file), source: 'file' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return { secret: createSecretFile(file), source: 'file' };
}
