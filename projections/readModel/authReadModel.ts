import type { Role } from '../../domain';
import { upcast } from '../../domain';
import type { RecordedEvent } from '../../infrastructure/eventStore/port';
import type { KeyView } from './keyView';

export { KEY_STREAM_PREFIX } from '../../infrastructure/eventStore/apiKeyCodec';

const HASH_BYTES = 32;
/** Per slot in `times`: expire, createdAt, updatedAt. */
const T_EXPIRE = 0;
const T_CREATED = 1;
const T_UPDATED = 2;
const TIMES = 3;
/** Smallest text buffer. */
const TEXT_MIN = 64 * 1024;
const ACTIVE = 1;
const ODD_HASH = 2;
const INITIAL_CAPACITY = 1024;
const NO_KEY_HAS_THIS_ROLE = 1 << 30;
/** Up to this many distinct role sets, an event's roles are matched by a scan (no string built). */
const ROLE_SET_SCAN = 64;
/** Digest decoding scratch for lookups by text. */
const SCRATCH = new Uint8Array(HASH_BYTES);

/** The model's state as plain data, for snapshots (see readModelSnapshot.ts). */
export interface ReadModelState {
  checkpoint: bigint;
  /** Slots (a key re-created under its alias gets a new slot; size counts aliases). */
  count: number;
  /** count * 32 bytes of SHA-256 digests (zero for a slot whose hash is in oddHashes). */
  hashes: Uint8Array;
  /** count * 3: expire, createdAt, updatedAt. */
  times: Float64Array;
  revisions: Int32Array;
  flags: Uint8Array;
  roleSetIds: Uint16Array;
  /** UTF-8 bytes of the string columns (alias, name, key prefix of every slot). */
  text: Uint8Array;
  /** count * 3 (alias, name, prefix): byte offset in `text` and byte length. */
  textStart: Uint32Array;
  textLength: Uint32Array;
  roleSets: string[][];
  oddHashes: Array<[number, string]>;
  /** The current slot of each alias. */
  aliasSlots: Int32Array;
}

/** base64url alphabet -> 6-bit value, -1 for any other code unit. */
const B64URL = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++)
  B64URL['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.charCodeAt(i)] = i;

function b64(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c < 128 ? B64URL[c]! : -1;
}

/**
 * Decodes a canonical base64url SHA-256 digest (43 characters, no padding, the 2 spare bits
 * zero: exactly what `toString('base64url')` of 32 bytes gives) into `out` at `offset`,
 * without allocating. False when the text is not one (then it is kept as text).
 */
function decodeHashInto(keyHash: string, out: Uint8Array, offset: number): boolean {
  if (keyHash.length !== 43) return false;
  let o = offset;
  let i = 0;
  for (; i < 40; i += 4) {
    const a = b64(keyHash, i);
    const b = b64(keyHash, i + 1);
    const c = b64(keyHash, i + 2);
    const d = b64(keyHash, i + 3);
    if ((a | b | c | d) < 0) return false;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = v >> 16;
    out[o++] = (v >> 8) & 0xff;
    out[o++] = v & 0xff;
  }
  const a = b64(keyHash, 40);
  const b = b64(keyHash, 41);
  const c = b64(keyHash, 42);
  if ((a | b | c) < 0 || (c & 3) !== 0) return false;
  const v = (a << 12) | (b << 6) | c;
  out[o++] = v >> 10;
  out[o] = (v >> 2) & 0xff;
  return true;
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

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days from 1970-01-01 to the proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** `Date.parse`, with an allocation-free fast path for the exact `toISOString()` shape events carry. */
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
      ms >= 0 &&
      // Date.parse says NaN for 31 April where Date.UTC would roll over: leave those to it.
      day <= daysInMonth(year, month)
    )
      return daysFromCivil(year, month, day) * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + ms;
  }
  return Date.parse(text);
}

/** FNV-1a over UTF-16 code units (the alias index's hash; the same from text or from ASCII bytes). */
function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A column of a slot in textStart/textLength. */
const S_ALIAS = 0;
const S_NAME = 1;
const S_PREFIX = 2;
const STRINGS = 3;
/** flags: the alias has moved on to a newer slot (a key re-created under the same alias). */
const SUPERSEDED = 4;

/**
 * The authentication read model: key hash -> key, and alias -> key, in memory.
 * Applying is idempotent (an event at or before the checkpoint, or at or before the
 * key's revision, changes nothing), so it can be replayed from any point.
 *
 * Layout (memory is the constraint: one entry per key, every key in RAM): no JS object or
 * string per key. Columns are typed arrays indexed by a slot number; the SHA-256 digests are
 * raw bytes; the string columns (alias, name, key prefix) are UTF-8 bytes in one buffer,
 * decoded only when a view is built; two open-addressing indexes (slot + 1, 0 = empty) map
 * a digest and an alias to a slot. Role lists are interned (a handful of distinct sets) and
 * shared frozen. Views are copies. A model loaded from a snapshot starts on views of the
 * snapshot's buffer (no copy) and moves to its own arrays when it first grows.
 */
export class AuthReadModel {
  private position = 0n;
  private count = 0;
  private capacity = 0;
  private aliasCount = 0;
  private hashes: Uint8Array = new Uint8Array(0);
  /** Per slot: expire, createdAt, updatedAt. */
  private times: Float64Array = new Float64Array(0);
  /** Per slot: lastUsedAt (NaN = never); memory only. */
  private used: Float64Array = new Float64Array(0);
  private revisions: Int32Array = new Int32Array(0);
  private flags: Uint8Array = new Uint8Array(0);
  private roleSetIds: Uint16Array = new Uint16Array(0);
  private text: Buffer = Buffer.alloc(0);
  private textUsed = 0;
  private textStart: Uint32Array = new Uint32Array(0);
  private textLength: Uint32Array = new Uint32Array(0);
  /** Digest -> slot + 1; length a power of two, at least twice the capacity. */
  private index = new Int32Array(0);
  /** Alias -> slot + 1 (the alias's current slot); same sizing. */
  private aliasIndex = new Int32Array(0);
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
    return this.aliasCount;
  }

  findByHash(keyHash: string): KeyView | undefined {
    const slot = this.slotOfHash(keyHash);
    return slot < 0 ? undefined : this.view(slot);
  }

  findByAlias(alias: string): KeyView | undefined {
    const slot = this.slotOfAlias(alias);
    return slot < 0 ? undefined : this.view(slot);
  }

  /** Newest first. */
  list(): KeyView[] {
    const views: KeyView[] = [];
    for (let slot = 0; slot < this.count; slot++)
      if ((this.flags[slot]! & SUPERSEDED) === 0) views.push(this.view(slot));
    return views.sort((a, b) => b.createdAt - a.createdAt || (a.alias < b.alias ? -1 : 1));
  }

  /** Returns true when the event changed the model. */
  apply(recorded: RecordedEvent): boolean {
    if (recorded.position <= this.position) return false;
    this.position = recorded.position;
    const event = upcast(recorded.type, recorded.data);
    if (!event) return false;
    const revision = Number(recorded.revision);
    const slot = this.slotOfAlias(event.data.alias);
    if (slot >= 0 && revision <= this.revisions[slot]!) return false;

    switch (event.type) {
      case 'ApiKeyCreated': {
        const d = event.data;
        const s = this.allocate();
        const createdAt = parseIso(d.createdAt);
        this.setText(s, S_ALIAS, d.alias);
        this.setText(s, S_NAME, d.name);
        this.setText(s, S_PREFIX, d.keyPrefix);
        this.roleSetIds[s] = this.roleSetId(d.roles);
        this.flags[s] = ACTIVE;
        this.revisions[s] = revision;
        const t = s * TIMES;
        this.times[t + T_EXPIRE] = parseIso(d.expire);
        this.times[t + T_CREATED] = createdAt;
        this.times[t + T_UPDATED] = createdAt;
        this.used[s] = NaN;
        this.setHash(s, d.keyHash);
        if (slot >= 0) this.flags[slot]! |= SUPERSEDED;
        this.setAlias(s, slot);
        return true;
      }
      case 'ApiKeyRenewed': {
        if (slot < 0) return false;
        const d = event.data;
        if (!this.textEquals(slot, S_NAME, d.name)) this.setText(slot, S_NAME, d.name);
        this.roleSetIds[slot] = this.roleSetId(d.roles);
        this.times[slot * TIMES + T_EXPIRE] = parseIso(d.expire);
        this.times[slot * TIMES + T_UPDATED] = parseIso(d.renewedAt);
        this.flags[slot]! |= ACTIVE;
        this.revisions[slot] = revision;
        return true;
      }
      case 'ApiKeyRevoked': {
        if (slot < 0) return false;
        this.flags[slot]! &= ~ACTIVE;
        this.times[slot * TIMES + T_UPDATED] = parseIso(event.data.revokedAt);
        this.revisions[slot] = revision;
        return true;
      }
      case 'ApiKeyRotated':
      case 'ApiKeyImported':
        return false;
    }
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
    this.used[slot] = nowMs;
  }

  view(slot: number): KeyView {
    const t = slot * TIMES;
    const used = this.used[slot]!;
    const view: KeyView = {
      alias: this.textOf(slot, S_ALIAS),
      name: this.textOf(slot, S_NAME),
      roles: this.roleSets[this.roleSetIds[slot]!]!,
      active: (this.flags[slot]! & ACTIVE) !== 0,
      expire: this.times[t + T_EXPIRE]!,
      createdAt: this.times[t + T_CREATED]!,
      updatedAt: this.times[t + T_UPDATED]!,
      keyPrefix: this.textOf(slot, S_PREFIX),
      revision: this.revisions[slot]!,
    };
    if (used === used) view.lastUsedAt = used;
    return view;
  }

  // ---- snapshots ----

  /** A consistent copy of the state (typed arrays copied, text compacted), cheap enough to take inline. */
  exportState(): ReadModelState {
    const n = this.count;
    let live = 0;
    for (let s = 0; s < n; s++) if ((this.flags[s]! & SUPERSEDED) === 0) live++;
    const aliasSlots = new Int32Array(live);
    for (let s = 0, k = 0; s < n; s++) if ((this.flags[s]! & SUPERSEDED) === 0) aliasSlots[k++] = s;
    let bytes = 0;
    for (let i = 0; i < n * STRINGS; i++) bytes += this.textLength[i]!;
    const text = new Uint8Array(bytes);
    const textStart = new Uint32Array(n * STRINGS);
    const textLength = this.textLength.slice(0, n * STRINGS);
    for (let i = 0, at = 0; i < n * STRINGS; i++) {
      const start = this.textStart[i]!;
      const length = textLength[i]!;
      text.set(this.text.subarray(start, start + length), at);
      textStart[i] = at;
      at += length;
    }
    const oddHashes: Array<[number, string]> = [];
    for (const [hash, slot] of this.oddHashes) oddHashes.push([slot, hash]);
    return {
      checkpoint: this.position,
      count: n,
      hashes: this.hashes.slice(0, n * HASH_BYTES),
      times: this.times.slice(0, n * TIMES),
      revisions: this.revisions.slice(0, n),
      flags: this.flags.slice(0, n),
      roleSetIds: this.roleSetIds.slice(0, n),
      text,
      textStart,
      textLength,
      roleSets: this.roleSets.map((r) => [...r]),
      oddHashes,
      aliasSlots,
    };
  }

  /**
   * A model over a snapshot's state (validated here). The typed arrays are adopted, not copied
   * (they may be views on the snapshot file's buffer), and replaced by copies on first growth.
   */
  static fromState(state: ReadModelState): AuthReadModel {
    const model = new AuthReadModel();
    const n = state.count;
    const need = (what: string, a: ArrayBufferView, length: number) => {
      if ((a as Uint8Array).length !== length) throw new Error(`snapshot: ${what} is not ${length} long`);
    };
    need('hashes', state.hashes, n * HASH_BYTES);
    need('times', state.times, n * TIMES);
    need('revisions', state.revisions, n);
    need('flags', state.flags, n);
    need('roleSetIds', state.roleSetIds, n);
    need('textStart', state.textStart, n * STRINGS);
    need('textLength', state.textLength, n * STRINGS);
    model.position = state.checkpoint;
    model.count = n;
    model.capacity = n;
    model.hashes = state.hashes;
    model.times = state.times;
    model.revisions = state.revisions;
    model.flags = state.flags;
    model.roleSetIds = state.roleSetIds;
    model.textStart = state.textStart;
    model.textLength = state.textLength;
    model.text = Buffer.from(state.text.buffer, state.text.byteOffset, state.text.byteLength);
    model.textUsed = state.text.byteLength;
    model.used = new Float64Array(n).fill(NaN);
    for (const roles of state.roleSets) model.roleSetId(roles as Role[]);
    for (let s = 0; s < n; s++) {
      if (state.roleSetIds[s]! >= model.roleSets.length) throw new Error('snapshot: role set out of range');
      for (let k = 0; k < STRINGS; k++) {
        const i = s * STRINGS + k;
        if (state.textStart[i]! + state.textLength[i]! > model.textUsed) throw new Error('snapshot: text out of range');
      }
      model.flags[s]! |= SUPERSEDED;
    }
    for (const [slot, hash] of state.oddHashes) {
      if (!(slot >= 0 && slot < n)) throw new Error('snapshot: odd hash slot out of range');
      model.oddHashes.set(hash, slot);
    }
    model.aliasIndex = new Int32Array(indexLength(n));
    for (const slot of state.aliasSlots) {
      if (!(slot >= 0 && slot < n)) throw new Error('snapshot: alias slot out of range');
      model.flags[slot]! &= ~SUPERSEDED;
      model.setAlias(slot, -1);
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
    if (decodeHashInto(keyHash, SCRATCH, 0)) return this.slotOfDigest(SCRATCH);
    return this.oddHashes.get(keyHash) ?? -1;
  }

  private textOf(slot: number, column: number): string {
    const start = this.textStart[slot * STRINGS + column]!;
    return this.text.toString('utf8', start, start + this.textLength[slot * STRINGS + column]!);
  }

  /** Whether the slot's string equals `value`, without decoding when the bytes are ASCII. */
  private textEquals(slot: number, column: number, value: string): boolean {
    const start = this.textStart[slot * STRINGS + column]!;
    const length = this.textLength[slot * STRINGS + column]!;
    const text = this.text;
    if (length === value.length) {
      let i = 0;
      while (i < length && text[start + i] === value.charCodeAt(i) && text[start + i]! < 0x80) i++;
      if (i === length) return true;
      if (text[start + i]! < 0x80 && value.charCodeAt(i) < 0x80) return false;
    } else if (length < value.length) return false;
    return this.textOf(slot, column) === value;
  }

  /** Appends the string's UTF-8 bytes to the text buffer (growing it geometrically). */
  private setText(slot: number, column: number, value: string): void {
    const worst = value.length * 3;
    if (this.textUsed + worst > this.text.length) this.growText(this.textUsed + worst);
    const text = this.text;
    const at = this.textUsed;
    let written = 0;
    while (written < value.length) {
      const c = value.charCodeAt(written);
      if (c >= 0x80) break;
      text[at + written++] = c;
    }
    if (written < value.length) written = text.write(value, at, 'utf8');
    this.textStart[slot * STRINGS + column] = this.textUsed;
    this.textLength[slot * STRINGS + column] = written;
    this.textUsed += written;
  }

  private growText(atLeast: number): void {
    let length = Math.max(TEXT_MIN, this.text.length * 2);
    while (length < atLeast) length *= 2;
    this.reallocText(length);
  }

  private reallocText(length: number): void {
    const next = Buffer.alloc(Math.max(length, this.textUsed));
    this.text.copy(next, 0, 0, this.textUsed);
    this.text = next;
  }

  private aliasHashOf(slot: number): number {
    const start = this.textStart[slot * STRINGS + S_ALIAS]!;
    const length = this.textLength[slot * STRINGS + S_ALIAS]!;
    const text = this.text;
    let h = 0x811c9dc5;
    for (let i = start; i < start + length; i++) {
      const b = text[i]!;
      if (b >= 0x80) return hashText(this.textOf(slot, S_ALIAS));
      h = Math.imul(h ^ b, 0x01000193);
    }
    return h >>> 0;
  }

  private slotOfAlias(alias: string): number {
    const index = this.aliasIndex;
    if (index.length === 0) return -1;
    const mask = index.length - 1;
    let i = hashText(alias) & mask;
    for (;;) {
      const entry = index[i]!;
      if (entry === 0) return -1;
      if (this.textEquals(entry - 1, S_ALIAS, alias)) return entry - 1;
      i = (i + 1) & mask;
    }
  }

  /** Points the slot's alias at the slot: replaces `previous` (its old slot) or takes an empty entry. */
  private setAlias(slot: number, previous: number): void {
    const index = this.aliasIndex;
    const mask = index.length - 1;
    let i = this.aliasHashOf(slot) & mask;
    for (;;) {
      const entry = index[i]!;
      if (entry === 0) break;
      if (entry - 1 === previous) {
        index[i] = slot + 1;
        return;
      }
      i = (i + 1) & mask;
    }
    index[i] = slot + 1;
    this.aliasCount++;
  }

  private allocate(): number {
    if (this.count === this.capacity) this.grow(Math.max(INITIAL_CAPACITY, this.capacity * 2));
    return this.count++;
  }

  /**
   * New arrays of the given capacity for every column (the text too, so that nothing keeps a
   * snapshot buffer alive), then both indexes rebuilt at their new length.
   */
  private grow(capacity: number): void {
    const copy = <T extends Uint8Array | Uint16Array | Int32Array | Uint32Array | Float64Array>(
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
    this.used = copy(this.used, (n) => new Float64Array(n), 1);
    this.revisions = copy(this.revisions, (n) => new Int32Array(n), 1);
    this.flags = copy(this.flags, (n) => new Uint8Array(n), 1);
    this.roleSetIds = copy(this.roleSetIds, (n) => new Uint16Array(n), 1);
    this.textStart = copy(this.textStart, (n) => new Uint32Array(n), STRINGS);
    this.textLength = copy(this.textLength, (n) => new Uint32Array(n), STRINGS);
    // The text grows with the slots (bytes per slot so far), and on its own when it fills.
    this.reallocText(Math.max(TEXT_MIN, Math.ceil((this.textUsed / Math.max(1, this.count)) * capacity)));
    this.capacity = capacity;
    this.rebuildIndex();
    this.aliasIndex = new Int32Array(indexLength(capacity));
    this.aliasCount = 0;
    for (let s = 0; s < this.count; s++) if ((this.flags[s]! & SUPERSEDED) === 0) this.setAlias(s, -1);
  }

  private setHash(slot: number, keyHash: string): void {
    if (!decodeHashInto(keyHash, this.hashes, slot * HASH_BYTES)) {
      this.hashes.fill(0, slot * HASH_BYTES, (slot + 1) * HASH_BYTES);
      this.flags[slot]! |= ODD_HASH;
      this.oddHashes.set(keyHash, slot);
      return;
    }
    this.indexSlot(slot);
  }

  private rebuildIndex(): void {
    this.index = new Int32Array(indexLength(this.capacity));
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
    const sets = this.roleSets;
    if (sets.length <= ROLE_SET_SCAN)
      scan: for (let id = 0; id < sets.length; id++) {
        const set = sets[id]!;
        if (set.length !== roles.length) continue;
        for (let i = 0; i < set.length; i++) if (set[i] !== roles[i]) continue scan;
        return id;
      }
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

/** Index length: a power of two at least twice the slots (load <= 0.5). */
function indexLength(capacity: number): number {
  let length = 2048;
  while (length < capacity * 2) length *= 2;
  return length;
}
