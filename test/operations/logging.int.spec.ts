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
