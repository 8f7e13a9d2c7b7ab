import { createHash } from 'node:crypto';
import { KeyNotFoundError } from '../../domain';
import type { CommandOrigin, KeyService } from '../commands/keyCommands';
import { hashKey } from '../keys/keyCrypto';

/** One item of a secret-scanning report (GitHub's partner payload). */
export interface LeakReportItem {
  token: string;
  type: string;
  url?: string | null;
  source?: string | null;
}

export interface LeakLabel {
  token_hash: string;
  token_type: string;
  label: 'true_positive' | 'false_positive';
}

/** Leak response: reports from a secret-scanning program, and revocation by whoever holds a key. */
export class LeakService {
  constructor(
    private readonly keys: KeyService,
    private readonly settings: { autoRevoke: boolean },
  ) {}

  /**
   * Labels each reported token: true_positive when it is a key of ours that works now (then an
   * ApiKeyLeakReported is recorded, with ApiKeyRevoked unless automatic revocation is off).
   */
  async report(items: readonly LeakReportItem[], origin: CommandOrigin): Promise<LeakLabel[]> {
    const labels: LeakLabel[] = [];
    for (const item of items) {
      const url = item.url ?? null;
      const source = item.source ?? null;
      const found = await this.leak(item.token, { ...origin, details: { sourceUrl: url, source } }, { url, source });
      labels.push({
        token_hash: createHash('sha256').update(item.token).digest('hex'),
        token_type: item.type,
        label: found ? 'true_positive' : 'false_positive',
      });
    }
    return labels;
  }

  /** Revokes every presented key that works now; says nothing about which did. */
  async revokeLeaked(credentials: readonly string[], origin: CommandOrigin): Promise<void> {
    for (const credential of new Set(credentials))
      await this.leak(credential, origin, { url: null, source: 'revoke-leaked' }, true);
  }

  private async leak(
    token: string,
    origin: CommandOrigin,
    where: { url: string | null; source: string | null },
    revoke = this.settings.autoRevoke,
  ): Promise<boolean> {
    const keyHash = hashKey(token);
    const alias = this.keys.directory.aliasOfKeyHash(keyHash);
    if (alias === undefined) return false;
    try {
      const result = await this.keys.execute(
        { type: 'ReportKeyLeak', data: { alias, keyHash, ...where, revoke } },
        origin,
      );
      await this.keys.directory.waitForPosition(result.appended!.position);
      return true;
    } catch (error) {
      if (error instanceof KeyNotFoundError) return false;
      throw error;
    }
  }
}
