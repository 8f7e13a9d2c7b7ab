import { startTestApp, type TestApp } from '../support/testApp';
import { Answers, manualClock, TEN_YEARS } from './auditSupport';

/**
 * The four questions an auditor asks, each answered by one call. The story is told in
 * March 2025 (a Monday, 3rd, to the next Monday, 10th) with a hand-driven clock.
 */
describe('auditor questions', () => {
  let t: TestApp;
  let api: Answers;
  const clock = manualClock('2025-03-01T00:00:00.000Z');
  const keys: string[] = [];
  let revokeRequestId = '';

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { KEY_TTL_SECONDS: TEN_YEARS } });
    api = new Answers(t);
    clock.set('2025-03-01T09:00:00.000Z');
    const alice = await api.put('alice', ['admin']);
    const bob = await api.put('bob', ['admin']);
    keys.push(alice.key, bob.key);
    clock.set('2025-03-03T10:00:00.000Z');
    const x = await api.put('svc-x', ['user'], alice.key);
    keys.push(x.key);
    clock.set('2025-03-04T10:00:00.000Z');
    await api.put('svc-x', ['user', 'admin'], alice.key);
    clock.set('2025-03-05T12:00:00.000Z');
    revokeRequestId = (await api.revoke(x.key, bob.key)).requestId;
    clock.set('2025-03-06T08:00:00.000Z');
    await api.put('svc-y', ['admin'], bob.key);
    clock.set('2025-03-10T10:00:00.000Z');
    keys.push((await api.put('svc-z', ['admin'], alice.key)).key);
  });
  afterAll(async () => {
    await api.expectNoSecrets([t.adminKey, ...keys]);
    await t.close();
  });

  it('who revoked key X, and when: /api/audit?alias=X&type=ApiKeyRevoked', async () => {
    const res = await api.get('/api/audit?alias=svc-x&type=ApiKeyRevoked');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      items: [
        {
          alias: 'svc-x',
          type: 'ApiKeyRevoked',
          version: 1,
          time: '2025-03-05T12:00:00.000Z',
          actor: 'bob',
          request_id: revokeRequestId,
          correlation_id: revokeRequestId,
          causation_id: revokeRequestId,
          changes: { is_active: false },
          revision: 2,
          position: expect.stringMatching(/^[0-9]+$/),
        },
      ],
      next_cursor: null,
    });
  });

  it('which keys held the admin role on a given day: /api/audit/holders?role=admin&day=...', async () => {
    const holders = async (q: string) => {
      const res = await api.get(`/api/audit/holders?role=admin&${q}`);
      expect(res.statusCode).toBe(200);
      return res.json();
    };
    const day5 = await holders('day=2025-03-05');
    expect(day5).toMatchObject({ role: 'admin', from: '2025-03-05T00:00:00.000Z', to: '2025-03-06T00:00:00.000Z' });
    // svc-x held admin from the 4th until its revocation at noon on the 5th.
    expect(day5.keys.map((k: { alias: string }) => k.alias)).toEqual(['alice', 'bob', 'root-admin', 'svc-x']);
    expect(day5.keys[3]).toEqual({
      alias: 'svc-x',
      name: 'svc-x',
      roles: ['user', 'admin'],
      key_prefix: expect.any(String),
      expire: expect.any(String),
      held_at: '2025-03-05T00:00:00.000Z',
    });
    const day6 = await holders('day=2025-03-06');
    expect(day6.keys.map((k: { alias: string }) => k.alias)).toEqual(['alice', 'bob', 'root-admin', 'svc-y']);
    expect(day6.keys[3].held_at).toBe('2025-03-06T08:00:00.000Z');
    // At an instant: the renewal that granted admin counts from its own time on.
    const before = await holders('at=2025-03-04T09:59:59Z');
    expect(before.keys.map((k: { alias: string }) => k.alias)).not.toContain('svc-x');
    const at = await holders('at=2025-03-04T10:00:00Z');
    expect(at.keys.map((k: { alias: string }) => k.alias)).toContain('svc-x');
    expect(at).toMatchObject({ from: '2025-03-04T10:00:00.000Z', to: '2025-03-04T10:00:00.000Z' });
    expect((await holders('at=2025-02-28T00:00:00Z')).keys).toEqual([]);
    // Without at or day: now. svc-x, the only key ever granted user, is revoked.
    const now = await api.get('/api/audit/holders?role=user');
    expect(now.json().keys).toEqual([]);
    const admins = (await api.get('/api/audit/holders?role=admin')).json().keys;
    expect(admins.map((k: { alias: string }) => k.alias)).toEqual(['alice', 'bob', 'root-admin', 'svc-y', 'svc-z']);
  });

  it('every change made by actor Y last week: /api/audit?actor=Y&since=...&until=...', async () => {
    const res = await api.get('/api/audit?actor=alice&since=2025-03-03T00:00:00Z&until=2025-03-10T00:00:00Z&order=asc');
    expect(res.statusCode).toBe(200);
    const items = res.json().items;
    expect(items.map((i: { alias: string; type: string; time: string }) => [i.alias, i.type, i.time])).toEqual([
      ['svc-x', 'ApiKeyCreated', '2025-03-03T10:00:00.000Z'],
      ['svc-x', 'ApiKeyRenewed', '2025-03-04T10:00:00.000Z'],
    ]);
    expect(items[1].changes).toMatchObject({ roles: ['user', 'admin'] });
  });

  it('holders: 400 for a bad role, day or instant, or both at and day', async () => {
    for (const q of [
      'role=root',
      '',
      'role=admin&day=2025-02-30',
      'role=admin&at=noon',
      'role=admin&day=2025-03-05&at=2025-03-05T00:00:00Z',
    ]) {
      const res = await api.get(`/api/audit/holders?${q}`);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: expect.any(String) });
    }
    expect((await api.get('/api/audit/holders')).json()).toEqual({
      error: 'role must be one of admin, agent, creator, user',
    });
  });
});

describe('keys that expire in the next 3 days: /api/audit/expiring?within_hours=72', () => {
  const DAY = 24 * 3600 * 1000;
  let t: TestApp;
  let api: Answers;
  const clock = manualClock(new Date().toISOString());

  beforeAll(async () => {
    // Default validity, 15 days: a key minted 13 days ago expires in 2 days.
    t = await startTestApp({ clock });
    api = new Answers(t);
    const at = (daysAgo: number) => clock.set(new Date(Date.now() - daysAgo * DAY).toISOString());
    at(13);
    await api.put('soon', ['user']);
    at(14.5);
    await api.put('sooner', ['user']);
    at(11);
    await api.put('later', ['user']);
    at(13);
    const revoked = await api.put('revoked-soon', ['user']);
    await api.revoke(revoked.key);
    at(16);
    await api.put('already-expired', ['user']);
    at(0);
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists active keys expiring within the horizon, soonest first', async () => {
    const res = await api.get('/api/audit/expiring?within_hours=72');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.keys.map((k: { alias: string }) => k.alias)).toEqual(['sooner', 'soon']);
    expect(body.keys[0]).toMatchObject({ status: 'active', is_active: true, key_prefix: expect.any(String) });
    expect(Date.parse(body.until) - Date.parse(body.now)).toBe(3 * DAY);
    // 72 hours is the default; a wider horizon takes in more.
    expect((await api.get('/api/audit/expiring')).json().keys).toHaveLength(2);
    const wide = (await api.get('/api/audit/expiring?within_hours=120')).json();
    expect(wide.keys.map((k: { alias: string }) => k.alias)).toEqual(['sooner', 'soon', 'later']);
  });

  it.each(['0', '8785', 'soon', '1.5'])('answers 400 for within_hours=%s', async (bad) => {
    const res = await api.get(`/api/audit/expiring?within_hours=${bad}`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: expect.stringContaining('within_hours') });
  });
});
