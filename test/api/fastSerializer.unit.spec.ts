import fc from 'fast-check';
import { z } from 'zod';
import { compileFastWriter } from '../../api/http/fastSerializer';
import { createdKeyResponse, errorResponse, keyList, keySummary, messageResponse } from '../../api/http/schemas';
import { verifyResponse } from '../../api/http/routes/verify';

const schemas = { verifyResponse, keySummary, keyList, createdKeyResponse, errorResponse, messageResponse };

/** What zod's serializer would write, or undefined when zod refuses the value. */
function viaZod(schema: z.ZodType, value: unknown): string | undefined {
  const parsed = schema.safeParse(value);
  return parsed.success ? JSON.stringify(parsed.data) : undefined;
}

const role = fc.constantFrom('admin', 'agent', 'creator', 'user');
const loose = fc.oneof(
  fc.string(),
  fc.constant(null),
  fc.integer(),
  fc.boolean(),
  fc.array(role),
  fc.constant(undefined),
);
const summary = fc.record({
  alias: fc.oneof(fc.string(), loose),
  name: fc.string(),
  roles: fc.oneof(fc.array(role), loose),
  is_active: fc.oneof(fc.boolean(), loose),
  status: fc.oneof(fc.constantFrom('active', 'expired', 'revoked'), loose),
  expire: fc.string(),
  key_prefix: fc.oneof(fc.string(), fc.constant(null)),
  owner: fc.oneof(fc.string(), fc.constant(null), loose),
  meta: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.constant(null), loose),
  created_at: fc.string(),
  updated_at: fc.string(),
  last_used_at: fc.oneof(fc.string(), fc.constant(null), loose),
  extra: loose,
});
const verification = fc.record({
  valid: fc.oneof(fc.boolean(), loose),
  code: fc.oneof(
    fc.constantFrom('VALID', 'NOT_FOUND', 'EXPIRED', 'REVOKED', 'ROTATED', 'INSUFFICIENT_ROLE', 'MALFORMED'),
    loose,
  ),
  alias: fc.oneof(fc.string(), fc.constant(null), loose),
  name: fc.oneof(fc.string(), fc.constant(null)),
  roles: fc.oneof(fc.array(role), fc.constant(null), loose),
  expire: fc.oneof(fc.string(), fc.constant(null)),
  owner: fc.oneof(fc.string(), fc.constant(null), loose),
  meta: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.constant(null), loose),
  key: fc.string(),
});

describe('compiled response writers', () => {
  it('exist for the plain answer shapes', () => {
    for (const [name, schema] of Object.entries(schemas))
      expect([name, compileFastWriter(schema) !== undefined]).toEqual([name, true]);
  });

  it('write exactly what zod would, or give up where zod refuses (then zod answers)', () => {
    const cases: [z.ZodType, fc.Arbitrary<unknown>][] = [
      [keySummary, summary],
      [keyList, fc.array(summary, { maxLength: 3 })],
      [verifyResponse, verification],
    ];
    for (const [schema, arbitrary] of cases) {
      const write = compileFastWriter(schema)!;
      fc.assert(
        fc.property(arbitrary, (value) => {
          const fast = write(value);
          // Where the writer answers, it answers as zod; where zod refuses, the writer does too.
          if (fast !== undefined) expect(fast).toBe(viaZod(schema, value));
          if (viaZod(schema, value) === undefined) expect(fast).toBeUndefined();
        }),
        { numRuns: 300 },
      );
    }
  });

  it('drops unknown fields, as zod strips them: a key never leaks through an extra property', () => {
    const write = compileFastWriter(verifyResponse)!;
    const text = write({
      valid: true,
      code: 'VALID',
      alias: 'a',
      name: 'n',
      roles: [],
      expire: 'x',
      owner: null,
      meta: { t: 1 },
      key: 'ak_secret',
    });
    expect(text).toBe(
      '{"valid":true,"code":"VALID","alias":"a","name":"n","roles":[],"expire":"x","owner":null,"meta":{"t":1}}',
    );
  });

  it('refuses schemas with checks or transforms (zod serializes those)', () => {
    expect(compileFastWriter(z.string().min(1))).toBeUndefined();
    expect(compileFastWriter(z.object({ a: z.number() }))).toBeUndefined();
  });
});
