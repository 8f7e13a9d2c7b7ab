import { startTestApp, type TestApp } from '../support/testApp';

describe('webhook endpoints API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });
  const auth = (key = t.adminKey) => ({ authorization: `Bearer ${key}` });
  const create = (payload: unknown, key?: string) =>
    t.app.inject({ method: 'POST', url: '/api/webhooks', headers: auth(key), payload: payload as never });

  it('registers an endpoint: 201 with the secret once, then lists and reads it without the secret', async () => {
    const res = await create({ url: 'https://93.184.216.34/hooks', events: ['key.revoked'], description: 'SIEM' });
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      url: 'https://93.184.216.34/hooks',
      events: ['key.revoked'],
      description: 'SIEM',
      status: 'enabled',
      failing_since: null,
      failing_reason: null,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
      created_at: expect.any(String),
    });
    const { secret, ...withoutSecret } = created;
    const listed = await t.app.inject({ url: '/api/webhooks', headers: auth() });
    expect(listed.json()).toContainEqual(withoutSecret);
    const one = await t.app.inject({ url: `/api/webhooks/${created.id}`, headers: auth() });
    expect(one.json()).toEqual(withoutSecret);
    expect(listed.body + one.body).not.toContain(secret.slice(6));

    // The registration is an event on the endpoint's stream, by the admin, with the secret sealed.
    const [event] = await t.ledger.store.readStream(`webhook-${created.id}`);
    expect(event).toMatchObject({ type: 'WebhookRegistered.v1', metadata: { actor: 'root-admin' } });
    expect(JSON.stringify(event!.data)).not.toContain(secret.slice(6));

    const deliveries = await t.app.inject({ url: `/api/webhooks/${created.id}/deliveries`, headers: auth() });
    expect(deliveries.statusCode).toBe(200);
    expect(Array.isArray(deliveries.json())).toBe(true);
  });

  it('deletes an endpoint: then it is not found', async () => {
    const { id } = (await create({ url: 'https://93.184.216.34/other' })).json();
    const del = await t.app.inject({ method: 'DELETE', url: `/api/webhooks/${id}`, headers: auth() });
    expect(del.statusCode).toBe(200);
    expect(del.json()).toEqual({ message: 'webhook deleted' });
    for (const [method, url] of [
      ['GET', `/api/webhooks/${id}`],
      ['DELETE', `/api/webhooks/${id}`],
      ['POST', `/api/webhooks/${id}/enable`],
      ['GET', `/api/webhooks/${id}/deliveries`],
      ['GET', '/api/webhooks/no-such-id'],
    ] as const) {
      const res = await t.app.inject({ method, url, headers: auth() });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: 'webhook not found' });
    }
    expect(
      (await t.app.inject({ url: '/api/webhooks', headers: auth() })).json().map((w: { id: string }) => w.id),
    ).not.toContain(id);
  });

  it.each([
    [{}, 'url is required'],
    [{ url: 'ftp://93.184.216.34/' }, 'url must be an absolute http(s) URL'],
    [
      { url: 'https://93.184.216.34/', events: ['key.nope'] },
      expect.stringContaining('events must be a non-empty subset'),
    ],
    [{ url: 'http://127.0.0.1:9/hooks' }, 'url must resolve to a public address (WEBHOOK_ALLOW_PRIVATE is off)'],
    [{ url: 'http://[::1]/hooks' }, 'url must resolve to a public address (WEBHOOK_ALLOW_PRIVATE is off)'],
    [{ url: 'http://localhost/hooks' }, 'url must resolve to a public address (WEBHOOK_ALLOW_PRIVATE is off)'],
  ])('refuses %j with 400 and records nothing', async (payload, error) => {
    const before = (await t.ledger.store.readAll()).length;
    const res = await create(payload);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error });
    expect((await t.ledger.store.readAll()).length).toBe(before);
  });

  it('is for admins only', async () => {
    const user = await t.mint('plain-user', ['user']);
    expect((await t.app.inject({ url: '/api/webhooks' })).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/api/webhooks', headers: auth(user) })).statusCode).toBe(403);
    expect((await create({ url: 'https://93.184.216.34/' }, user)).statusCode).toBe(403);
  });
});
