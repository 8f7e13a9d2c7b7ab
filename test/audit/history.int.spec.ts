import { startTestApp, type TestApp } from '../support/testApp';
import { Answers, manualClock } from './auditSupport';

let t: TestApp;
let api: Answers;
const clock = manualClock(new Date().toISOString());

/** Root admin minted at the real now (so it is valid), then the story is told in March 2025, TTL 1 day. */
beforeAll(async () => {
  clock.set(new Date().toISOString());
  t = await startTestApp({ clock, env: { KEY_TTL_SECONDS: '86400' } });
  api = new Answers(t);
});
afterAll(async () => {
  await api.expectNoSecrets([t.adminKey, ...keys]);
  await t.close();
});

const keys: string[] = [];
const ids: string[] = [];

describe('GET /api/apikey/:alias/history', () => {
  beforeAll(async () => {
    clock.set('2025-03-03T10:00:00.000Z');
    const created = await api.put('svc', ['user']);
    keys.push(created.key);
    ids.push(created.requestId);
    clock.set('2025-03-03T11:00:00.000Z');
    ids.push((await api.put('svc', ['user', 'agent'])).requestId);
    clock.set('2025-03-03T12:00:00.000Z');
    ids.push((await api.revoke(created.key)).requestId);
    clock.set('2025-03-06T09:00:00.000Z');
    ids.push((await api.put('svc', ['admin'])).requestId);
  });

  it('lists every change in order, with time, actor, request id, what changed, revision and position', async () => {
    const res = await api.get('/api/apikey/svc/history');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.alias).toBe('svc');
    expect(body.items.map((i: { type: string }) => i.type)).toEqual([
      'ApiKeyCreated',
      'ApiKeyRenewed',
      'ApiKeyRevoked',
      'ApiKeyRenewed',
    ]);
    expect(body.items[0]).toEqual({
      type: 'ApiKeyCreated',
      version: 2,
      time: '2025-03-03T10:00:00.000Z',
      actor: 'root-admin',
      request_id: ids[0],
      correlation_id: ids[0],
      causation_id: ids[0],
      changes: {
        name: 'svc',
        roles: ['user'],
        expire: '2025-03-04T10:00:00.000Z',
        is_active: true,
        key_prefix: expect.any(String),
        owner: null,
        meta: null,
      },
      revision: 0,
      position: expect.stringMatching(/^[0-9]+$/),
    });
    expect(keys[0]!.startsWith(body.items[0].changes.key_prefix)).toBe(true);
    expect(body.items[1].changes).toEqual({
      name: 'svc',
      roles: ['user', 'agent'],
      expire: '2025-03-04T11:00:00.000Z',
      is_active: true,
      reactivated: false,
      owner: null,
      meta: null,
    });
    expect(body.items[2]).toMatchObject({ time: '2025-03-03T12:00:00.000Z', changes: { is_active: false } });
    expect(body.items[3].changes).toMatchObject({ roles: ['admin'], reactivated: true });
    expect(body.items.map((i: { request_id: string }) => i.request_id)).toEqual(ids);
    expect(body.items.map((i: { revision: number }) => i.revision)).toEqual([0, 1, 2, 3]);
    const positions = body.items.map((i: { position: string }) => BigInt(i.position));
    expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);
  });

  it('answers 404 for an alias with no stream', async () => {
    const res = await api.get('/api/apikey/nobody/history');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'API key not found' });
  });
});

describe('GET /api/apikey/:alias?as_of=', () => {
  const asOf = async (iso: string) => api.get(`/api/apikey/svc?as_of=${encodeURIComponent(iso)}`);

  it('folds the events up to the instant', async () => {
    const res = await asOf('2025-03-03T10:30:00Z');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      alias: 'svc',
      name: 'svc',
      roles: ['user'],
      is_active: true,
      status: 'active',
      expire: '2025-03-04T10:00:00.000Z',
      key_prefix: expect.any(String),
      owner: null,
      meta: null,
      created_at: '2025-03-03T10:00:00.000Z',
      updated_at: '2025-03-03T10:00:00.000Z',
      last_used_at: null,
    });
    // An event exactly at the instant counts; an offset is honoured (11:00+01:00 is 10:00Z).
    expect((await asOf('2025-03-03T11:00:00.000Z')).json().roles).toEqual(['user', 'agent']);
    expect((await asOf('2025-03-03T11:00:00+01:00')).json().roles).toEqual(['user']);
    expect((await asOf('2025-03-03T12:00:00Z')).json()).toMatchObject({ is_active: false, status: 'revoked' });
  });

  it('shows a key expired at the instant as expired, and the renewal after it', async () => {
    expect((await asOf('2025-03-05T00:00:00Z')).json()).toMatchObject({ status: 'revoked' });
    const renewed = (await asOf('2025-03-06T09:00:01Z')).json();
    expect(renewed).toMatchObject({ status: 'active', is_active: true, roles: ['admin'] });
    expect((await asOf('2025-03-07T10:00:00Z')).json()).toMatchObject({ status: 'expired', is_active: true });
  });

  it('answers 404 before the key existed, and for an unknown alias', async () => {
    expect((await asOf('2025-03-03T09:59:59.999Z')).statusCode).toBe(404);
    const res = await api.get('/api/apikey/nobody?as_of=2025-03-03T10:00:00Z');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'API key not found' });
  });

  it.each(['yesterday', '2025-03-03', '2025-03-03T10:00:00', '2025-02-30T00:00:00Z', ''])(
    'answers 400 for as_of=%p',
    async (bad) => {
      const res = await asOf(bad);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: expect.stringContaining('as_of') });
    },
  );

  it('still answers from the read model without as_of', async () => {
    const res = await api.get('/api/apikey/svc');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ alias: 'svc', roles: ['admin'], is_active: true });
  });
});
