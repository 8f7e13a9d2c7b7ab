import type { KeyMeta, Role } from '../../domain';
import { InvalidCommandError } from '../../domain';
import { displayPrefix, hashKey } from '../keys/keyCrypto';
import type { CommandOrigin, KeyService } from './keyCommands';

export const IMPORT_BATCH_MAX = 1000;

/** One parsed key to import: exactly one of `key` (plaintext) or `keySha256` (hex digest). */
export interface ImportItem {
  alias: string;
  name: string;
  roles: Role[];
  key?: string;
  keySha256?: string;
  /** Epoch milliseconds. */
  expire?: number;
  isActive?: boolean;
  owner?: string | null;
  meta?: KeyMeta | null;
}

export interface ImportError {
  index: number;
  error: string;
}

export interface ImportReport {
  imported: number;
  skipped: number;
  errors: ImportError[];
}

/** Keys imported at once; the embedded store commits concurrent appends together. */
const CONCURRENCY = 64;

/**
 * Imports each item as its own command on its alias's stream. A refused item is reported
 * by index and the others go on; a store failure stops the import (a re-run skips what landed).
 */
export async function importKeys(
  service: KeyService,
  items: ReadonlyArray<{ index: number; item: ImportItem }>,
  origin: CommandOrigin,
): Promise<ImportReport> {
  const report: ImportReport = { imported: 0, skipped: 0, errors: [] };
  let last = -1n;
  let next = 0;
  // Items run concurrently, so the read model cannot yet tell of a key held by an earlier item.
  const holders = new Map<string, string>();
  const worker = async () => {
    while (next < items.length) {
      const { index, item } = items[next++]!;
      try {
        const result = await importOne(service, item, origin, holders);
        if (result === undefined) report.skipped++;
        else {
          report.imported++;
          if (result > last) last = result;
        }
      } catch (error) {
        if (!(error instanceof InvalidCommandError)) throw error;
        report.errors.push({ index, error: error.message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
  if (last >= 0n) await service.directory.waitForPosition(last);
  report.errors.sort((a, b) => a.index - b.index);
  return report;
}

/** The appended position, or undefined when the alias already held this key. */
async function importOne(
  service: KeyService,
  item: ImportItem,
  origin: CommandOrigin,
  holders: Map<string, string>,
): Promise<bigint | undefined> {
  const { key, keySha256, ...rest } = item;
  if ((key === undefined) === (keySha256 === undefined))
    throw new InvalidCommandError('exactly one of key or key_sha256 is required');
  const keyHash = key !== undefined ? hashKey(key) : Buffer.from(keySha256!, 'hex').toString('base64url');
  const holder = service.directory.aliasOfKeyHash(keyHash) ?? holders.get(keyHash);
  if (holder !== undefined && holder !== item.alias) throw new InvalidCommandError('key belongs to another alias');
  holders.set(keyHash, item.alias);
  const result = await service.execute(
    {
      type: 'ImportKey',
      data: {
        ...rest,
        keyHash,
        keyPrefix: key !== undefined ? displayPrefix(key) : null,
        sealedKey: key !== undefined ? service.sealer.seal(key, keyHash) : null,
      },
    },
    origin,
  );
  return result.appended?.position;
}
