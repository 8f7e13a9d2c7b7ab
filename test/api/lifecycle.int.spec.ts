import { createHash } from 'node:crypto';
import { KeyService } from '../../infrastructure/commands/keyCommands';
import { KeySealer } from '../../infrastructure/keys/keyCrypto';
import { describeEachBackend, type BackendRun } from '../support/reliability';
import type { TestApp } from '../support/testApp';

// Issue 14: rotation, revoke by alias and owner, per-key expiry, owner and meta, list paging, import.
describeEachBackend('key lifecycle API', (backend) => {
  let run: BackendRun;
  let t: TestApp;
  beforeEach(async () => {
    run = await backend.start();
    t = run.t;
  });
  afterEach(async () => {
    await run.close();
  });

  const admin = () => ({ authorization: `Bearer ${t.adminKey}` });
  const post = (url: string, body?: unknown) =>
    t.app.inject({ method: 'POST', url, headers: admin(), ...(body !== undefined && { payload: body as never }) });
  const create = async (body: Record<string, unknown>) => {
    const res = await post('/api/apikey', { name: String(body.alias), ...body });
    expect(res.statusCode).toBe(201);
    return res.json();
  };
  const verify = async (key: string) =>
    (await t.app.inject({ method: 'POST', url: '/api/apikey/verify', payload: { key } })).json();
  const summary = async (alias: string) =>
    (await t.app.inject({ url: `/api/apikey/${encodeURIComponent(alias)}`, headers: admin() })).json();
  const streamTypes = async (alias: string) => (await t.ledger.store.readStream(`apikey-${alias}`)).map((e) => e.type);

  describe('POST /api/apikey/:alias/rotate', () => {
    it('issues a new key; the previous one works through the grace, then answers ROTATED', async () => {
      const old = (await create({ alias: 'svc', roles: ['user'] })).key;
      const res = await post('/api/apikey/svc/rotate', { grace_seconds: 3600 });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toEqual({
        key: expect.stringMatching(/^ak_[0-9A-Za-z]{38}$/),
        alias: 'svc',
        name: 'svc',
        roles: ['user'],
        is_active: true,
        expire: expect.any(String),
        created_at: expect.any(String),
        updated_at: expect.any(String),
        owner: null,
        meta: null,
        renewed: true,
        rotated: true,
        previous_key_valid_until: expect.any(String),
      });
      expect(body.key).not.toBe(old);
      const until = Date.parse(body.previous_key_valid_until);
      expect(until - Date.parse(body.updated_at)).toBe(3600_000);
      expect(Date.parse(body.expire) - Date.parse(body.updated_at)).toBe(1_296_000_000);

      expect(await verify(body.key)).toMatchObject({ valid: true, code: 'VALID', alias: 'svc' });
      expect(await verify(old)).toMatchObject({ valid: true, code: 'VALID', alias: 'svc' });
      expect(t.ledger.verifier.verify(old, [], until - 1).code).toBe('VALID');
      expect(t.ledger.verifier.verify(old, [], until).code).toBe('ROTATED');
      expect(t.ledger.verifier.verify(body.key, [], until).code).toBe('VALID');

      // The seed's renew now answers the new string.
      const renewed = await post('/api/apikey', { alias: 'svc', name: 'svc', roles: ['user'] });
      expect(renewed.json()).toMatchObject({ key: body.key, renewed: true });
      expect(await streamTypes('svc')).toEqual(['ApiKeyCreated.v2', 'ApiKeyRotated.v1', 'ApiKeyRenewed.v2']);
    });

    it('without a grace the previous key stops at once (ROTATED), and it cannot authenticate', async () => {
      const old = (await create({ alias: 'ops', roles: ['admin'] })).key;
      const res = await post('/api/apikey/ops/rotate');
      expect(res.statusCode).toBe(200);
      expect(res.json().previous_key_valid_until).toBeNull();
      expect(await verify(old)).toMatchObject({ valid: false, code: 'ROTATED', alias: 'ops' });
      const asAdmin = await t.app.inject({ url: '/api/apikey', headers: { 'x-api-key': old } });
      expect(asAdmin.statusCode).toBe(401);
      expect(asAdmin.json()).toEqual({ error: 'API key rotated' });
      // An empty body sent as JSON is no body.
      const emptyJson = await t.app.inject({
        method: 'POST',
        url: '/api/apikey/ops/rotate',
        headers: { ...admin(), 'content-type': 'application/json' },
        payload: '',
      });
      expect(emptyJson.statusCode).toBe(200);
    });

    it('revoking by either string, or by alias, stops both at once', async () => {
      for (const how of ['old', 'new', 'alias'] as const) {
        const alias = `rev-${how}`;
        const old = (await create({ alias })).key;
        const next = (await post(`/api/apikey/${alias}/rotate`, { grace_seconds: 600 })).json().key;
        const res =
          how === 'alias'
            ? await post(`/api/apikey/${alias}/revoke`)
            : await t.app.inject({
                method: 'DELETE',
                url: `/api/apikey/${how === 'old' ? old : next}`,
                headers: admin(),
              });
        expect([how, res.statusCode]).toEqual([how, 200]);
        expect((await verify(old)).code).toBe('REVOKED');
        expect((await verify(next)).code).toBe('REVOKED');
      }
    });

    it('takes ttl_seconds, owner and meta', async () => {
      await create({ alias: 'ttl', owner: 'team-a', meta: { a: 1 } });
      const body = (await post('/api/apikey/ttl/rotate', { ttl_seconds: 120, meta: { b: 2 } })).json();
      expect(Date.parse(body.expire) - Date.parse(body.updated_at)).toBe(120_000);
      expect(body).toMatchObject({ owner: 'team-a', meta: { b: 2 } });
    });

    it('unknown or revoked alias: 404; a bad grace: 400 naming grace_seconds', async () => {
      expect((await post('/api/apikey/nobody/rotate')).json()).toEqual({ error: 'API key not found' });
      await create({ alias: 'gone' });
      await post('/api/apikey/gone/revoke');
      const revoked = await post('/api/apikey/gone/rotate', {});
      expect([revoked.statusCode, revoked.json()]).toEqual([404, { error: 'API key not found' }]);
      await create({ alias: 'here' });
      for (const grace of [-1, 604_801, 1.5, 'x']) {
        const res = await post('/api/apikey/here/rotate', { grace_seconds: grace });
        expect(res.statusCode).toBe(400);
        expect(res.json().error).toMatch(/^grace_seconds/);
      }
      expect(await streamTypes('here')).toEqual(['ApiKeyCreated.v2']);
    });
  });

  describe('POST /api/apikey/:alias/revoke', () => {
    it('revokes by alias; a second time, or an unknown alias: 404', async () => {
      const { key } = await create({ alias: 'by-alias' });
      const res = await post('/api/apikey/by-alias/revoke');
      expect([res.statusCode, res.json()]).toEqual([200, { message: 'API key revoked successfully' }]);
      expect((await verify(key)).code).toBe('REVOKED');
      const again = await post('/api/apikey/by-alias/revoke');
      expect([again.statusCode, again.json()]).toEqual([404, { error: 'API key not found' }]);
      expect((await post('/api/apikey/never/revoke')).statusCode).toBe(404);
    });
  });

  describe('ttl_seconds', () => {
    it('sets the expiry on create and renew; outside 60..MAX_KEY_TTL_SECONDS: 400 naming ttl_seconds', async () => {
      const a = await create({ alias: 'short', ttl_seconds: 60 });
      expect(Date.parse(a.expire) - Date.parse(a.created_at)).toBe(60_000);
      const renewed = (await post('/api/apikey', { alias: 'short', name: 'x', ttl_seconds: 31_536_000 })).json();
      expect(Date.parse(renewed.expire) - Date.parse(renewed.updated_at)).toBe(31_536_000_000);
      for (const ttl of [59, 31_536_001, 0, 'x', 2.5]) {
        const res = await post('/api/apikey', { alias: 'bad-ttl', name: 'x', ttl_seconds: ttl });
        expect(res.statusCode).toBe(400);
        expect(res.json().error).toMatch(/^ttl_seconds/);
      }
      expect(await streamTypes('bad-ttl')).toEqual([]);
    });
  });

  describe('owner and meta', () => {
    it('show in the create, list, summary and verify answers; a renewal keeps, replaces or clears them', async () => {
      const created = await create({ alias: 'owned', owner: 'team-a', meta: { tier: 'gold' } });
      expect(created).toMatchObject({ owner: 'team-a', meta: { tier: 'gold' } });
      expect(await summary('owned')).toMatchObject({ owner: 'team-a', meta: { tier: 'gold' } });
      expect(await verify(created.key)).toMatchObject({ code: 'VALID', owner: 'team-a', meta: { tier: 'gold' } });
      const list = (await t.app.inject({ url: '/api/apikey?owner=team-a', headers: admin() })).json();
      expect(list).toEqual([expect.objectContaining({ alias: 'owned', owner: 'team-a', meta: { tier: 'gold' } })]);

      const kept = (await post('/api/apikey', { alias: 'owned', name: 'Owned' })).json();
      expect(kept).toMatchObject({ owner: 'team-a', meta: { tier: 'gold' } });
      const replaced = (await post('/api/apikey', { alias: 'owned', name: 'Owned', owner: 'team-b' })).json();
      expect(replaced).toMatchObject({ owner: 'team-b', meta: { tier: 'gold' } });
      const cleared = (await post('/api/apikey', { alias: 'owned', name: 'Owned', owner: null, meta: null })).json();
      expect(cleared).toMatchObject({ owner: null, meta: null });
      expect(await verify(created.key)).toMatchObject({ owner: null, meta: null });
    });

    it.each([
      [{ owner: '' }, /^owner/],
      [{ owner: 42 }, /^owner/],
      [{ owner: 'o'.repeat(129) }, /^owner/],
      [{ meta: [1, 2] }, /^meta/],
      [{ meta: 'text' }, /^meta/],
      [{ meta: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])) }, /^meta/],
      [{ meta: { big: 'x'.repeat(5000) } }, /^meta/],
    ])('refuses bad owner or meta #%# with 400 naming the field', async (extra, message) => {
      const res = await post('/api/apikey', { alias: 'bad', name: 'Bad', ...extra });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatch(message);
    });

    it('POST /api/apikey/revoke {owner} revokes every active key of that owner', async () => {
      const a = await create({ alias: 'o1', owner: 'team-x' });
      const b = await create({ alias: 'o2', owner: 'team-x' });
      const c = await create({ alias: 'o3', owner: 'team-y' });
      await post('/api/apikey/o2/revoke');
      await create({ alias: 'o4', owner: 'team-x' });
      const res = await post('/api/apikey/revoke', { owner: 'team-x' });
      expect([res.statusCode, res.json()]).toEqual([200, { revoked: 2 }]);
      expect((await verify(a.key)).code).toBe('REVOKED');
      expect((await verify(b.key)).code).toBe('REVOKED');
      expect((await verify(c.key)).code).toBe('VALID');
      expect((await post('/api/apikey/revoke', { owner: 'team-x' })).json()).toEqual({ revoked: 0 });
      expect((await post('/api/apikey/revoke', {})).statusCode).toBe(400);
    });
  });

  describe('GET /api/apikey paging and search', () => {
    it('filters by status, role, owner and q', async () => {
      await create({ alias: 'billing-api', name: 'Billing API', roles: ['user'], owner: 'pay' });
      await create({ alias: 'reports', name: 'Monthly BILLING reports', roles: ['agent'] });
      await create({ alias: 'old', name: 'Old', roles: ['user'] });
      await post('/api/apikey/old/revoke');
      await create({ alias: 'brief', name: 'Brief', ttl_seconds: 60 });
      const aliases = async (query: string) =>
        (await t.app.inject({ url: `/api/apikey?${query}`, headers: admin() }))
          .json()
          .map((k: { alias: string }) => k.alias);
      expect(await aliases('q=billing')).toEqual(['reports', 'billing-api']);
      expect(await aliases('role=user')).toEqual(['old', 'billing-api']);
      expect(await aliases('status=revoked')).toEqual(['old']);
      expect(await aliases('owner=pay')).toEqual(['billing-api']);
      expect(await aliases('status=active&role=agent')).toEqual(['reports']);
      expect((await t.app.inject({ url: '/api/apikey?status=expired', headers: admin() })).json()).toEqual([]);
      for (const bad of ['limit=0', 'limit=1001', 'limit=x', 'status=gone', 'role=root', 'cursor=%21%21'])
        expect([bad, (await t.app.inject({ url: `/api/apikey?${bad}`, headers: admin() })).statusCode]).toEqual([
          bad,
          400,
        ]);
    });

    it('pages with a Link rel="next" header; following it visits every key once, even while keys are created', async () => {
      for (let i = 0; i < 7; i++) await create({ alias: `page-${i}` });
      const seen: string[] = [];
      let url: string | undefined = '/api/apikey?limit=3&q=page-';
      let pages = 0;
      while (url) {
        const res = await t.app.inject({ url, headers: admin() });
        expect(res.statusCode).toBe(200);
        seen.push(...res.json().map((k: { alias: string }) => k.alias));
        const link = res.headers.link as string | undefined;
        const match = link && /^<([^>]+)>; rel="next"$/.exec(link);
        url = match ? new URL(match[1]!).pathname + new URL(match[1]!).search : undefined;
        if (pages++ === 0) await create({ alias: 'page-new' });
      }
      expect(pages).toBe(3);
      expect(seen).toEqual(['page-6', 'page-5', 'page-4', 'page-3', 'page-2', 'page-1', 'page-0']);
      const all = await t.app.inject({ url: '/api/apikey', headers: admin() });
      expect(all.headers.link).toBeUndefined();
      expect(all.json()).toHaveLength(9);
    });
  });

  describe('POST /api/apikey/import', () => {
    const seedKey = 'f3a9c1d2e4b5a6978877665544332211'; // the seed's table: no prefix, no checksum

    it('imports plaintext and SHA-256 keys of any format; they verify VALID; a re-run is skipped', async () => {
      const hashed = 'legacy-token-only-its-hash-is-known';
      const body = {
        keys: [
          { alias: 'seed-1', name: 'Seed one', roles: ['user'], key: seedKey, owner: 'legacy', meta: { from: 'seed' } },
          {
            alias: 'seed-2',
            name: 'Seed two',
            key_sha256: createHash('sha256').update(hashed).digest('hex'),
            expire: '2099-01-01 00:00:00',
          },
          { alias: 'seed-3', name: 'Seed three', key: 'old-revoked-key', is_active: false },
          { alias: 'seed-4', name: 'Seed four', key: 'old-expired-key', expire: '2001-01-01T00:00:00Z' },
        ],
      };
      const res = await post('/api/apikey/import', body);
      expect([res.statusCode, res.json()]).toEqual([200, { imported: 4, skipped: 0, errors: [] }]);
      expect(await verify(seedKey)).toMatchObject({ valid: true, code: 'VALID', alias: 'seed-1', owner: 'legacy' });
      expect(await verify(hashed)).toMatchObject({
        valid: true,
        alias: 'seed-2',
        expire: '2099-01-01T00:00:00.000Z',
      });
      expect((await verify('old-revoked-key')).code).toBe('REVOKED');
      expect((await verify('old-expired-key')).code).toBe('EXPIRED');
      expect(await summary('seed-2')).toMatchObject({ key_prefix: null, status: 'active' });
      expect(await streamTypes('seed-1')).toEqual(['ApiKeyImported.v1']);

      const again = await post('/api/apikey/import', body);
      expect(again.json()).toEqual({ imported: 0, skipped: 4, errors: [] });

      // Renewal hands back the plaintext when it was imported, null when only its hash was.
      expect((await post('/api/apikey', { alias: 'seed-1', name: 'Seed one' })).json().key).toBe(seedKey);
      const renewedByHash = await post('/api/apikey', { alias: 'seed-2', name: 'Seed two' });
      expect([renewedByHash.statusCode, renewedByHash.json().key]).toEqual([200, null]);
      // An imported key can be rotated onto the service's own format.
      const rotated = (await post('/api/apikey/seed-2/rotate')).json();
      expect(rotated.key).toMatch(/^ak_/);
      expect((await verify(hashed)).code).toBe('ROTATED');
    });

    it('reports bad items by index and imports the rest; never overwrites another key', async () => {
      await create({ alias: 'taken' });
      const res = await post('/api/apikey/import', {
        keys: [
          { alias: 'ok', name: 'Ok', key: 'some-legacy-key' },
          { alias: 'taken', name: 'Taken', key: 'a-different-key' },
          { alias: 'both', name: 'Both', key: 'k', key_sha256: 'a'.repeat(64) },
          { alias: 'neither', name: 'Neither' },
          { alias: 'bad-hash', name: 'Bad', key_sha256: 'xyz' },
          { alias: 'bad-role', name: 'Bad', key: 'k2', roles: ['root'] },
          { name: 'No alias', key: 'k3' },
          'not an object',
          { alias: 'dup-key', name: 'Same key as ok', key: 'some-legacy-key' },
          { alias: 'bad-expire', name: 'Bad', key: 'k4', expire: 'tomorrow' },
        ],
      });
      expect(res.statusCode).toBe(200);
      const report = res.json();
      expect(report.imported).toBe(1);
      expect(report.skipped).toBe(0);
      expect(report.errors.map((e: { index: number }) => e.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(report.errors[0]).toEqual({ index: 1, error: 'alias exists with another key' });
      expect(report.errors[1].error).toBe('exactly one of key or key_sha256 is required');
      expect(report.errors[5].error).toBe('alias is required');
      expect(report.errors[6].error).toBe('each key must be a JSON object');
      expect(report.errors[7]).toEqual({ index: 8, error: 'key belongs to another alias' });
      expect(report.errors[8]).toEqual({ index: 9, error: 'expire must be an ISO-8601 time' });
      expect(await streamTypes('taken')).toEqual(['ApiKeyCreated.v2']);
    });

    it('more than 1000 keys, or no list: 400; a prefixed string with a bad checksum stays MALFORMED', async () => {
      const many = Array.from({ length: 1001 }, (_, i) => ({ alias: `m${i}`, name: 'm', key: `k${i}` }));
      expect((await post('/api/apikey/import', { keys: many })).statusCode).toBe(400);
      expect((await post('/api/apikey/import', { keys: 'x' })).statusCode).toBe(400);
      const { key } = await create({ alias: 'real' });
      const flipped = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
      expect((await verify(flipped)).code).toBe('MALFORMED');
      expect((await verify('not-issued-anywhere')).code).toBe('NOT_FOUND');
    });
  });

  describe('a sealing secret that does not open the stored key', () => {
    it('fails a renewal or a rotation before anything is appended', async () => {
      await create({ alias: 'sealed' });
      const before = await streamTypes('sealed');
      const wrong = new KeyService(
        await run.openStore(),
        new KeySealer('a-different-sealing-secret-0123456789abcdef'),
        { aliasOfKeyHash: () => undefined, aliasesOfOwner: () => [], waitForPosition: async () => undefined },
        { ttlSeconds: 3600, maxTtlSeconds: 31_536_000, keyPrefix: 'ak' },
      );
      const origin = { actor: 'test', requestId: 'wrong-secret' };
      await expect(wrong.createOrRenew({ alias: 'sealed', name: 'x', roles: ['admin'] }, origin)).rejects.toThrow();
      await expect(wrong.rotate({ alias: 'sealed' }, origin)).rejects.toThrow();
      expect(await streamTypes('sealed')).toEqual(before);
    });
  });
});
