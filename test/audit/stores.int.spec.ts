import { openEventStoreDb } from '../../infrastructure/eventStore/eventStoreDb';
import { startEventStoreDbTestServer, type EventStoreDbTestServer } from '../eventstoredb/testServer';
import { startTestApp, type TestApp } from '../support/testApp';
import { Answers, manualClock, TEN_YEARS } from './auditSupport';

/**
 * The audit queries only use the event-store port, so they answer the same on the embedded
 * store and on EventStoreDB (here the wire-level test server, through the real client).
 * Positions differ between stores; everything else must not.
 */
let server: EventStoreDbTestServer;
beforeAll(async () => {
  server = await startEventStoreDbTestServer();
});
afterAll(async () => {
  await server?.stop();
});

interface Item {
  alias?: string;
  type: string;
  position: string;
  [k: string]: unknown;
}
const strip = (items: Item[]) =>
  items.map(({ position: _p, request_id: _r, correlation_id: _c, causation_id: _ca, changes, ...rest }) => ({
    ...rest,
    changes: { ...(changes as object), key_prefix: undefined },
  }));

async function scenario(t: TestApp, clock: ReturnType<typeof manualClock>) {
  const api = new Answers(t);
  clock.set('2025-03-03T10:00:00.000Z');
  const x = await api.put('svc-x', ['user']);
  clock.set('2025-03-04T10:00:00.000Z');
  await api.put('svc-x', ['admin']);
  clock.set('2025-03-05T12:00:00.000Z');
  await api.revoke(x.key);
  clock.set('2025-03-06T10:00:00.000Z');
  await api.put('svc-xy', ['admin']);

  const history = (await api.get('/api/apikey/svc-x/history')).json();
  const asOf = (await api.get('/api/apikey/svc-x?as_of=2025-03-04T12:00:00Z')).json();
  const before = (await api.get('/api/apikey/svc-x?as_of=2025-03-01T00:00:00Z')).statusCode;
  const revoked = (await api.get('/api/audit?alias=svc-x&type=ApiKeyRevoked')).json();
  const holders = (await api.get('/api/audit/holders?role=admin&day=2025-03-05')).json();

  // Paging newest first with writes in between: what was there at the first page, once each.
  const seen: Item[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 20; page++) {
    const res = await api.get(`/api/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.statusCode).toBe(200);
    const body: { items: Item[]; next_cursor: string | null } = res.json();
    seen.push(...body.items);
    cursor = body.next_cursor;
    if (!cursor) break;
    clock.set(`2025-03-07T10:00:0${page}.000Z`);
    await api.put(`late-${page}`, ['user']);
  }
  const positions = seen.map((i) => i.position);
  expect(new Set(positions).size).toBe(positions.length);
  const sorted = [...positions].sort((a, b) => (BigInt(a) < BigInt(b) ? 1 : -1));
  expect(positions).toEqual(sorted);

  return {
    history: { ...history, items: strip(history.items) },
    asOf: { ...asOf, key_prefix: undefined },
    before,
    revoked: strip(revoked.items),
    holders: holders.keys.map((k: { alias: string; held_at: string }) => [k.alias, k.held_at]),
    paged: seen.map((i) => `${i.alias}:${i.type}`),
  };
}

describe('audit queries on both stores', () => {
  it('answer the same on SQLite and on EventStoreDB', async () => {
    const results = [];
    for (const kind of ['sqlite', 'eventstoredb'] as const) {
      const clock = manualClock('2025-03-01T00:00:00.000Z');
      const t = await startTestApp({
        clock,
        env: { KEY_TTL_SECONDS: TEN_YEARS },
        ...(kind === 'eventstoredb' && { store: openEventStoreDb(server.connectionString) }),
      });
      try {
        results.push(await scenario(t, clock));
      } finally {
        await t.close();
      }
    }
    const [sqlite, esdb] = results;
    expect(sqlite!.before).toBe(404);
    expect(sqlite!.asOf).toMatchObject({ roles: ['admin'], status: 'active' });
    expect(sqlite!.revoked).toHaveLength(1);
    expect(sqlite!.holders).toEqual([
      ['root-admin', '2025-03-05T00:00:00.000Z'],
      ['svc-x', '2025-03-05T00:00:00.000Z'],
    ]);
    expect(sqlite!.paged).toEqual([
      'svc-xy:ApiKeyCreated',
      'svc-x:ApiKeyRevoked',
      'svc-x:ApiKeyRenewed',
      'svc-x:ApiKeyCreated',
      'root-admin:ApiKeyCreated',
    ]);
    expect(esdb).toEqual(sqlite);
  });
});
