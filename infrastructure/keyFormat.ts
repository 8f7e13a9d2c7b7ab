import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * Key format, after GitHub's tokens: `<prefix>_<32 base62 random chars><6 base62 chars of CRC32>`.
 * 32 base62 characters carry about 190 bits from the CSPRNG; the checksum covers the prefix
 * and the random part, so a mistyped or truncated key is refused without any lookup.
 */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const RANDOM_LENGTH = 32;
export const CHECKSUM_LENGTH = 6;
export const DISPLAY_PREFIX_LENGTH = 8;
export const KEY_PREFIX_PATTERN = /^[a-z][a-z0-9]{0,15}$/;

const isBase62 = new Uint8Array(128);
for (const c of BASE62) isBase62[c.charCodeAt(0)] = 1;

function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    // Rejection sampling: bytes >= 248 would bias the modulo, so they are dropped.
    for (const b of randomBytes(length * 2)) {
      if (b < 248) out += BASE62[b % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

function checksum(body: string): string {
  let n = crc32(body);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

export function generateKey(prefix: string): string {
  const body = `${prefix}_${randomBase62(RANDOM_LENGTH)}`;
  return body + checksum(body);
}

/** Shape and checksum only; no lookup. */
export function isWellFormedKey(key: string, prefix: string): boolean {
  const expectedLength = prefix.length + 1 + RANDOM_LENGTH + CHECKSUM_LENGTH;
  if (key.length !== expectedLength || !key.startsWith(prefix) || key.charCodeAt(prefix.length) !== 95 /* _ */)
    return false;
  for (let i = prefix.length + 1; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c >= 128 || isBase62[c] === 0) return false;
  }
  const split = key.length - CHECKSUM_LENGTH;
  return checksum(key.slice(0, split)) === key.slice(split);
}

/** The lookup id stored in events and the read model. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}

export function displayPrefix(key: string): string {
  return key.slice(0, DISPLAY_PREFIX_LENGTH);
}
