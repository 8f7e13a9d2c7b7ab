import type {
  ApiKeyCommand,
  CreateOrRenewKey,
  DecideContext,
  ImportKey,
  ReportKeyLeak,
  RevokeKey,
  RotateKey,
} from './commands';
import type { ApiKeyEvent } from './events';
import type { ApiKeyState, KeyState } from './state';
import { evolve, initialState, statusAt } from './state';
import {
  InvalidCommandError,
  graceSecondsOf,
  normalizeAlias,
  normalizeMeta,
  normalizeName,
  normalizeOwner,
  normalizeRoles,
  replaced,
  ttlSecondsOf,
} from './validation';

export class KeyNotFoundError extends Error {
  constructor() {
    super('API key not found');
    this.name = 'KeyNotFoundError';
  }
}

export const ALIAS_TAKEN_MESSAGE = 'alias exists with another key';

export interface Decider<Command, Event, State, Context> {
  decide(command: Command, state: State, context: Context): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Expiry from now, for a lifetime asked for (or the default). */
function expiryOf(ttlSeconds: unknown, ctx: DecideContext): number {
  const ttl = ttlSecondsOf(ttlSeconds, ctx.defaultTtlSeconds, ctx.maxTtlSeconds);
  if (!(ttl > 0)) throw new InvalidCommandError('ttl must be positive');
  return ctx.now.getTime() + ttl * 1000;
}

function sameStream(state: KeyState, alias: string): void {
  if (state.alias !== alias) throw new InvalidCommandError('alias does not match the stream');
}

function createOrRenew({ data }: CreateOrRenewKey, state: ApiKeyState, ctx: DecideContext): ApiKeyEvent[] {
  const alias = normalizeAlias(data.alias);
  const name = normalizeName(data.name);
  const roles = normalizeRoles(data.roles);
  const expire = iso(expiryOf(data.ttlSeconds, ctx));
  const at = ctx.now.toISOString();
  if (state.status === 'absent') {
    const { keyHash, keyPrefix, sealedKey } = data.candidate;
    const owner = replaced(data.owner, null, normalizeOwner);
    const meta = replaced(data.meta, null, normalizeMeta);
    return [
      {
        type: 'ApiKeyCreated',
        data: { alias, name, roles, keyHash, keyPrefix, sealedKey, expire, createdAt: at, owner, meta },
      },
    ];
  }
  sameStream(state, alias);
  const owner = replaced(data.owner, state.owner, normalizeOwner);
  const meta = replaced(data.meta, state.meta, normalizeMeta);
  const reactivated = state.status === 'revoked';
  return [{ type: 'ApiKeyRenewed', data: { alias, name, roles, expire, renewedAt: at, reactivated, owner, meta } }];
}

function rotate({ data }: RotateKey, state: ApiKeyState, ctx: DecideContext): ApiKeyEvent[] {
  // The stream is the alias's: a rotation names an existing key, so no alias rule applies here.
  if (state.status !== 'active') throw new KeyNotFoundError();
  const grace = graceSecondsOf(data.graceSeconds);
  const expire = expiryOf(data.ttlSeconds, ctx);
  const owner = replaced(data.owner, state.owner, normalizeOwner);
  const meta = replaced(data.meta, state.meta, normalizeMeta);
  const { keyHash, keyPrefix, sealedKey } = data.newKey;
  // The old string never outlives the new one.
  const previousKeyValidUntil = grace === 0 ? null : iso(Math.min(ctx.now.getTime() + grace * 1000, expire));
  return [
    {
      type: 'ApiKeyRotated',
      data: {
        alias: state.alias,
        keyHash,
        keyPrefix,
        sealedKey,
        expire: iso(expire),
        rotatedAt: ctx.now.toISOString(),
        previousKeyValidUntil,
        owner,
        meta,
      },
    },
  ];
}

/** Which of the alias's strings has this digest while it still works; KeyNotFoundError when none. */
function presented(
  state: ApiKeyState,
  keyHash: string,
  nowMs: number,
): KeyState & { presented: 'current' | 'previous' } {
  // Revoking needs an active key (expired-but-not-revoked counts, as in the seed); a second
  // revoke, or a string that is not this alias's, is "not found".
  if (state.status !== 'active') throw new KeyNotFoundError();
  if (keyHash === state.keyHash) return { ...state, presented: 'current' };
  if (keyHash === state.previousKey?.keyHash && statusAt(state, nowMs, 'previous') !== 'rotated')
    return { ...state, presented: 'previous' };
  throw new KeyNotFoundError();
}

function revoke({ data }: RevokeKey, state: ApiKeyState, ctx: DecideContext): ApiKeyEvent[] {
  if (state.status !== 'active') throw new KeyNotFoundError();
  if (data.keyHash !== undefined) presented(state, data.keyHash, ctx.now.getTime());
  return [{ type: 'ApiKeyRevoked', data: { alias: state.alias, revokedAt: ctx.now.toISOString() } }];
}

/** A leak of a string that works now: reported, and revoked with it unless the report says not to. */
function reportLeak({ data }: ReportKeyLeak, state: ApiKeyState, ctx: DecideContext): ApiKeyEvent[] {
  const key = presented(state, data.keyHash, ctx.now.getTime());
  const at = ctx.now.toISOString();
  const keyPrefix = key.presented === 'current' ? key.keyPrefix : (key.previousKey?.keyPrefix ?? null);
  const events: ApiKeyEvent[] = [
    {
      type: 'ApiKeyLeakReported',
      data: { alias: key.alias, keyPrefix, url: data.url, source: data.source, reportedAt: at },
    },
  ];
  if (data.revoke) events.push({ type: 'ApiKeyRevoked', data: { alias: key.alias, revokedAt: at } });
  return events;
}

function importKey({ data }: ImportKey, state: ApiKeyState, ctx: DecideContext): ApiKeyEvent[] {
  const alias = normalizeAlias(data.alias);
  const name = normalizeName(data.name);
  const roles = normalizeRoles(data.roles);
  const owner = replaced(data.owner, null, normalizeOwner);
  const meta = replaced(data.meta, null, normalizeMeta);
  if (!data.keyHash) throw new InvalidCommandError('key or key_sha256 is required');
  if (state.status !== 'absent') {
    sameStream(state, alias);
    // The same key again is a harmless re-run; another key is never overwritten.
    if (state.keyHash === data.keyHash) return [];
    throw new InvalidCommandError(ALIAS_TAKEN_MESSAGE);
  }
  const expire = data.expire ?? expiryOf(undefined, ctx);
  if (!Number.isFinite(expire)) throw new InvalidCommandError('expire must be an ISO-8601 time');
  return [
    {
      type: 'ApiKeyImported',
      data: {
        alias,
        name,
        roles,
        keyHash: data.keyHash,
        keyPrefix: data.keyPrefix,
        sealedKey: data.sealedKey,
        expire: iso(expire),
        active: data.isActive ?? true,
        importedAt: ctx.now.toISOString(),
        owner,
        meta,
      },
    },
  ];
}

export function decide(command: ApiKeyCommand, state: ApiKeyState, ctx: DecideContext): ApiKeyEvent[] {
  switch (command.type) {
    case 'CreateOrRenewKey':
      return createOrRenew(command, state, ctx);
    case 'RotateKey':
      return rotate(command, state, ctx);
    case 'RevokeKey':
      return revoke(command, state, ctx);
    case 'ImportKey':
      return importKey(command, state, ctx);
    case 'ReportKeyLeak':
      return reportLeak(command, state, ctx);
  }
}

export const apiKeyDecider: Decider<ApiKeyCommand, ApiKeyEvent, ApiKeyState, DecideContext> = {
  decide,
  evolve,
  initialState,
};
