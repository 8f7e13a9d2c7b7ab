import { createHash } from 'node:crypto';
import { isMalformedKey } from '../../infrastructure/keys/keyCrypto';
import type { Role, VerifyAnswer } from './verifyAnswer';
import { ChangeFeed } from './changeFeed';
import { VERIFICATION_CODES } from '../../domain/verification';

/** Why the service could not answer; callers must then refuse (fail closed). */
export class VerifierUnavailableError extends Error {
  constructor(
    message: string,
    /** Seconds, when the service asked the caller to slow down (429). */
    readonly retryAfter?: string,
  ) {
    super(message);
    this.name = 'VerifierUnavailableError';
  }
}

export interface RemoteVerifierOptions {
  verifyUrl: string;
  /** The service's APIKEY_PREFIX (default `ak`): a key with that prefix but a bad checksum, an empty key or one over 512 characters is refused here. */
  keyPrefix?: string;
  /** How long an answer is reused; capped at MAX_CACHE_TTL_MS so a revocation takes effect within seconds. */
  cacheTtlMs?: number;
  timeoutMs?: number;
  maxEntries?: number;
  /**
   * A key holding the agent (or admin) role: subscribes to keyledger's change feed, which evicts
   * a key's cached answers as soon as it changes; while the feed is connected, answers are kept
   * for feedCacheTtlMs instead of cacheTtlMs.
   */
  changesKey?: string;
  /** Default: verifyUrl with /verify replaced by /changes. */
  changesUrl?: string;
  /** Default 60 s, at most MAX_FEED_CACHE_TTL_MS. */
  feedCacheTtlMs?: number;
}

export const MAX_CACHE_TTL_MS = 5_000;
export const MAX_FEED_CACHE_TTL_MS = 600_000;
const CODES: ReadonlySet<string> = new Set(VERIFICATION_CODES);

const MALFORMED: Readonly<VerifyAnswer> = Object.freeze({
  valid: false,
  code: 'MALFORMED',
  alias: null,
  name: null,
  roles: null,
  expire: null,
  owner: null,
  meta: null,
});

function isAnswer(body: unknown): body is VerifyAnswer {
  const b = body as Partial<VerifyAnswer> | null;
  return typeof b === 'object' && b !== null && typeof b.valid === 'boolean' && CODES.has(String(b.code));
}

/**
 * Asks a keyledger service, with a small in-memory cache keyed by the key's digest
 * (the plaintext is never kept). A key of the wrong shape or checksum is refused locally,
 * so garbage never costs a call (nor counts against the caller's address at the service).
 * Any failure to get a well-formed answer throws.
 */
export class RemoteVerifier {
  private readonly cache = new Map<string, { answer: VerifyAnswer; until: number }>();
  /** Cache ids by the alias they answered, so that a change of that key evicts them. */
  private readonly idsByAlias = new Map<string, Set<string>>();
  /** Changes seen so far: an answer fetched while one arrived may predate it and is not cached. */
  private changesSeen = 0;
  readonly feed: ChangeFeed | undefined;
  private readonly feedTtlMs: number;
  private readonly ttlMs: number;
  private readonly timeoutMs: number;
  private readonly maxEntries: number;
  private readonly keyPrefix: string;

  constructor(private readonly options: RemoteVerifierOptions) {
    this.ttlMs = Math.min(Math.max(options.cacheTtlMs ?? 2_000, 0), MAX_CACHE_TTL_MS);
    this.timeoutMs = options.timeoutMs ?? 2_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.keyPrefix = options.keyPrefix ?? 'ak';
    this.feedTtlMs = Math.min(Math.max(options.feedCacheTtlMs ?? 60_000, 0), MAX_FEED_CACHE_TTL_MS);
    if (options.changesKey)
      this.feed = new ChangeFeed({
        url: options.changesUrl ?? options.verifyUrl.replace(/\/verify$/, '/changes'),
        key: options.changesKey,
        onChange: (alias) => this.evict(alias),
        onReset: () => this.clear(),
      });
  }

  private evict(alias: string): void {
    this.changesSeen++;
    for (const id of this.idsByAlias.get(alias) ?? []) this.cache.delete(id);
    this.idsByAlias.delete(alias);
  }

  private clear(): void {
    this.changesSeen++;
    this.cache.clear();
    this.idsByAlias.clear();
  }

  async close(): Promise<void> {
    await this.feed?.close();
  }

  /** `clientIp`: the end client's address, sent as `client_ip` so that the service limits failures per end client. */
  async verify(key: string, roles: readonly Role[] = [], clientIp?: string): Promise<VerifyAnswer> {
    if (isMalformedKey(key, this.keyPrefix)) return MALFORMED;
    const id = `${createHash('sha256').update(key).digest('base64url')}|${[...roles].sort().join(',')}`;
    const now = Date.now();
    const hit = this.cache.get(id);
    if (hit && hit.until > now) return hit.answer;
    const changesBefore = this.changesSeen;

    let response: Response;
    try {
      response = await fetch(this.options.verifyUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(clientIp ? { key, roles, client_ip: clientIp } : { key, roles }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch {
      throw new VerifierUnavailableError('key verification service unreachable');
    }
    if (response.status === 429)
      throw new VerifierUnavailableError('too many failed verifications', response.headers.get('retry-after') ?? '1');
    const body: unknown = response.ok ? await response.json().catch(() => undefined) : undefined;
    if (!isAnswer(body)) throw new VerifierUnavailableError(`key verification service answered ${response.status}`);

    // A valid answer is not reused past the key's own expiry.
    const expire = body.expire ? Date.parse(body.expire) : Number.POSITIVE_INFINITY;
    const ttl = this.feed?.connected ? this.feedTtlMs : this.ttlMs;
    const until = Math.min(now + ttl, body.valid ? expire : Number.POSITIVE_INFINITY);
    if (ttl > 0 && this.changesSeen === changesBefore) {
      if (this.cache.size >= this.maxEntries) this.clear();
      this.cache.set(id, { answer: body, until });
      if (body.alias !== null) {
        let ids = this.idsByAlias.get(body.alias);
        if (!ids) this.idsByAlias.set(body.alias, (ids = new Set()));
        ids.add(id);
      }
    }
    return body;
  }
}
