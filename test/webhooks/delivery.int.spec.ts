import { startTestApp, tempDir, type TestApp } from '../support/testApp';
import { waitFor } from '../support/wait';
import { WebhookReceiver } from '../support/webhookReceiver';
import { rmSync } from 'node:fs';

const FAST_RETRIES = {
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_RETRY_BASE_MS: '50',
  WEBHOOK_RETRY_MAX_MS: '400',
};

describe('webhook delivery to a real receiver', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  const auth = () => ({ authorization: `Bearer ${t.adminKey}` });
  const register = async (body: Record<string, unknown> = {}) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/webhooks',
      headers: auth(),
      payload: { url: receiver.url, ...body },
    });
    expect(res.statusCode).toBe(201);
    return res.json() as { id: string; secret: string };
  };
  const createKey = async (alias: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/apikey',
      headers: auth(),
      payload: { alias, name: alias, roles: ['user'] },
    });
    expect(res.statusCode).toBeLessThan(300);
    return res.json() as { key: string };
  };
  const revoke = async (key: string) =>
    expect((await t.app.inject({ method: 'DELETE', url: `/api/apikey/${key}`, headers: auth() })).statusCode).toBe(200);

  beforeEach(async () => {
    receiver = await new WebhookReceiver().start();
  });
  afterEach(async () => {
    await t?.close();
    await receiver.stop();
  });

  it('delivers a key created, rotated and revoked as three signed deliveries, in order', async () => {
    t = await startTestApp({ env: FAST_RETRIES });
    const { secret } = await register();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const { key } = await createKey('billing');
    const rotated = await t.app.inject({ method: 'POST', url: '/api/apikey/billing/rotate', headers: auth() });
    expect(rotated.statusCode).toBe(200);
    const newKey = rotated.json().key as string;
    await revoke(newKey);

    await waitFor(() => receiver.received.length >= 3, 'three deliveries');
    const deliveries = receiver.verified(secret);
    expect(deliveries.map((d) => d.type)).toEqual(['key.created', 'key.rotated', 'key.revoked']);
    const prefixes = [key.slice(0, 8), newKey.slice(0, 8), newKey.slice(0, 8)];
    deliveries.forEach((d, i) => {
      expect(d.data).toEqual({
        alias: 'billing',
        name: 'billing',
        roles: ['user'],
        owner: null,
        expire: expect.any(String),
        key_prefix: prefixes[i],
        actor: 'root-admin',
        request_id: expect.any(String),
        position: expect.stringMatching(/^\d+$/),
      });
      expect(Number.isFinite(Date.parse(d.timestamp))).toBe(true);
    });
    const positions = deliveries.map((d) => BigInt(d.data['position'] as string));
    expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);
    expect(new Set(deliveries.map((d) => d.id)).size).toBe(3);
    for (const r of receiver.received) {
      expect(r.body).not.toContain(key);
      expect(r.body).not.toContain(newKey);
      expect(r.headers['webhook-signature']).toMatch(/^v1,/);
    }
    // A wrong secret does not verify.
    expect(() => receiver.verified(`whsec_${Buffer.alloc(32, 1).toString('base64')}`)).toThrow();
  });

  it('delivers only the subscribed event types', async () => {
    t = await startTestApp({ env: FAST_RETRIES });
    const { secret } = await register({ events: ['key.revoked'] });
    const { key } = await createKey('svc');
    await revoke(key);
    await waitFor(() => receiver.received.length >= 1, 'one delivery');
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.verified(secret).map((d) => d.type)).toEqual(['key.revoked']);
  });

  it('a slow endpoint holds up neither another endpoint nor commands', async () => {
    t = await startTestApp({ env: FAST_RETRIES });
    const slow = await new WebhookReceiver().start();
    try {
      slow.delayMs = 5_000;
      const slowHook = (
        await t.app.inject({ method: 'POST', url: '/api/webhooks', headers: auth(), payload: { url: slow.url } })
      ).json();
      const { secret } = await register();
      const started = Date.now();
      const { key } = await createKey('x');
      await createKey('x');
      await revoke(key);
      expect(Date.now() - started).toBeLessThan(3_000);
      await waitFor(() => receiver.received.length >= 3, 'the fast endpoint got all three', 3_000);
      expect(receiver.verified(secret).map((d) => d.type)).toEqual(['key.created', 'key.renewed', 'key.revoked']);
      expect(slow.received).toHaveLength(1);
      expect(slowHook.id).toEqual(expect.any(String));
    } finally {
      await slow.stop();
    }
  });

  it('gets everything once per webhook-id after the receiver was down for 10 s', async () => {
    t = await startTestApp({ env: FAST_RETRIES });
    const { id, secret } = await register();
    await receiver.stop();
    const { key } = await createKey('a');
    await createKey('b');
    await revoke(key);
    await waitFor(
      async () => (await t.app.inject({ url: `/api/webhooks/${id}/deliveries`, headers: auth() })).json().length >= 3,
      'failed attempts recorded',
    );
    const attempts = (await t.app.inject({ url: `/api/webhooks/${id}/deliveries`, headers: auth() })).json();
    expect(attempts[0]).toMatchObject({
      event: 'key.created',
      status_code: null,
      error: 'ECONNREFUSED',
      next_retry_at: expect.any(String),
    });
    await new Promise((r) => setTimeout(r, 10_000));
    await receiver.start();
    await waitFor(() => receiver.received.length >= 3, 'three deliveries after the receiver came back');
    await new Promise((r) => setTimeout(r, 500));
    const deliveries = receiver.verified(secret);
    expect(deliveries.map((d) => [d.type, d.data['alias']])).toEqual([
      ['key.created', 'a'],
      ['key.created', 'b'],
      ['key.revoked', 'a'],
    ]);
    expect(new Set(deliveries.map((d) => d.id)).size).toBe(deliveries.length);
  }, 30_000);

  it('loses nothing across a restart of keyledger mid-stream', async () => {
    const dataDir = tempDir();
    const env = { ...FAST_RETRIES, KEY_SEAL_SECRET: 'x'.repeat(32) };
    try {
      t = await startTestApp({ env, dataDir });
      const { secret } = await register();
      receiver.delayMs = 150;
      for (let i = 0; i < 8; i++) await createKey(`k${i}`);
      await waitFor(() => receiver.received.length >= 2, 'deliveries under way');
      await t.close();
      const before = receiver.received.length;
      expect(before).toBeLessThan(8);
      receiver.delayMs = 0;
      t = await startTestApp({ env, dataDir });
      await waitFor(
        () =>
          new Set(
            receiver
              .verified(secret)
              .filter((d) => d.type === 'key.created')
              .map((d) => d.id),
          ).size >= 8,
        'all eight creations delivered',
      );
      const created = receiver.verified(secret).filter((d) => d.type === 'key.created');
      const firstOfEach = [...new Map(created.map((d) => [d.id, d.data['alias']])).values()];
      expect(firstOfEach).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7']);
      // At least once: only what was in flight at the restart may come twice.
      expect(created.length - 8).toBeLessThanOrEqual(1);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('marks an endpoint failing when retries run out, shows it, and resumes when re-enabled', async () => {
    t = await startTestApp({ env: { ...FAST_RETRIES, WEBHOOK_RETRY_WINDOW_SECONDS: '1' } });
    const { id, secret } = await register();
    receiver.status = 500;
    await createKey('late');
    await waitFor(
      async () => (await t.app.inject({ url: `/api/webhooks/${id}`, headers: auth() })).json().status === 'failing',
      'endpoint failing',
    );
    const listed = (await t.app.inject({ url: '/api/webhooks', headers: auth() })).json();
    expect(listed).toEqual([
      expect.objectContaining({ id, status: 'failing', failing_reason: expect.stringContaining('HTTP 500') }),
    ]);
    const metrics = (await t.app.inject({ url: '/metrics' })).body;
    expect(metrics).toContain(`keyledger_webhook_failing{webhook_id="${id}"} 1`);
    expect(metrics).toContain('keyledger_webhook_endpoints{status="failing"} 1');

    // Skipped while failing.
    const seen = receiver.received.length;
    await createKey('skipped-for-now');
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.received.length).toBe(seen);

    receiver.status = 200;
    const enabled = await t.app.inject({ method: 'POST', url: `/api/webhooks/${id}/enable`, headers: auth() });
    expect(enabled.statusCode).toBe(200);
    expect(enabled.json()).toMatchObject({ id, status: 'enabled', failing_since: null });
    await waitFor(() => receiver.received.some((r) => r.body.includes('skipped-for-now')), 'resumed deliveries');
    const ok = receiver.verified(secret).filter((_, i) => receiver.received[i]!.body.includes('"late"'));
    expect(ok.length).toBeGreaterThan(1);
  });

  it('fires key.expiring once per key and expiry within the lead time', async () => {
    t = await startTestApp({ env: { ...FAST_RETRIES, KEY_TTL_SECONDS: '3600', WEBHOOK_EXPIRING_SCAN_MS: '100' } });
    const { secret } = await register({ events: ['key.expiring'] });
    await createKey('soon');
    await waitFor(() => receiver.received.length >= 2, 'key.expiring delivered');
    await new Promise((r) => setTimeout(r, 600));
    // Both keys (the admin key too) expire within the lead time: one notice each, however many scans ran.
    const deliveries = receiver.verified(secret);
    expect(deliveries.map((d) => [d.type, d.data['alias']])).toEqual([
      ['key.expiring', 'root-admin'],
      ['key.expiring', 'soon'],
    ]);
    expect(deliveries[1]!.data['expire']).toBe(
      (await t.app.inject({ url: '/api/apikey/soon', headers: auth() })).json().expire,
    );
  });
});
