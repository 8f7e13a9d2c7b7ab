import type { Role } from '../domain';
import { upcast } from '../domain';
import type { RecordedEvent } from '../infrastructure/eventStore/port';
import type { KeyView } from './keyView';

export { KEY_STREAM_PREFIX } from '../infrastructure/apiKeyCodec';

const HASH_BYTES = 32;
/** Per slot in `times`: expire, createdAt, updatedAt, lastUsedAt (NaN = never). */
const T_EXPIRE = 0;
const T_CREATED = 1;
const T_UPDATED = 2;
const T_USED = 3;
const TIMES = 4;
const ACTIVE = 1;
const ODD_HASH = 2;
const INITIAL_CAPACITY = 1024;
const NO_KEY_HAS_THIS_ROLE = 1 << 30;

/** The model's state as plain data, for snapshots (see readModelSnapshot.ts). */
export interface ReadModelState {
  checkpoint: bigint;
  count: number;
  aliases: string[];
  names: string[];
  /** count * 32 bytes of SHA-256 digests (zero for a slot whose hash is in oddHashes). */
  hashes: Uint8Array;
  prefixes: string[];
  /** count * 3: expire, createdAt, updatedAt. */
  times: Float64Array;
  revisions: Int32Array;
  flags: Uint8Array;
  roleSetIds: Uint16Array;
  roleSets: string[][];
  oddHashes: Array<[number, string]>;
  /** Slot of each alias, in the order the aliases were first seen. */
  aliasSlots: Int32Array;
}

/** Decodes a base64url SHA-256 digest; undefined when the text is not one (then it is kept as text). */
function decodeHash(keyHash: string): Buffer | undefined {
  if (keyHash.length !== 43) return undefined;
  const bytes = Buffer.from(keyHash, 'base64url');
  return bytes.length === HASH_BYTES && bytes.toString('base64url') === keyHash ? bytes : undefined;
}

function digits(text: string, from: number, length: number): number {
  let value = 0;
  for (let i = from; i < from + length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/** `Date.parse`, with a fast path for the exact `toISOString()` shape events carry. */
export function parseIso(text: string): number {
  if (
    text.length === 24 &&
    text.charCodeAt(4) === 45 /* - */ &&
    text.charCodeAt(7) === 45 &&
    text.charCodeAt(10) === 84 /* T */ &&
    text.charCodeAt(13) === 58 /* : */ &&
    text.charCodeAt(16) === 58 &&
    text.charCodeAt(19) === 46 /* . */ &&
    text.charCodeAt(23) === 90 /* Z */
  ) {
    const year = digits(text, 0, 4);
    const month = digits(text, 5, 2);
    const day = digits(text, 8, 2);
    const hour = digits(text, 11, 2);
    const minute = digits(text, 14, 2);
    const second = digits(text, 17, 2);
    const ms = digits(text, 20, 3);
    if (
      year >= 100 &&
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      hour >= 0 &&
      hour < 24 &&
      minute >= 0 &&
      minute < 60 &&
      second >= 0 &&
      second < 60 &&
      ms >= 0
    ) {
      const t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
      // Date.UTC rolls 31 April over to 1 May where Date.parse says NaN: let it decide those.
      if (day <= 28 || new Date(t).getUTCDate() === day) return t;
    }
  }
  return Date.parse(text);
}

/**
 * The authentication read model: key hash -> key, and alias -> key, in memory.
 * Applying is idempotent (an event at or before the checkpoint, or at or before the
 * key's revision, changes nothing), so it can be replayed from any point.
 *
 * Layout (memory is the constraint: one entry per key, every key in RAM): columns in typed
 * arrays indexed by a slot number, the SHA-256 digests as raw bytes, and an open-addressing
 * index over the digests (they are uniformly random, so their first bytes are the hash).
 * Role lists are interned (a handful of distinct sets) and shared frozen. Views are copies.
 */
export class AuthReadModel {
  private position = 0n;
  private count = 0;
  private capacity = 0;
  private aliases: string[] = [];
  private names: string[] = [];
  private prefixes: string[] = [];
  private hashes = new Uint8Array(0);
  private times = new Float64Array(0);
  private revisions = new Int32Array(0);
  private flags = new Uint8Array(0);
  private roleSetIds = new Uint16Array(0);
  /** Open addressing over the digests: slot + 1, 0 = empty; length a power of two. */
  private index = new Int32Array(0);
  private readonly byAlias = new Map<string, number>();
  /** Hashes that are not base64url SHA-256 digests (only ever seen in tests). */
  private readonly oddHashes = new Map<string, number>();
  private readonly roleSets: Role[][] = [];
  private readonly roleSetMasks: number[] = [];
  private readonly roleSetByKey = new Map<string, number>();
  private readonly roleBits = new Map<string, number>();

  get checkpoint(): bigint {
    return this.position;
  }

  get size(): number {
    return this.byAlias.size;
  }

  findByHash(keyHash: string): KeyView | undefined {
    const slot = this.slotOfHash(keyHash);
    return slot < 0 ? undefined : this.view(slot);
  }

  findByAlias(alias: string): KeyView | undefined {
    const slot = this.byAlias.get(alias);
    return slot === undefined ? undefined : this.view(slot);
  }

  /** Newest first. */
  list(): KeyView[] {
    const views: KeyView[] = [];
    for (const slot of this.byAlias.values()) views.push(this.view(slot));
    return views.sort((a, b) => b.createdAt - a.createdAt || (a.alias < b.alias ? -1 : 1));
  }

  /** Returns true when the event changed the model. */
  apply(recorded: RecordedEvent): boolean {
    if (recorded.position <= this.position) return false;
    this.position = recorded.position;
    const event = upcast(recorded.type, recorded.data);
    if (!event) return false;
    const revision = Number(recorded.revision);
    const slot = this.byAlias.get(event.data.alias);
    if (slot !== undefined && revision <= this.revisions[slot]!) return false;

    switch (event.type) {
      case 'ApiKeyCreated': {
        const d = event.data;
        const s = this.allocate();
        const createdAt = parseIso(d.createdAt);
        this.aliases[s] = d.alias;
        this.names[s] = d.name;
        this.prefixes[s] = d.keyPrefix;
        this.roleSetIds[s] = this.roleSetId(d.roles);
        this.flags[s] = ACTIVE;
        this.revisions[s] = revision;
        const t = s * TIMES;
        this.times[t + T_EXPIRE] = parseIso(d.expire);
        this.times[t + T_CREATED] = createdAt;
        this.times[t + T_UPDATED] = createdAt;
        this.times[t + T_USED] = NaN;
        this.setHash(s, d.keyHash);
        this.byAlias.set(d.alias, s);
        return true;
      }
      case 'ApiKeyRenewed': {
        if (slot === undefined) return false;
        const d = event.data;
        this.names[slot] = d.name;
        this.roleSetIds[slot] = this.roleSetId(d.roles);
        this.times[slot * TIMES + T_EXPIRE] = parseIso(d.expire);
        this.times[slot * TIMES + T_UPDATED] = parseIso(d.renewedAt);
        this.flags[slot]! |= ACTIVE;
        this.revisions[slot] = revision;
        return true;
      }
      case 'ApiKeyRevoked': {
        if (slot === undefined) return false;
        this.flags[slot]! &= ~ACTIVE;
        this.times[slot * TIMES + T_UPDATED] = parseIso(event.data.revokedAt);
        this.revisions[slot] = revision;
        return true;
      }
    }
  }

  /** Records a successful verification; kept in memory only, never as an event. */
  touch(view: KeyView, nowMs: number): void {
    const slot = this.byAlias.get(view.alias);
    if (slot !== undefined) this.times[slot * TIMES + T_USED] = nowMs;
    view.lastUsedAt = nowMs;
  }

  // ---- the verifier's hot path: by digest bytes and slot, no string built ----

  /** The slot holding this SHA-256 digest (32 bytes at `offset`), or -1. */
  slotOfDigest(digest: Uint8Array, offset = 0): number {
    const index = this.index;
    if (index.length === 0) return -1;
    const mask = index.length - 1;
    const hashes = this.hashes;
    let i =
      (digest[offset]! | (digest[offset + 1]! << 8) | (digest[offset + 2]! << 16) | (digest[offset + 3]! << 24)) & mask;
    for (;;) {
      const entry = index[i]!;
      if (entry === 0) return -1;
      const slot = entry - 1;
      const base = slot * HASH_BYTES;
      let k = 0;
      while (k < HASH_BYTES && hashes[base + k] === digest[offset + k]) k++;
      if (k === HASH_BYTES) return slot;
      i = (i + 1) & mask;
    }
  }

  isActive(slot: number): boolean {
    return (this.flags[slot]! & ACTIVE) !== 0;
  }

  expireOf(slot: number): number {
    return this.times[slot * TIMES + T_EXPIRE]!;
  }

  /** Whether the key holds every role of the mask from requiredRoleMask. */
  hasRoles(slot: number, requiredMask: number): boolean {
    return (this.roleSetMasks[this.roleSetIds[slot]!]! & requiredMask) === requiredMask;
  }

  /** A bit per role; a role no key holds gets a bit no key has, so it is never satisfied. */
  requiredRoleMask(roles: readonly string[]): number {
    let mask = 0;
    for (const role of roles) mask |= this.roleBits.get(role) ?? NO_KEY_HAS_THIS_ROLE;
    return mask;
  }

  touchSlot(slot: number, nowMs: number): void {
    this.times[slot * TIMES + T_USED] = nowMs;
  }

  view(slot: number): KeyView {
    const t = slot * TIMES;
    const used = this.times[t + T_USED]!;
    const view: KeyView = {
      alias: this.aliases[slot]!,
      name: this.names[slot]!,
      roles: this.roleSets[this.roleSetIds[slot]!]!,
      active: (this.flags[slot]! & ACTIVE) !== 0,
      expire: this.times[t + T_EXPIRE]!,
      createdAt: this.times[t + T_CREATED]!,
      updatedAt: this.times[t + T_UPDATED]!,
      keyPrefix: this.prefixes[slot]!,
      revision: this.revisions[slot]!,
    };
    if (used === used) view.lastUsedAt = used;
    return view;
  }

  // ---- snapshots ----

  /** A consistent copy of the state (typed arrays copied, strings shared), cheap enough to take inline. */
  exportState(): ReadModelState {
    const n = this.count;
    const times = new Float64Array(n * 3);
    for (let s = 0; s < n; s++) {
      times[s * 3] = this.times[s * TIMES + T_EXPIRE]!;
      times[s * 3 + 1] = this.times[s * TIMES + T_CREATED]!;
      times[s * 3 + 2] = this.times[s * TIMES + T_UPDATED]!;
    }
    const oddHashes: Array<[number, string]> = [];
    for (const [hash, slot] of this.oddHashes) oddHashes.push([slot, hash]);
    return {
      checkpoint: this.position,
      count: n,
      aliases: this.aliases.slice(0, n),
      names: this.names.slice(0, n),
      hashes: this.hashes.slice(0, n * HASH_BYTES),
      prefixes: this.prefixes.slice(0, n),
      times,
      revisions: this.revisions.slice(0, n),
      flags: this.flags.slice(0, n),
      roleSetIds: this.roleSetIds.slice(0, n),
      roleSets: this.roleSets.map((r) => [...r]),
      oddHashes,
      aliasSlots: Int32Array.from(this.byAlias.values()),
    };
  }

  /** Replaces the whole state with a snapshot's (validated by the caller's format checks). */
  static fromState(state: ReadModelState): AuthReadModel {
    const model = new AuthReadModel();
    const n = state.count;
    model.grow(Math.max(n, INITIAL_CAPACITY));
    model.count = n;
    model.position = state.checkpoint;
    for (const roles of state.roleSets) model.roleSetId(roles as Role[]);
    for (let s = 0; s < n; s++) {
      model.aliases[s] = state.aliases[s]!;
      model.names[s] = state.names[s]!;
      model.prefixes[s] = state.prefixes[s]!;
      const t = s * TIMES;
      model.times[t + T_EXPIRE] = state.times[s * 3]!;
      model.times[t + T_CREATED] = state.times[s * 3 + 1]!;
      model.times[t + T_UPDATED] = state.times[s * 3 + 2]!;
      model.times[t + T_USED] = NaN;
      const setId = state.roleSetIds[s]!;
      if (setId >= model.roleSets.length) throw new Error('snapshot: role set out of range');
      model.roleSetIds[s] = setId;
    }
    model.hashes.set(state.hashes.subarray(0, n * HASH_BYTES));
    model.revisions.set(state.revisions.subarray(0, n));
    model.flags.set(state.flags.subarray(0, n));
    for (const [slot, hash] of state.oddHashes) {
      if (!(slot >= 0 && slot < n)) throw new Error('snapshot: odd hash slot out of range');
      model.oddHashes.set(hash, slot);
    }
    for (const slot of state.aliasSlots) {
      if (!(slot >= 0 && slot < n)) throw new Error('snapshot: alias slot out of range');
      model.byAlias.set(model.aliases[slot]!, slot);
    }
    model.rebuildIndex();
    return model;
  }

  // ---- internals ----

  private digestText(slot: number): string {
    return Buffer.from(this.hashes.buffer, this.hashes.byteOffset + slot * HASH_BYTES, HASH_BYTES).toString(
      'base64url',
    );
  }

  private slotOfHash(keyHash: string): number {
    const bytes = decodeHash(keyHash);
    if (bytes) return this.slotOfDigest(bytes);
    return this.oddHashes.get(keyHash) ?? -1;
  }

  private allocate(): number {
    if (this.count === this.capacity) this.grow(Math.max(INITIAL_CAPACITY, this.capacity * 2));
    return this.count++;
  }

  private grow(capacity: number): void {
    const copy = <T extends Uint8Array | Int32Array | Float64Array | Uint16Array>(
      old: T,
      make: (n: number) => T,
      per: number,
    ): T => {
      const next = make(capacity * per);
      next.set(old.subarray(0, this.count * per) as never);
      return next;
    };
    this.hashes = copy(this.hashes, (n) => new Uint8Array(n), HASH_BYTES);
    this.times = copy(this.times, (n) => new Float64Array(n), TIMES);
    this.revisions = copy(this.revisions, (n) => new Int32Array(n), 1);
    this.flags = copy(this.flags, (n) => new Uint8Array(n), 1);
    this.roleSetIds = copy(this.roleSetIds, (n) => new Uint16Array(n), 1);
    this.capacity = capacity;
  }

  private setHash(slot: number, keyHash: string): void {
    const bytes = decodeHash(keyHash);
    if (!bytes) {
      this.flags[slot]! |= ODD_HASH;
      this.oddHashes.set(keyHash, slot);
      return;
    }
    this.hashes.set(bytes, slot * HASH_BYTES);
    if ((this.count + 1) * 2 > this.index.length) this.rebuildIndex();
    else this.indexSlot(slot);
  }

  /** Index length: a power of two at least twice the slots (load <= 0.5). */
  private rebuildIndex(): void {
    let length = 2048;
    while (length < this.capacity * 2) length *= 2;
    this.index = new Int32Array(length);
    for (let s = 0; s < this.count; s++) if ((this.flags[s]! & ODD_HASH) === 0) this.indexSlot(s);
  }

  /** Inserts the slot's digest; a digest already present now points to this slot. */
  private indexSlot(slot: number): void {
    const index = this.index;
    const mask = index.length - 1;
    const h = this.hashes;
    const base = slot * HASH_BYTES;
    let i = (h[base]! | (h[base + 1]! << 8) | (h[base + 2]! << 16) | (h[base + 3]! << 24)) & mask;
    for (;;) {
      const entry = index[i]!;
      if (entry === 0 || this.sameHash(entry - 1, slot)) {
        index[i] = slot + 1;
        return;
      }
      i = (i + 1) & mask;
    }
  }

  private sameHash(a: number, b: number): boolean {
    const h = this.hashes;
    for (let k = 0; k < HASH_BYTES; k++) if (h[a * HASH_BYTES + k] !== h[b * HASH_BYTES + k]) return false;
    return true;
  }

  private roleBit(role: string): number {
    let bit = this.roleBits.get(role);
    if (bit === undefined) {
      bit = 1 << Math.min(this.roleBits.size, 29);
      this.roleBits.set(role, bit);
    }
    return bit;
  }

  private roleSetId(roles: readonly Role[]): number {
    const key = roles.join(',');
    let id = this.roleSetByKey.get(key);
    if (id === undefined) {
      id = this.roleSets.length;
      if (id > 0xffff) throw new Error('too many distinct role sets');
      this.roleSets.push(Object.freeze([...roles]) as Role[]);
      let mask = 0;
      for (const role of roles) mask |= this.roleBit(role);
      this.roleSetMasks.push(mask);
      this.roleSetByKey.set(key, id);
    }
    return id;
  }

  /** The key hash of a slot, as events carry it (base64url), for snapshots and tests. */
  hashOf(slot: number): string {
    if ((this.flags[slot]! & ODD_HASH) === 0) return this.digestText(slot);
    for (const [hash, s] of this.oddHashes) if (s === slot) return hash;
    return '';
  }
}
