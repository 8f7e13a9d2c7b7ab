import type { FastifyInstance } from 'fastify';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { keyledgerAuth } from '../../api/plugin/fastifyPlugin';
import { generateKey } from '../../infrastructure/keys/keyCrypto';
import { startTestApp, tempDir, type TestApp } from '../support/testApp';
import { sampleApp } from './sampleApp';

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe.each(['verifier', 'readModel', 'remote'] as const)('keyledgerAuth (%s mode)', (mode) => {
  let t: TestApp;
  let app: FastifyInstance;
  beforeAll(async () => {
    t = await startTestApp();
    if (mode === 'verifier') {
      app = await sampleApp({ verifier: t.ledger.verifier });
    } else if (mode === 'readModel') {
      app = await sampleApp({ readModel: t.ledger.readModel, keyPrefix: t.ledger.config.APIKEY_PREFIX });
    } else {
      const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
      // No cache, so that the revocation below is seen at once.
      app = await sampleApp({ verifyUrl: `${address}/api/apikey/verify`, cacheTtlMs: 0 });
    }
  });
  afterAll(async () => {
    await app.close();
    await t.close();
  });

  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ url, headers });

  it('leaves unprotected routes alone and answers 401 with a challenge without a key', async () => {
    expect((await get('/public')).statusCode).toBe(200);
    const res = await get('/markdown');
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: 'authentication required' });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="keyledger"/);
  });

  it('answers 401 for a malformed, unknown or revoked key', async () => {
    expect((await get('/me', bearer('not-a-key'))).json()).toEqual({ error: 'invalid API key' });
    const stranger = await startTestApp();
    const unknown = await stranger.mint('x', ['admin']);
    await stranger.close();
    const res = await get('/me', bearer(unknown));
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toContain('invalid_token');

    const key = await t.mint('leaving', ['admin']);
    expect((await get('/config', bearer(key))).statusCode).toBe(200);
    await t.ledger.keys.revoke(key, { actor: 'test', requestId: 'r1' });
    const revoked = await get('/config', bearer(key));
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json()).toEqual({ error: 'API key revoked' });
  });

  it('lets through a key holding one of the route’s roles, 403 otherwise, like the seed’s require_auth', async () => {
    const agent = await t.mint('agent', ['agent'], 'Agent');
    const user = await t.mint('user', ['user']);
    const me = await get('/me', { 'x-api-key': agent });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({ alias: 'agent', name: 'Agent', roles: ['agent'], expire: expect.any(String) });

    expect((await get('/backup', bearer(agent))).json()).toEqual({ backup: true });
    expect((await app.inject({ method: 'PATCH', url: '/markdown', headers: bearer(agent) })).statusCode).toBe(200);
    expect((await get('/markdown', bearer(user))).json()).toEqual({ alias: 'user' });

    const forbidden = await get('/backup', bearer(user));
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toEqual({ error: 'one of admin, agent role required' });
    expect(forbidden.headers['www-authenticate']).toContain('insufficient_scope');
    expect((await get('/config', bearer(agent))).statusCode).toBe(403);
    expect((await get('/config', bearer(t.adminKey))).statusCode).toBe(200);
  });
});

describe('keyledgerAuth remote mode: cache and failing closed', () => {
  let stub: Server;
  let calls = 0;
  let lastBody: Record<string, unknown> = {};
  let answer: { status: number; body: unknown } = { status: 200, body: {} };
  let verifyUrl: string;
  const valid = {
    valid: true,
    code: 'VALID',
    alias: 'svc',
    name: 'Svc',
    roles: ['admin'],
    expire: new Date(Date.now() + 86_400_000).toISOString(),
  };
  const key = generateKey('ak');

  beforeAll(async () => {
    stub = createServer((req, res) => {
      calls++;
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        lastBody = JSON.parse(body) as Record<string, unknown>;
        res.writeHead(answer.status, { 'content-type': 'application/json', 'retry-after': '7' });
        res.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
    verifyUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}/api/apikey/verify`;
  });
  afterAll(() => new Promise<void>((r) => stub.close(() => r())));
  beforeEach(() => {
    calls = 0;
    answer = { status: 200, body: valid };
  });
  afterEach(() => jest.restoreAllMocks());

  it('refuses keys with the prefix but a bad checksum locally, without calling the service', async () => {
    const app = await sampleApp({ verifyUrl, cacheTtlMs: 0 });
    const wrongChecksum = key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a');
    for (const junk of [wrongChecksum, `${key}x`, 'ak_short', 'x'.repeat(513)]) {
      const res = await app.inject({ url: '/me', headers: bearer(junk) });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: 'invalid API key' });
    }
    expect(calls).toBe(0);
    expect((await app.inject({ url: '/me', headers: bearer(key) })).statusCode).toBe(200);
    expect(calls).toBe(1);
    await app.close();
  });

  it('checks the service’s own prefix when told it; strings of other formats (imported keys) are asked', async () => {
    const app = await sampleApp({ verifyUrl, cacheTtlMs: 0, keyPrefix: 'corp' });
    const badCorp = generateKey('corp').slice(0, -1) + '!';
    expect((await app.inject({ url: '/me', headers: bearer(badCorp) })).statusCode).toBe(401);
    expect(calls).toBe(0);
    expect((await app.inject({ url: '/me', headers: bearer(generateKey('corp')) })).statusCode).toBe(200);
    expect((await app.inject({ url: '/me', headers: bearer('0f1e2d3c4b5a69788796a5b4c3d2e1f0') })).statusCode).toBe(
      200,
    );
    expect(calls).toBe(2);
    await app.close();
  });

  it('sends the end client’s address as client_ip', async () => {
    const app = await sampleApp({ verifyUrl, cacheTtlMs: 0 });
    await app.inject({ url: '/me', headers: bearer(key), remoteAddress: '203.0.113.7' });
    expect(lastBody).toEqual({ key, roles: [], client_ip: '203.0.113.7' });
    await app.close();
  });

  it('reuses an answer for a few seconds at most, even when asked for longer', async () => {
    const app = await sampleApp({ verifyUrl, cacheTtlMs: 60_000 });
    const start = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(start);
    expect((await app.inject({ url: '/config', headers: bearer(key) })).statusCode).toBe(200);
    clock.mockReturnValue(start + 4_000);
    expect((await app.inject({ url: '/config', headers: bearer(key) })).statusCode).toBe(200);
    expect(calls).toBe(1);
    answer = { status: 200, body: { ...valid, valid: false, code: 'REVOKED' } };
    clock.mockReturnValue(start + 5_001);
    expect((await app.inject({ url: '/config', headers: bearer(key) })).statusCode).toBe(401);
    expect(calls).toBe(2);
    await app.close();
  });

  it('refuses with 503 when the service errs, answers garbage or is unreachable', async () => {
    const app = await sampleApp({ verifyUrl, cacheTtlMs: 0 });
    answer = { status: 500, body: { error: 'internal error' } };
    expect((await app.inject({ url: '/me', headers: bearer(key) })).statusCode).toBe(503);
    answer = { status: 200, body: { hello: 'world' } };
    expect((await app.inject({ url: '/me', headers: bearer(key) })).statusCode).toBe(503);
    await app.close();

    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const orphan = await sampleApp({ verifyUrl: `http://127.0.0.1:${port}/api/apikey/verify`, timeoutMs: 500 });
    const res = await orphan.inject({ url: '/me', headers: bearer(key) });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ error: 'authentication unavailable' });
    await orphan.close();
  });

  it('passes the service’s 429 on with its Retry-After', async () => {
    const app = await sampleApp({ verifyUrl });
    answer = { status: 429, body: { error: 'too many failed verifications; retry later' } };
    const res = await app.inject({ url: '/me', headers: bearer(key) });
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('7');
    await app.close();
  });

  it('refuses to register without a read model or a valid URL', async () => {
    const Fastify = (await import('fastify')).default;
    await expect(
      Fastify()
        .register(keyledgerAuth, {} as never)
        .ready(),
    ).rejects.toThrow(/needs/);
    await expect(Fastify().register(keyledgerAuth, { verifyUrl: 'not a url' }).ready()).rejects.toThrow();
  });
});

describe('package entry points', () => {
  it('keyledger/fastify in-process mode works from outside, with a read model from keyledger/server', () => {
    const dataDir = tempDir();
    const script = `
      const Fastify = require('fastify');
      const { keyledgerAuth } = require('keyledger/fastify');
      const { openKeyledger, loadConfig, createLogger } = require('keyledger/server');
      (async () => {
        const ledger = await openKeyledger(loadConfig(process.env), createLogger('silent'));
        await ledger.projection.catchUp(10000);
        const origin = { actor: 'test', requestId: 'r' };
        const { key } = await ledger.keys.createOrRenew({ alias: 'svc', name: 'Svc', roles: ['agent'] }, origin);
        const app = Fastify();
        await app.register(keyledgerAuth, { readModel: ledger.readModel, keyPrefix: ledger.config.APIKEY_PREFIX });
        app.get('/me', { onRequest: app.requireAuth({ roles: ['agent'] }) }, async (r) => r.keyPrincipal.alias);
        const ok = await app.inject({ url: '/me', headers: { 'x-api-key': key } });
        const bad = await app.inject({ url: '/me', headers: { 'x-api-key': key.slice(0, -1) } });
        console.log(ok.statusCode, ok.body, bad.statusCode);
        await app.close();
        await ledger.close();
      })();`;
    try {
      const out = execFileSync(process.execPath, ['-e', script], {
        cwd: join(__dirname, '..', '..'),
        env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir },
        encoding: 'utf8',
      });
      expect(out.trim()).toBe('200 svc 401');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it.each(['keyledger', 'keyledger/fastify'])('%s resolves to the built plugin', (specifier) => {
    const root = join(__dirname, '..', '..');
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        `const m = require(${JSON.stringify(specifier)}); console.log(typeof m.keyledgerAuth, m.default === m.keyledgerAuth)`,
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(out.trim()).toBe('function true');
  });
});
