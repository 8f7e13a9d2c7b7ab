import { startTestApp, type TestApp } from '../support/testApp';

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp({ env: { LOG_LEVEL: 'trace' } });
});
afterEach(async () => {
  await t.close();
});

describe('structured logs', () => {
  it('never contain a key, through create, verify, auth headers, errors and revoke', async () => {
    const admin = { authorization: `Bearer ${t.adminKey}` };
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/apikey',
      headers: admin,
      payload: { alias: 'svc', name: 'Svc', roles: ['user'] },
    });
    const key: string = created.json().key;
    await t.app.inject({ method: 'POST', url: '/api/apikey/verify', payload: { key, roles: ['user'] } });
    await t.app.inject({ method: 'POST', url: '/api/apikey/verify', payload: { key, roles: ['nope'] } });
    await t.app.inject({
      method: 'POST',
      url: '/api/apikey/verify',
      headers: { 'content-type': 'application/json' },
      payload: `{"key": "${key}"`,
    });
    await t.app.inject({ url: `/api/apikey?key=${key}`, headers: { 'x-api-key': key } });
    await t.app.inject({ url: `/no/such/${key}` });
    const revoked = await t.app.inject({ method: 'DELETE', url: `/api/apikey/${key}`, headers: admin });
    expect(revoked.statusCode).toBe(200);

    const text = t.logs.join('');
    expect(text).toContain('/api/apikey/[REDACTED]'); // the revoke was logged, masked
    expect(text).toContain('"url":"/api/apikey/verify"');
    for (const secret of [key, t.adminKey]) expect(text).not.toContain(secret);
  });

  it('carry the request id, taken from X-Request-Id when sane and echoed back', async () => {
    const res = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers['x-request-id']).toBe('abc-123');
    const lines = t.logs.map((l) => JSON.parse(l) as { reqId?: string; msg?: string });
    expect(lines.filter((l) => l.reqId === 'abc-123').map((l) => l.msg)).toEqual(
      expect.arrayContaining(['incoming request', 'request completed']),
    );
    const generated = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': 'bad id with spaces' } });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
    const next = await t.app.inject({ url: '/healthz' });
    expect(next.headers['x-request-id']).not.toBe(generated.headers['x-request-id']);
  });
});

describe('key material in request ids and URLs', () => {
  const admin = () => ({ authorization: `Bearer ${t.adminKey}` });

  it('replaces a request id that looks like a key: not echoed, logged, or stored in events', async () => {
    const key = await t.mint('victim', ['user']);
    for (const id of [key, `req-${key}`, key.slice(3), 'ak_0123456789abcdefXYZ', 'x'.repeat(65)]) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/apikey',
        headers: { ...admin(), 'x-request-id': id },
        payload: { alias: `svc-${id.length}`, name: 'Svc' },
      });
      expect(res.statusCode).toBe(201);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
    }
    // Sane ids are kept, UUIDs and hex trace ids included.
    for (const id of ['abc-123', '4bf92f3577b34da6a3ce929d0e0e4736', 'f47ac10b-58cc-4372-a567-0e02b2c3d479']) {
      const res = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': id } });
      expect(res.headers['x-request-id']).toBe(id);
    }
    const events = JSON.stringify(
      (await t.ledger.store.readAll()).map((e) => ({ data: e.data, metadata: e.metadata })),
    );
    const audit = (await t.app.inject({ url: '/api/audit?limit=500', headers: admin() })).body;
    for (const text of [t.logs.join(''), events, audit]) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(key.slice(3));
    }
  });

  it('redacts percent-encoded keys, keys glued to word characters, and DELETEs on unmatched routes', async () => {
    const key = await t.mint('victim', ['user']);
    const body = key.slice(3);
    const encoded = [...key].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
    await t.app.inject({ url: `/api/apikey/${encoded}`, headers: admin() });
    await t.app.inject({ url: `/no/such/path/x1${key}` });
    await t.app.inject({ url: `/no/such/path/id_${key}?q=1` });
    await t.app.inject({ method: 'DELETE', url: `/api/apikey/${body}/extra`, headers: admin() });
    await t.app.inject({ method: 'DELETE', url: `/api/apikeys/${body.slice(0, 20)}`, headers: admin() });
    await t.app.inject({ method: 'DELETE', url: `/api/apikey/${key}?k=${body}`, headers: admin() });
    const text = t.logs.join('');
    expect(text).toContain('"url":"/no/such/path/[REDACTED]"');
    expect(text).toContain('"url":"/api/apikeys/[REDACTED]"');
    for (const secret of [key, body, body.slice(0, 20), encoded, encoded.slice(9)]) expect(text).not.toContain(secret);
  });
});

describe('request lines at the default level (info)', () => {
  let quiet: TestApp;
  beforeEach(async () => {
    quiet = await startTestApp({ env: { LOG_LEVEL: 'info' } });
  });
  afterEach(async () => {
    await quiet.close();
  });
  const linesOf = (id: string) =>
    quiet.logs
      .map((l) => JSON.parse(l) as { reqId?: string; msg?: string; res?: { statusCode?: number }; req?: object })
      .filter((l) => l.reqId === id);

  it('are written for commands; a read or a verification that succeeds writes none', async () => {
    const admin = { authorization: `Bearer ${quiet.adminKey}` };
    const created = await quiet.app.inject({
      method: 'POST',
      url: '/api/apikey',
      headers: { ...admin, 'x-request-id': 'cmd-1' },
      payload: { alias: 'svc', name: 'Svc', roles: ['user'] },
    });
    expect(created.statusCode).toBe(201);
    expect(linesOf('cmd-1').map((l) => l.msg)).toEqual(['incoming request', 'request completed']);

    const read = await quiet.app.inject({ url: '/api/apikey/svc', headers: { ...admin, 'x-request-id': 'read-1' } });
    expect(read.statusCode).toBe(200);
    const verified = await quiet.app.inject({
      method: 'POST',
      url: '/api/apikey/verify',
      headers: { 'x-request-id': 'verify-1' },
      payload: { key: created.json().key },
    });
    expect(verified.json().valid).toBe(true);
    expect(linesOf('read-1')).toEqual([]);
    expect(linesOf('verify-1')).toEqual([]);
  });

  it('a read that fails writes one line, with its status and its redacted URL', async () => {
    const key = await quiet.mint('victim', ['user']);
    const denied = await quiet.app.inject({
      url: `/api/apikey/svc?k=${key}`,
      headers: { authorization: `Bearer ${key}`, 'x-request-id': 'denied-1' },
    });
    expect(denied.statusCode).toBe(403);
    const lines = linesOf('denied-1');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'request completed', res: { statusCode: 403 }, req: { method: 'GET' } });
    expect(quiet.logs.join('')).not.toContain(key);
  });
});
