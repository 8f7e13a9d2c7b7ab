import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteEventStore } from '../../infrastructure/eventStore/sqlite';
import { describeEachBackend, type BackendRun } from '../support/reliability';
import { waitFor } from '../support/wait';
import type { TestApp } from '../support/testApp';

// The core API suite runs once per store: embedded SQLite and EventStoreDB (through the test server).
describeEachBackend('core API', (backend) => {
  let run: BackendRun;
  let t: TestApp;
  beforeEach(async () => {
    run = await backend.start();
    t = run.t;
  });
  afterEach(async () => {
    await run.close();
  });

  const auth = (key: string) => ({ authorization: `Bearer ${key}` });
  const post = (body: unknown, key = t.adminKey, url = '/api/apikey') =>
    t.app.inject({ method: 'POST', url, headers: auth(key), payload: body as never });

  describe('POST /api/apikey', () => {
    it('creates with 201, then renews the same alias with 200 and the same key', async () => {
      const created = await post({ alias: 'billing', name: 'Billing', roles: ['user'] });
      expect(created.statusCode).toBe(201);
      const a = created.json();
      expect(a).toEqual({
        key: expect.stringMatching(/^ak_[0-9A-Za-z]{38}$/),
        alias: 'billing',
        name: 'Billing',
        roles: ['user'],
        is_active: true,
        expire: expect.any(String),
        created_at: expect.any(String),
        updated_at: expect.any(String),
        owner: null,
        meta: null,
        renewed: false,
      });
      expect(Date.parse(a.expire) - Date.parse(a.created_at)).toBe(1_296_000_000);

      const renewed = await post(
        { alias: 'billing', name: 'Billing 2', roles: ['agent', 'creator'] },
        t.adminKey,
        '/api/apikey/',
      );
      expect(renewed.statusCode).toBe(200);
      const b = renewed.json();
      expect(b).toMatchObject({
        key: a.key,
        name: 'Billing 2',
        roles: ['agent', 'creator'],
        renewed: true,
        is_active: true,
      });
      expect(b.created_at).toBe(a.created_at);
      expect(Date.parse(b.expire)).toBeGreaterThanOrEqual(Date.parse(a.expire));
    });

    it('renewal reactivates a revoked key', async () => {
      const { key } = (await post({ alias: 'svc', name: 'Svc' })).json();
      expect(
        (await t.app.inject({ method: 'DELETE', url: `/api/apikey/${key}`, headers: auth(t.adminKey) })).statusCode,
      ).toBe(200);
      const renewed = await post({ alias: 'svc', name: 'Svc' });
      expect(renewed.statusCode).toBe(200);
      expect(renewed.json()).toMatchObject({ key, is_active: true, renewed: true });
      const summary = await t.app.inject({ url: '/api/apikey/svc', headers: auth(t.adminKey) });
      expect(summary.json()).toMatchObject({ is_active: true, status: 'active' });
    });

    it.each([
      [undefined, 'invalid or missing JSON body'],
      [{}, 'invalid or missing JSON body'],
      [[1, 2], 'invalid or missing JSON body'],
      [{ name: 'n' }, 'alias is required'],
      [{ alias: '  ', name: 'n' }, 'alias is required'],
      [{ alias: null, name: 'n' }, 'alias is required'],
      [{ alias: 'a' }, 'Name is required'],
      [{ alias: 'a', name: '' }, 'Name is required'],
      [{ alias: 'a', name: 'n', roles: ['root'] }, "roles must be a subset of ['admin', 'agent', 'creator', 'user']"],
      [{ alias: 'a', name: 'n', roles: 'admin' }, "roles must be a subset of ['admin', 'agent', 'creator', 'user']"],
      [{ alias: 7, name: 'n' }, 'alias must be a string'],
      [{ alias: 'a', name: { x: 1 } }, 'name must be a string'],
      [{ alias: 'x'.repeat(129), name: 'n' }, 'alias must be at most 128 characters'],
      [{ alias: 'x'.repeat(5000), name: 'n' }, 'alias must be at most 128 characters'],
      [{ alias: 'a', name: 'n'.repeat(257) }, 'name must be at most 256 characters'],
      [{ alias: 'a\tb', name: 'n' }, 'alias must not contain control characters'],
      [{ alias: 'a', name: 'n', roles: ['user', 'user'] }, 'roles must not contain duplicates'],
    ])('refuses bad body #%# with its 400 message, appending nothing', async (body, message) => {
      const before = await t.ledger.store.readAll();
      const res = await post(body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: message });
      expect(await t.ledger.store.readAll()).toHaveLength(before.length);
    });

    it('answers a non-JSON or broken body with the seed message', async () => {
      for (const [type, payload] of [
        ['text/plain', 'hello'],
        ['application/json', '{"alias":'],
        ['application/json', ''],
      ]) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/apikey',
          headers: { ...auth(t.adminKey), 'content-type': type! },
          payload,
        });
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({ error: 'invalid or missing JSON body' });
      }
    });

    it('ignores unknown fields', async () => {
      const res = await post({ alias: 'x', name: 'X', roles: [], admin: true, key: 'ak_mine' });
      expect(res.statusCode).toBe(201);
      expect(res.json().key).not.toBe('ak_mine');
      expect(res.json()).not.toHaveProperty('admin');
    });

    it('20 parallel creates of one alias: one key created, 19 renewals, one key string', async () => {
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => post({ alias: 'race', name: `n${i}` })));
      expect(answers.filter((a) => a.statusCode === 201)).toHaveLength(1);
      expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(19);
      expect(new Set(answers.map((a) => a.json().key)).size).toBe(1);
      const types = (await t.ledger.store.readStream('apikey-race')).map((e) => e.type);
      expect(types.filter((x) => x === 'ApiKeyCreated.v2')).toHaveLength(1);
      expect(types.filter((x) => x === 'ApiKeyRenewed.v2')).toHaveLength(19);
    });
  });

  describe('DELETE /api/apikey/:key', () => {
    it('revokes, and the key fails on the very next request', async () => {
      const { key } = (await post({ alias: 'ops', name: 'Ops', roles: ['admin'] })).json();
      expect((await t.app.inject({ url: '/api/apikey', headers: auth(key) })).statusCode).toBe(200);
      const res = await t.app.inject({ method: 'DELETE', url: `/api/apikey/${key}`, headers: auth(t.adminKey) });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ message: 'API key revoked successfully' });
      const next = await t.app.inject({ url: '/api/apikey', headers: auth(key) });
      expect(next.statusCode).toBe(401);
      expect(next.json()).toEqual({ error: 'API key revoked' });
    });

    it('is 404 "API key not found" when unknown, malformed or already revoked', async () => {
      const { key } = (await post({ alias: 'gone', name: 'Gone' })).json();
      await t.app.inject({ method: 'DELETE', url: `/api/apikey/${key}`, headers: auth(t.adminKey) });
      const unknown = 'ak_' + 'A'.repeat(38);
      for (const k of [key, unknown, 'not-a-key', `${key.slice(0, -1)}x`]) {
        const res = await t.app.inject({ method: 'DELETE', url: `/api/apikey/${k}`, headers: auth(t.adminKey) });
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({ error: 'API key not found' });
      }
    });
  });

  describe('GET /api/apikey and /api/apikey/:alias', () => {
    it('lists newest first without secrets, and shows one by alias', async () => {
      const created = (await post({ alias: 'first', name: 'First', roles: ['user'] })).json();
      await new Promise((r) => setTimeout(r, 5));
      await post({ alias: 'second', name: 'Second' });
      const list = await t.app.inject({ url: '/api/apikey', headers: { 'x-api-key': t.adminKey } });
      expect(list.statusCode).toBe(200);
      const items = list.json();
      expect(items.map((i: { alias: string }) => i.alias)).toEqual(['second', 'first', 'root-admin']);
      expect(Object.keys(items[0]).sort()).toEqual(
        [
          'alias',
          'created_at',
          'expire',
          'is_active',
          'key_prefix',
          'last_used_at',
          'meta',
          'name',
          'owner',
          'roles',
          'status',
          'updated_at',
        ].sort(),
      );
      expect(list.body).not.toContain(created.key);
      expect(items[1].key_prefix).toBe(created.key.slice(0, 8));

      const one = await t.app.inject({ url: '/api/apikey/first', headers: auth(t.adminKey) });
      expect(one.statusCode).toBe(200);
      expect(one.json()).toMatchObject({
        alias: 'first',
        name: 'First',
        roles: ['user'],
        status: 'active',
        is_active: true,
      });
      const missing = await t.app.inject({ url: '/api/apikey/nobody', headers: auth(t.adminKey) });
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toEqual({ error: 'API key not found' });
    });
  });

  describe('admin authentication', () => {
    it.each([
      ['no key', {}, 401, 'authentication required'],
      ['malformed key', { authorization: 'Bearer nope' }, 401, 'invalid API key'],
      ['unknown key', { 'x-api-key': 'ak_' + 'B'.repeat(38) }, 401, 'invalid API key'],
      ['wrong scheme', { authorization: `Basic abc` }, 401, 'authentication required'],
    ])('%s', async (_label, headers, status, message) => {
      for (const [method, url] of [
        ['POST', '/api/apikey'],
        ['GET', '/api/apikey'],
        ['GET', '/api/apikey/root-admin'],
        ['DELETE', `/api/apikey/${t.adminKey}`],
      ] as const) {
        const res = await t.app.inject({
          method,
          url,
          headers,
          payload: method === 'POST' ? { alias: 'a', name: 'n' } : undefined,
        });
        expect(res.statusCode).toBe(status);
        expect(res.json()).toEqual({ error: message });
        expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="keyledger"/);
      }
      expect(t.ledger.readModel.findByAlias('root-admin')?.status).toBe('active');
      expect(t.ledger.readModel.size).toBe(1);
    });

    it('expired key -> 401, non-admin key -> 403', async () => {
      let now = new Date();
      const clockedRun = await backend.start({ clock: () => now, env: { KEY_TTL_SECONDS: '60' } });
      const clocked = clockedRun.t;
      try {
        const userKey = await clocked.mint('plain', ['user', 'creator']);
        const forbidden = await clocked.app.inject({ url: '/api/apikey', headers: auth(userKey) });
        expect(forbidden.statusCode).toBe(403);
        expect(forbidden.json()).toEqual({ error: 'admin role required' });
        now = new Date(Date.now() - 3_600_000);
        const oldAdmin = await clocked.mint('old-admin', ['admin']);
        const expired = await clocked.app.inject({ url: '/api/apikey', headers: auth(oldAdmin) });
        expect(expired.statusCode).toBe(401);
        expect(expired.json()).toEqual({ error: 'API key expired' });
      } finally {
        await clockedRun.close();
      }
    });
  });

  describe('failures', () => {
    it('maps an unreachable store to 503 and anything unexpected to a bare 500', async () => {
      const store = t.ledger.store as unknown as { appendToStream: unknown; readStream: unknown };
      const original = store.readStream;
      store.readStream = async () => {
        throw new Error('disk on fire at /secret/path');
      };
      const boom = await post({ alias: 'x', name: 'X' });
      expect(boom.statusCode).toBe(500);
      expect(boom.json()).toEqual({ error: 'internal error' });
      expect(boom.body).not.toContain('disk on fire');
      store.readStream = original;

      await t.ledger.store.close();
      const down = await post({ alias: 'y', name: 'Y' });
      expect(down.statusCode).toBe(503);
      expect(down.json()).toEqual({ error: 'event store unavailable' });
    });

    it('answers unknown routes with a JSON 404 that does not echo the path', async () => {
      const res = await t.app.inject({ method: 'PATCH', url: `/api/apikey/${t.adminKey}` });
      expect(res.statusCode).toBe(404);
      expect(res.body).not.toContain(t.adminKey);
    });
  });

  describe('secrets', () => {
    it('never writes a key in plaintext to the data directory or the logs', async () => {
      const keys: string[] = [t.adminKey];
      for (const alias of ['s1', 's2']) keys.push((await post({ alias, name: alias, roles: ['user'] })).json().key);
      await post({ alias: 's1', name: 'renamed' });
      await t.app.inject({ method: 'DELETE', url: `/api/apikey/${keys[1]}`, headers: auth(t.adminKey) });
      await t.app.inject({ method: 'DELETE', url: `/api/apikey/${keys[1]}`, headers: { 'x-api-key': t.adminKey } });
      await t.app.inject({ url: '/api/apikey', headers: auth(keys[2]!) });
      const files = readdirSync(t.dataDir).map((f) => readFileSync(join(t.dataDir, f)).toString('latin1'));
      const logs = t.logs.join('\n');
      expect(logs).toContain('request completed');
      for (const key of keys) {
        for (const content of files) expect(content).not.toContain(key);
        expect(logs).not.toContain(key);
      }
    });
  });

  (backend.kind === 'sqlite' ? describe : describe.skip)('the CLI beside the server', () => {
    it('events appended by another process on the same store reach the read model within a second', async () => {
      const other = openSqliteEventStore(join(t.dataDir, 'events.sqlite'));
      await other.appendToStream(
        'apikey-from-cli',
        [
          {
            id: '018f0000-0000-7000-8000-000000000001',
            type: 'ApiKeyCreated.v1',
            data: {
              alias: 'from-cli',
              name: 'CLI',
              roles: [],
              keyHash: 'h',
              keyPrefix: 'ak_xxxxx',
              sealedKey: 'v1.x',
              expire: new Date(Date.now() + 60_000).toISOString(),
              createdAt: new Date().toISOString(),
            },
            metadata: {
              actor: 'cli:test',
              requestId: 'r',
              correlationId: 'r',
              causationId: 'r',
              at: new Date().toISOString(),
            },
          },
        ],
        'no_stream',
      );
      await waitFor(() => t.ledger.readModel.findByAlias('from-cli') !== undefined, 'the server to see it', 1000);
      await other.close();
    });
  });
});
