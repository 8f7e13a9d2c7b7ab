import { displayPrefix, generateKey, hashKey, isWellFormedKey, KeySealer } from '../../infrastructure/keys/keyCrypto';

describe('key format', () => {
  it('is <prefix>_<32 base62 random><6 base62 checksum>', () => {
    const key = generateKey('ak');
    expect(key).toMatch(/^ak_[0-9A-Za-z]{38}$/);
    expect(isWellFormedKey(key, 'ak')).toBe(true);
  });

  it('draws fresh randomness every time', () => {
    const keys = new Set(Array.from({ length: 1000 }, () => generateKey('ak')));
    expect(keys.size).toBe(1000);
  });

  it('refuses a mistyped, truncated, extended or wrong-prefix key without a lookup', () => {
    const key = generateKey('ak');
    const flipped = key.slice(0, 10) + (key[10] === 'a' ? 'b' : 'a') + key.slice(11);
    expect(isWellFormedKey(flipped, 'ak')).toBe(false);
    expect(isWellFormedKey(key.slice(0, -1), 'ak')).toBe(false);
    expect(isWellFormedKey(`${key}x`, 'ak')).toBe(false);
    expect(isWellFormedKey(key, 'kl')).toBe(false);
    expect(isWellFormedKey(key.replace('_', '-'), 'ak')).toBe(false);
    expect(isWellFormedKey(`${key.slice(0, -7)}é${key.slice(-6)}`, 'ak')).toBe(false);
    expect(isWellFormedKey('', 'ak')).toBe(false);
  });

  it('follows APIKEY_PREFIX', () => {
    const key = generateKey('kl');
    expect(key.startsWith('kl_')).toBe(true);
    expect(isWellFormedKey(key, 'kl')).toBe(true);
  });

  it('hashes with SHA-256 and shows only a short prefix', () => {
    const key = generateKey('ak');
    expect(hashKey(key)).toHaveLength(43);
    expect(hashKey(key)).toBe(hashKey(key));
    expect(displayPrefix(key)).toBe(key.slice(0, 8));
  });
});

describe('key sealing', () => {
  const sealer = new KeySealer('x'.repeat(32));

  it('round-trips, never shows the plaintext, and differs each time', () => {
    const key = generateKey('ak');
    const a = sealer.seal(key, hashKey(key));
    const b = sealer.seal(key, hashKey(key));
    expect(a).not.toContain(key);
    expect(a).not.toBe(b);
    expect(sealer.open(a, hashKey(key))).toBe(key);
  });

  it('does not open under another secret or bound to another key', () => {
    const key = generateKey('ak');
    const sealed = sealer.seal(key, hashKey(key));
    expect(() => new KeySealer('y'.repeat(32)).open(sealed, hashKey(key))).toThrow();
    expect(() => sealer.open(sealed, 'another-hash')).toThrow();
  });
});
