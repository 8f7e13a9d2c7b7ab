import { startTestApp, type TestApp } from '../support/testApp';
import { Answers, manualClock, TEN_YEARS } from './auditSupport';

interface Item {
  alias: string;
  type: string;
  actor: string;
  time: string;
  position: string;
}
interface Page {
  items: Item[];
  next_cursor: string | null;
}

let t: TestApp;
let api: Answers;
const clock = manualClock('2025-01-01T00:00:00.000Z');
const keys: string[] = [];

beforeAll(async () => {
  t = await startTestApp({ clock, env: { KEY_TTL_SECONDS: TEN_YEARS } });
  api = new Answers(t);
  // Two operators, and an alias that is a prefix of another (an exact filter must not mix them).
  clock.set('2025-01-01T08:00:00.000Z');
  const ops = await api.put('ops', ['admin']);
  keys.push(ops.key);
  clock.set('2025-01-02T08:00:00.000Z');
  keys.push((await api.put('a', ['user'])).key);
  clock.set('2025-01-03T08:00:00.000Z');
  keys.push((await api.put('ab', ['user'], ops.key)).key);
  clock.set('2025-01-04T08:00:00.000Z');
  await api.put('a', ['user', 'agent'], ops.key);
  clock.set('2025-01-05T08:00:00.000Z');
  await api.revoke(keys[1]!, ops.key);
});
afterAll(async () => {
  await api.expectNoSecrets([t.adminKey, ...keys]);
  await t.close();
});

const feed = async (query: string, key?: string): Promise<Page> => {
  const res = await api.get(`/api/audit${query}`, key);
  expect(res.statusCode).toBe(200);
  return res.json();
};
const summary = (p: Page) => p.items.map((i) => `${i.alias}:${i.type}`);

describe('GET /api/audit', () => {
  it('is the whole key log, newest first by default, oldest first with order=asc', async () => {
    const desc = await feed('');
    expect(summary(desc)).toEqual([
      'a:ApiKeyRevoked',
      'a:ApiKeyRenewed',
      'ab:ApiKeyCreated',
      'a:ApiKeyCreated',
      'ops:ApiKeyCreated',
      'root-admin:ApiKeyCreated',
    ]);
    expect(desc.next_cursor).toBeNull();
    const asc = await feed('?order=asc');
    expect(summary(asc)).toEqual([...summary(desc)].reverse());
    expect(asc.items[0]).toMatchObject({ alias: 'root-admin', actor: 'test', time: '2025-01-01T00:00:00.000Z' });
  });

  it('filters by exact alias, by type, by actor, and by time (since inclusive, until exclusive)', async () => {
    expect(summary(await feed('?alias=a&order=asc'))).toEqual([
      'a:ApiKeyCreated',
      'a:ApiKeyRenewed',
      'a:ApiKeyRevoked',
    ]);
    expect(summary(await feed('?type=ApiKeyCreated&order=asc'))).toEqual([
      'root-admin:ApiKeyCreated',
      'ops:ApiKeyCreated',
      'a:ApiKeyCreated',
      'ab:ApiKeyCreated',
    ]);
    expect(summary(await feed('?actor=ops'))).toEqual(['a:ApiKeyRevoked', 'a:ApiKeyRenewed', 'ab:ApiKeyCreated']);
    expect(summary(await feed('?since=2025-01-03T08:00:00Z&until=2025-01-05T08:00:00Z'))).toEqual([
      'a:ApiKeyRenewed',
      'ab:ApiKeyCreated',
    ]);
    expect(summary(await feed('?alias=a&actor=ops&type=ApiKeyRenewed'))).toEqual(['a:ApiKeyRenewed']);
    expect((await feed('?alias=nobody')).items).toEqual([]);
    expect((await feed('?actor=nobody')).items).toEqual([]);
  });

  it('pages with an opaque cursor, null at the end, also when the last page is exactly full', async () => {
    const first = await feed('?limit=4');
    expect(first.items).toHaveLength(4);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await feed(`?limit=4&cursor=${first.next_cursor}`);
    expect(second.items).toHaveLength(2);
    expect(second.next_cursor).toBeNull();
    const exact = await feed('?limit=3&alias=a');
    expect(exact.items).toHaveLength(3);
    expect(exact.next_cursor).toBeNull();
    const byAlias = await feed('?limit=2&alias=a');
    expect(summary(byAlias)).toEqual(['a:ApiKeyRevoked', 'a:ApiKeyRenewed']);
    expect(summary(await feed(`?limit=2&alias=a&cursor=${byAlias.next_cursor}`))).toEqual(['a:ApiKeyCreated']);
  });
});

describe('GET /api/audit pagination under concurrent writes', () => {
  const collect = async (order: 'asc' | 'desc', pageSize: number, between: (page: number) => Promise<void>) => {
    const seen: Item[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 50; page++) {
      const p: Page = await feed(`?order=${order}&limit=${pageSize}${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...p.items);
      cursor = p.next_cursor;
      if (!cursor) break;
      await between(page);
    }
    return seen;
  };
  let n = 0;
  const write = async () => {
    clock.set(`2025-02-01T00:00:${String(n % 60).padStart(2, '0')}.000Z`);
    await api.put(`burst-${n++}`, ['user']);
  };

  it('newest first: no duplicate and no gap; events written meanwhile are above the first page', async () => {
    for (let i = 0; i < 12; i++) await write();
    const before = (await t.ledger.store.readAll({ streamPrefixes: ['apikey-'] })).map((e) => e.position.toString());
    const seen = await collect('desc', 5, async () => {
      await write();
      await write();
    });
    const positions = seen.map((i) => i.position);
    expect(new Set(positions).size).toBe(positions.length);
    expect(positions).toEqual([...before].reverse());
  });

  it('oldest first: no duplicate, no gap, and the events written meanwhile come at the end', async () => {
    const seen = await collect('asc', 7, async (page) => {
      if (page < 3) await write();
    });
    const all = (await t.ledger.store.readAll({ streamPrefixes: ['apikey-'] })).map((e) => e.position.toString());
    expect(seen.map((i) => i.position)).toEqual(all);
  });
});

describe('GET /api/audit bad input', () => {
  it.each([
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=2.5', 'limit'],
    ['order=sideways', 'order'],
    ['type=ApiKeyDeleted', 'type'],
    ['type=ApiKeyCreated.v1', 'type'],
    ['since=yesterday', 'since'],
    ['until=2025-01-01', 'until'],
    ['since=2025-01-02T00:00:00Z&until=2025-01-01T00:00:00Z', 'since'],
    ['cursor=not-a-cursor', 'cursor'],
    ['alias=', 'alias'],
    ['actor=', 'actor'],
  ])('answers 400 for %s', async (query, word) => {
    const res = await api.get(`/api/audit?${query}`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: expect.stringContaining(word) });
  });

  it('refuses a cursor of the other order', async () => {
    const asc = await feed('?order=asc&limit=1');
    const res = await api.get(`/api/audit?order=desc&cursor=${asc.next_cursor}`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'invalid cursor' });
  });

  it.each(['asc:9223372036854775808', 'desc:9999999999999999999999999999999'])(
    'refuses a cursor past any position (%s) with 400',
    async (raw) => {
      const cursor = Buffer.from(raw).toString('base64url');
      const res = await api.get(`/api/audit?order=${raw.split(':')[0]}&cursor=${cursor}`);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: 'invalid cursor' });
    },
  );
});

describe('audit auth', () => {
  const urls = [
    '/api/audit',
    '/api/apikey/ops/history',
    '/api/audit/holders?role=admin',
    '/api/audit/expiring',
    '/api/apikey/ops?as_of=2025-01-02T00:00:00Z',
  ];

  it.each(urls)('%s: 401 without a key or with an unknown one, 403 without the admin role', async (url) => {
    const none = await t.app.inject({ method: 'GET', url });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBeDefined();
    expect(none.json()).toEqual({ error: expect.any(String) });
    const unknown = await api.get(url, `ak_${'x'.repeat(38)}`);
    expect(unknown.statusCode).toBe(401);
    const userKey = await t.mint(`user-${url.length}`, ['user', 'creator', 'agent']);
    keys.push(userKey);
    const forbidden = await api.get(url, userKey);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toEqual({ error: 'admin role required' });
  });
});
