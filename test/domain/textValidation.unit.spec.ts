import { aliasLookupSpellings, normalizeAlias, normalizeName, normalizeText } from '../../domain';

describe('alias and name rules (Unicode)', () => {
  it.each([
    ['backdoor\ud800', 'alias must be well-formed Unicode'],
    ['\udc00x', 'alias must be well-formed Unicode'],
    ['pay\u200broll', 'alias must not contain invisible or bidirectional formatting characters'],
    ['admin\u202egnp.exe', 'alias must not contain invisible or bidirectional formatting characters'],
    ['a\u2066b\u2069', 'alias must not contain invisible or bidirectional formatting characters'],
    ['a\u200db', 'alias must not contain invisible or bidirectional formatting characters'],
    ['a\u{E0041}', 'alias must not contain invisible or bidirectional formatting characters'],
  ])('rejects %j: %s', (alias, message) => {
    expect(() => normalizeAlias(alias)).toThrow(message);
  });

  it('names the field', () => {
    expect(() => normalizeName('ok\ud800')).toThrow('name must be well-formed Unicode');
    expect(() => normalizeName('x\u202e')).toThrow('name must not contain invisible');
    expect(() => normalizeText('x\u200b', { field: 'owner', maxLength: 10 })).toThrow('owner must not contain');
  });

  it('stores the NFC form: the NFD spelling of an alias is the same alias', () => {
    const nfd = 'cafe\u0301';
    expect(normalizeAlias(nfd)).toBe('caf\u00e9');
    expect(normalizeAlias('caf\u00e9')).toBe('caf\u00e9');
  });

  it('accepts characters above U+FFFF and counts length in code points', () => {
    expect(normalizeAlias('\u{1F600}-svc')).toBe('\u{1F600}-svc');
    expect(normalizeAlias('\u{1F600}'.repeat(128))).toHaveLength(256);
    expect(() => normalizeAlias('\u{1F600}'.repeat(129))).toThrow('alias must be at most 128 characters');
  });

  it('looks an alias up as given, then as NFC', () => {
    expect(aliasLookupSpellings(' cafe\u0301 ')).toEqual(['cafe\u0301', 'caf\u00e9']);
    expect(aliasLookupSpellings('plain')).toEqual(['plain']);
  });
});
