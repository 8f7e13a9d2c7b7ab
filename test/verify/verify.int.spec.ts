import { startTestApp, type TestApp } from '../support/testApp';

let t: TestApp;
afterEach(async () => {
  await t.close();
});

const verify = (payload: unknown, ip = '10.0.0.1') =>
  t.app.inject({ method: 'POST', url: '/api/apikey/verify', payload: payload as never, remoteAddress: ip });
const auth = (key: string) => ({ authorization: `Bearer ${key}` });

describe('POST /api/apikey/verify', () => {
  beforeEach(async () => {
    t = await startTestApp();
  });

  it('answers VALID with the key’s alias, name, roles and expiry, without an admin key', async () => {
    const key = await t.mint('billing', ['user', 'agent'], 'Billing');
    const res = await verify({ key, roles: ['user'] });
    expect(res.statusCode).toBe(200);
    const expire = t.ledger.readModel.findByAlias('billing')!.expire;
    expect(res.json()).toEqual({
      valid: true,
      code: 'VALID',
      alias: 'billing',
      name: 'Billing',
      roles: ['user', 'agent'],
      expire: new Date(expire).toISOString(),
      owner: null,
      meta: null,
    });
  });

  it('answers NOT_FOUND and MALFORMED with nulls', async () => {
    const key = await t.mint('billing');
    // Well formed, but never issued: a fresh key from another store.
    const other = await startTestApp();
    const stranger = await other.mint('billing');
    await other.close();
    const nulls = { valid: false, alias: null, name: null, roles: null, expire: null, owner: null, meta: null };
    expect((await verify({ key: stranger })).json()).toEqual({ ...nulls, code: 'NOT_FOUND' });
    // One character changed breaks the checksum: refused without a lookup.
    const flipped = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
    expect((await verify({ key: flipped })).json()).toEqual({ ...nulls, code: 'MALFORMED' });
    expect((await verify({ key: '' })).json()).toEqual({ ...nulls, code: 'MALFORMED' });
    expect((await verify({ key: 'ak_short' })).json()).toEqual({ ...nulls, code: 'MALFORMED' });
  });

  it('answers REVOKED and INSUFFICIENT_ROLE with the key’s details', async () => {
    const key = await t.mint('svc', ['user'], 'Svc');
    expect((await verify({ key, roles: ['admin'] })).json()).toMatchObject({
      valid: false,
      code: 'INSUFFICIENT_ROLE',
      alias: 'svc',
      roles: ['user'],
    });
    const revoked = await t.app.inject({ method: 'DELETE', url: `/api/apikey/${key}`, headers: auth(t.adminKey) });
    expect(revoked.statusCode).toBe(200);
    expect((await verify({ key })).json()).toMatchObject({ valid: false, code: 'REVOKED', alias: 'svc', name: 'Svc' });
  });

  it('answers EXPIRED once the validity has passed', async () => {
    await t.close();
    // Issued 20 days ago with 15 days of validity; the verifier reads real time.
    t = await startTestApp({ clock: () => new Date(Date.now() - 20 * 86_400_000) });
    const key = await t.mint('old', ['user']);
    expect((await verify({ key })).json()).toMatchObject({ valid: false, code: 'EXPIRED', alias: 'old' });
  });

  it('refuses a malformed request with 400, not a verification answer', async () => {
    for (const payload of [{}, { key: 42 }, { key: 'x', roles: ['root'] }, { key: 'x', roles: 'user' }]) {
      const res = await verify(payload);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: expect.any(String) });
    }
    const notJson = await t.app.inject({
      method: 'POST',
      url: '/api/apikey/verify',
      headers: { 'content-type': 'application/json' },
      payload: '{"key":',
    });
    expect(notJson.statusCode).toBe(400);
  });

  it('records last_used_at in the read model on success, shown in summary and list, with no event', async () => {
    const key = await t.mint('svc', ['user']);
    const summary = async () =>
      (await t.app.inject({ url: '/api/apikey/svc', headers: auth(t.adminKey) })).json().last_used_at;
    expect(await summary()).toBeNull();
    const eventsBefore = (await t.ledger.store.readAll()).length;

    await verify({ key, roles: ['admin'] }); // a refusal is not a use
    expect(await summary()).toBeNull();

    const before = Date.now();
    await verify({ key });
    const used = await summary();
    expect(Date.parse(used)).toBeGreaterThanOrEqual(before);
    const list = (await t.app.inject({ url: '/api/apikey', headers: auth(t.adminKey) })).json();
    expect(list.find((k: { alias: string }) => k.alias === 'svc').last_used_at).toBe(used);
    expect((await t.ledger.store.readAll()).length).toBe(eventsBefore);
  });
});

describe('rate limiting failed verifications', () => {
  beforeEach(async () => {
    t = await startTestApp({
      env: { VERIFY_RATE_LIMIT_MAX: '3', VERIFY_RATE_LIMIT_CALLER_MAX: '5', VERIFY_RATE_LIMIT_WINDOW_MS: '60000' },
    });
  });

  it('answers a failing key 429 with Retry-After after too many failures, and never a valid key', async () => {
    const bad = { key: 'ak_nope' };
    for (let i = 0; i < 3; i++) expect((await verify(bad)).statusCode).toBe(200);
    const limited = await verify(bad);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual({ error: expect.any(String) });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    // The limit is on failures: a valid key from the same address is answered.
    const key = await t.mint('svc');
    expect((await verify({ key })).json()).toMatchObject({ valid: true, code: 'VALID' });
    expect((await verify(bad, '10.0.0.2')).statusCode).toBe(200);
  });

  it('limits failures per end client (client_ip), and per caller under a higher ceiling', async () => {
    // max 3 per (caller, client), caller ceiling 5 (VERIFY_RATE_LIMIT_CALLER_MAX).
    const bad = (client_ip: string) => verify({ key: 'ak_nope', client_ip }, '10.0.0.7');
    for (let i = 0; i < 3; i++) expect((await bad('203.0.113.1')).statusCode).toBe(200);
    expect((await bad('203.0.113.1')).statusCode).toBe(429);
    // Another end client of the same caller is not limited by the first one's failures...
    expect((await bad('2001:db8::2')).statusCode).toBe(200);
    expect((await bad('203.0.113.3')).statusCode).toBe(200);
    // ...but inventing client addresses does not escape the caller's ceiling.
    expect((await bad('203.0.113.4')).statusCode).toBe(429);
    const key = await t.mint('svc');
    expect((await verify({ key, client_ip: '203.0.113.1' }, '10.0.0.7')).json().code).toBe('VALID');
  });

  it.each(['not-an-ip', '999.1.1.1', '', 42])('refuses client_ip %j with 400', async (client_ip) => {
    const res = await verify({ key: 'ak_nope', client_ip });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'client_ip must be an IP address' });
  });

  it('does not count successful verifications or role refusals', async () => {
    const key = await t.mint('svc', ['user']);
    for (let i = 0; i < 10; i++) expect((await verify({ key })).json().code).toBe('VALID');
    for (let i = 0; i < 10; i++)
      expect((await verify({ key, roles: ['admin'] })).json().code).toBe('INSUFFICIENT_ROLE');
    expect((await verify({ key })).statusCode).toBe(200);
  });

  it('counts failed admin authentications in the same per-address budget, never refusing a valid admin key', async () => {
    const list = (key: string) => t.app.inject({ url: '/api/apikey', headers: auth(key), remoteAddress: '10.0.0.9' });
    for (let i = 0; i < 3; i++) expect((await list('ak_wrong')).statusCode).toBe(401);
    const limited = await list('ak_wrong');
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    expect((await verify({ key: 'ak_wrong' }, '10.0.0.9')).statusCode).toBe(429);
    expect((await list(t.adminKey)).statusCode).toBe(200);
    expect((await verify({ key: t.adminKey }, '10.0.0.9')).json().code).toBe('VALID');
  });
});

describe('a flood of junk keys from one address', () => {
  beforeEach(async () => {
    t = await startTestApp();
  });

  it('does not lock out the valid users and admins of that address', async () => {
    const ip = '10.0.0.66';
    const junk = (i: number) => `ak_${i.toString().padStart(38, 'x')}`;
    for (let i = 0; i < 1_000; i++) {
      const viaVerify = await verify({ key: junk(i) }, ip);
      expect([200, 429]).toContain(viaVerify.statusCode);
      const viaAdmin = await t.app.inject({ url: '/api/apikey', headers: auth(junk(i)), remoteAddress: ip });
      expect([401, 429]).toContain(viaAdmin.statusCode);
    }
    // The flood did hit the limiter...
    expect((await verify({ key: junk(0) }, ip)).statusCode).toBe(429);
    // ...and valid keys from the same address still pass.
    const key = await t.mint('user-app', ['user']);
    const res = await verify({ key, roles: ['user'] }, ip);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ valid: true, code: 'VALID' });
    const admin = await t.app.inject({ url: '/api/apikey', headers: auth(t.adminKey), remoteAddress: ip });
    expect(admin.statusCode).toBe(200);
  });
});
