import fc from 'fast-check';
import { decodeWtf8 } from '../../infrastructure/eventStore/wtf8';

describe('decodeWtf8', () => {
  it('decodes encoded lone surrogates back to themselves', () => {
    expect(decodeWtf8(Buffer.from([0x6c, 0xed, 0xa0, 0x80, 0xed, 0xbf, 0xbf]))).toBe('l\ud800\udfff');
  });

  it('reads well-formed UTF-8 as Node does, and invalid bytes as U+FFFD', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(decodeWtf8(Buffer.from(text, 'utf8'))).toBe(text);
      }),
      { numRuns: 50 },
    );
    expect(decodeWtf8(Buffer.from([0x61, 0xff, 0xc0, 0x80, 0x62]))).toBe('a\ufffd\ufffd\ufffdb');
  });
});
