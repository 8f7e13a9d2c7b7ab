import { evolve, initialState, statusAt, type ApiKeyState, type Role, type VerificationCode } from '../../domain';
import { apiKeyCodec, aliasOfStream } from '../../infrastructure/eventStore/apiKeyCodec';
import type { RecordedEvent } from '../../infrastructure/eventStore/port';
import { hashKey, isMalformedKey } from '../../infrastructure/keys/keyCrypto';

export type { VerificationCode };

/** A key's domain state once it exists (created, maybe revoked). */
export type KeyState = Exclude<ApiKeyState, { status: 'absent' }>;

/**
 * One key as the read model holds it: its domain state, folded with `evolve`, the stream
 * revision it was folded to, and its last use. Answers pick their fields from it (see the
 * presenters): the key hash is the model's index and never shown; the sealed copy of the key
 * is not kept here (the read model never needs to open it).
 */
export type KeyView = KeyState & {
  readonly revision: number;
  /** Last successful verification seen by this instance (memory only). */
  lastUsedAt?: number;
};

/**
 * The view of a state that `evolve` just returned: completed in place rather than copied,
 * as evolve returns a fresh object (one allocation less per event on a replay).
 */
export function toView(state: KeyState, revision: number, lastUsedAt?: number): KeyView {
  const view = state as KeyState & { revision: number; lastUsedAt?: number };
  view.sealedKey = '';
  view.revision = revision;
  if (lastUsedAt !== undefined) view.lastUsedAt = lastUsedAt;
  return view;
}

/** Every key hash that names this key: the current one, and the one the last rotation replaced. */
export function keyHashesOf(state: KeyState): string[] {
  return state.previousKey ? [state.keyHash, state.previousKey.keyHash] : [state.keyHash];
}

/**
 * The authentication read model: key hash -> alias -> key view, in memory.
 * Each key event is upcast by the one codec and folded with the domain's own `evolve`; the
 * view is the folded state and its revision. Applying is idempotent (an event at or before
 * the checkpoint, or at or before the key's revision, changes nothing), so the model can be
 * replayed from any point and rebuilt from the log.
 */
export class AuthReadModel {
  private position = 0n;
  /** Events that changed the model so far (snapshots are written when enough did). */
  changes = 0;
  private readonly byAlias = new Map<string, KeyView>();
  private readonly aliasByHash = new Map<string, string>();

  get checkpoint(): bigint {
    return this.position;
  }

  get size(): number {
    return this.byAlias.size;
  }

  /** The alias (stream) a key hash belongs to. */
  aliasOfHash(keyHash: string): string | undefined {
    return this.aliasByHash.get(keyHash);
  }

  findByHash(keyHash: string): KeyView | undefined {
    const alias = this.aliasByHash.get(keyHash);
    return alias === undefined ? undefined : this.byAlias.get(alias);
  }

  findByAlias(alias: string): KeyView | undefined {
    return this.byAlias.get(alias);
  }

  /** Newest first. */
  list(): KeyView[] {
    return Array.from(this.byAlias.values()).sort((a, b) => b.createdAt - a.createdAt || (a.alias < b.alias ? -1 : 1));
  }

  /** Returns true when the event changed the model. */
  apply(recorded: RecordedEvent): boolean {
    if (recorded.position <= this.position) return false;
    this.position = recorded.position;
    const event = apiKeyCodec.fromRecorded(recorded);
    if (!event) return false;
    const alias = aliasOfStream(recorded.streamName);
    const revision = Number(recorded.revision);
    const before = this.byAlias.get(alias);
    if (before && revision <= before.revision) return false;
    const state = evolve(before ?? initialState(), event);
    if (state.status === 'absent') return false;
    this.put(alias, toView(state, revision, before?.lastUsedAt), before);
    this.changes++;
    return true;
  }

  /** Empties the model, to rebuild it from the start of the log. */
  reset(): void {
    this.position = 0n;
    this.byAlias.clear();
    this.aliasByHash.clear();
  }

  /** Every key by alias: what a snapshot keeps. */
  entries(): IterableIterator<[string, KeyView]> {
    return this.byAlias.entries();
  }

  /** A model holding these keys at this checkpoint (from a snapshot). */
  static restore(checkpoint: bigint, keys: Iterable<readonly [string, KeyView]>): AuthReadModel {
    const model = new AuthReadModel();
    model.position = checkpoint;
    for (const [alias, view] of keys) model.put(alias, view, undefined);
    return model;
  }

  private put(alias: string, view: KeyView, before: KeyView | undefined): void {
    if (before) for (const hash of keyHashesOf(before)) this.aliasByHash.delete(hash);
    this.byAlias.set(alias, view);
    for (const hash of keyHashesOf(view)) this.aliasByHash.set(hash, alias);
  }
}

export interface Verification {
  readonly code: VerificationCode;
  /** Present whenever the key was found, valid or not. */
  readonly view?: KeyView;
}

const STATUS_CODE = { active: 'VALID', expired: 'EXPIRED', revoked: 'REVOKED', rotated: 'ROTATED' } as const;

/**
 * The hot path: shape and checksum, SHA-256, one map lookup, status and roles.
 * The lookup is by digest, so no secret is compared directly. Strings of any format are
 * looked up (imported keys have none); only a string carrying the configured prefix must
 * pass the checksum, so a mistyped issued key is refused without a lookup.
 */
export class KeyVerifier {
  constructor(
    private readonly readModel: AuthReadModel,
    private readonly keyPrefix: string,
  ) {}

  /** Every role in `requiredRoles` must be held. */
  verify(key: string, requiredRoles: readonly Role[] = [], nowMs = Date.now()): Verification {
    if (isMalformedKey(key, this.keyPrefix)) return { code: 'MALFORMED' };
    const keyHash = hashKey(key);
    const view = this.readModel.findByHash(keyHash);
    if (!view) return { code: 'NOT_FOUND' };
    const presented = view.previousKey?.keyHash === keyHash ? 'previous' : 'current';
    const code = STATUS_CODE[statusAt(view, nowMs, presented)];
    if (code !== 'VALID') return { code, view };
    if (!requiredRoles.every((role) => view.roles.includes(role))) return { code: 'INSUFFICIENT_ROLE', view };
    view.lastUsedAt = nowMs;
    return { code, view };
  }
}
