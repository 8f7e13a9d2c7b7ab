/**
 * Property: whatever text is sent as an alias and a name, either it is refused with a 400
 * naming the field and nothing is appended, or the key it made round-trips through the store
 * and every read path: create -> verify VALID -> revoke -> verify REVOKED -> history and the
 * audit feed hold both events. Runs on SQLite and on the EventStoreDB test server.
 */
import fc from 'fast-check';
import { authHeader, describeEachBackend, headPosition, type BackendRun } from '../support/reliability';
import type { TestApp } from '../support/testApp';

const RUNS = 25;

/** The rules, written apart from the code under test: what a field should become, or why it is refused. */
function expected(field: string, raw: string, max: number): { value: string } | { error: string } {
  if (/\p{Cs}/u.test(raw)) return { error: field };
  const value = raw.trim().normalize('NFC');
  if (value === '') return { error: field === 'name' ? 'Name' : field };
  if (Array.from(value).length > max) return { error: field };
  if (/[\p{Cc}\p{Cf}\u2028\u2029]/u.test(value)) return { error: field };
  return { value };
}

const tricky = fc.constantFrom(
  '\ud800',
  '\udfff',
  '\u202e',
  '\u200b',
  '\u200d',
  '\ufeff',
  'e\u0301',
  '\u1100\u1161',
  '\u{1F600}',
  '\u{10FFFF}',
  '\uffff',
  ' ',
  '/',
  '%',
  '?#',
  '\t',
);
const text = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 10 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }),
  fc
    .tuple(fc.string({ unit: 'binary', maxLength: 4 }), tricky, fc.string({ unit: 'grapheme', maxLength: 3 }))
    .map((parts) => parts.join('')),
);

describeEachBackend('Unicode round trip (property)', (backend) => {
  let run: BackendRun;
  let t: TestApp;
  beforeAll(async () => {
    run = await backend.start();
    t = run.t;
  });
  afterAll(async () => {
    await run.close();
  });

  it('refuses with a 400 and appends nothing, or round-trips through every read path', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(text, text, async (rawAlias, rawName) => {
        n++;
        const id = (step: string) => ({ ...authHeader(t.adminKey), 'x-request-id': `prop-${n}-${step}` });
        const alias = expected('alias', rawAlias, 128);
        const name = expected('name', rawName, 256);
        const head = await headPosition(t.ledger.store);
        const created = await t.app.inject({
          method: 'POST',
          url: '/api/apikey',
          headers: id('create'),
          payload: { alias: rawAlias, name: rawName },
        });
        if ('error' in alias || 'error' in name) {
          expect(created.statusCode).toBe(400);
          const field = 'error' in alias ? alias.error : (name as { error: string }).error;
          expect(created.json().error).toMatch(new RegExp(`^${field} `));
          expect(await headPosition(t.ledger.store)).toBe(head);
          return;
        }
        expect([200, 201]).toContain(created.statusCode); // 200: an earlier run made the same alias
        const body = created.json();
        expect(body).toMatchObject({ alias: alias.value, name: name.value });
        const verify = async () =>
          (await t.app.inject({ method: 'POST', url: '/api/apikey/verify', payload: { key: body.key } })).json();
        expect(await verify()).toMatchObject({ code: 'VALID', alias: alias.value, name: name.value });

        const revoked = await t.app.inject({ method: 'DELETE', url: `/api/apikey/${body.key}`, headers: id('revoke') });
        expect(revoked.statusCode).toBe(200);
        expect(await verify()).toMatchObject({ code: 'REVOKED', alias: alias.value });

        // Found under the spelling it was sent with as well as the stored one.
        for (const spelling of [alias.value, rawAlias]) {
          const summary = await t.app.inject({
            url: `/api/apikey/${encodeURIComponent(spelling)}`,
            headers: id('get'),
          });
          expect(summary.json()).toMatchObject({ alias: alias.value, name: name.value, status: 'revoked' });
        }
        const ours = (items: Array<{ type: string; request_id: string }>) =>
          items.filter((i) => i.request_id.startsWith(`prop-${n}-`)).map((i) => `${i.type}:${i.request_id}`);
        const want = [
          `${created.statusCode === 201 ? 'ApiKeyCreated' : 'ApiKeyRenewed'}:prop-${n}-create`,
          `ApiKeyRevoked:prop-${n}-revoke`,
        ];
        const history = await t.app.inject({
          url: `/api/apikey/${encodeURIComponent(rawAlias)}/history`,
          headers: id('history'),
        });
        expect(history.statusCode).toBe(200);
        expect(history.json().alias).toBe(alias.value);
        expect(ours(history.json().items)).toEqual(want);
        const feed = await t.app.inject({
          url: `/api/audit?order=asc&limit=500&alias=${encodeURIComponent(alias.value)}`,
          headers: id('feed'),
        });
        expect(feed.statusCode).toBe(200);
        expect(ours(feed.json().items)).toEqual(want);
        const all = await t.app.inject({ url: '/api/audit?limit=10', headers: id('all') });
        expect(ours(all.json().items)).toEqual([...want].reverse());
      }),
      { numRuns: RUNS },
    );
  });
});
