/**
 * Issue 12's "done when", on the test server as a production node runs: TLS with a private CA,
 * credentials, `$all` for admins, BatchAppend, and the first three appends answered "Server Is
 * Not Ready" (as during a leader election). The CLI mints the first key, two instances serve the
 * whole API, a leader change (NotLeader answers, then a not-ready window) and a log reset (a
 * restored, shorter log) end in no 500.
 */
import { runCli } from '../../api/cli/main';
import { openEventStoreDb } from '../../infrastructure/eventStore/eventStoreDb';
import { discoverRoutes, fillPath } from '../support/routes';
import { startTestApp, tempDir, type TestApp } from '../support/testApp';
import { waitFor } from '../support/wait';
import { startEventStoreDbTestServer, type EventStoreDbTestServer } from './testServer';

const SEAL = { KEY_SEAL_SECRET: 'shared-secret-of-every-instance-0123456789' };

describe('a secure EventStoreDB node with BatchAppend, not ready at first', () => {
  let server: EventStoreDbTestServer;
  let a: TestApp | undefined;
  let b: TestApp | undefined;
  const statuses: Array<{ call: string; status: number }> = [];

  beforeAll(async () => {
    server = await startEventStoreDbTestServer({ secure: true, notReady: { appends: 3 } });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await server.stop();
  });

  const send = async (t: TestApp, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) => {
    const res = await t.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${t.adminKey}` },
      ...(payload ? { payload } : {}),
    });
    statuses.push({ call: `${method} ${url}`, status: res.statusCode });
    return res;
  };

  it('the CLI mints the first key through the not-ready window', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      ['create', '--alias', 'first-admin', '--name', 'First admin', '--roles', 'admin', '--json'],
      { out: (l) => out.push(l), err: (l) => err.push(l) },
      { ...SEAL, DATA_DIR: tempDir(), LOG_LEVEL: 'silent', EVENTSTORE_CONNECTION_STRING: server.connectionString },
    );
    expect({ code, err }).toEqual({ code: 0, err: [] });
    expect(JSON.parse(out.join('\n'))).toMatchObject({ alias: 'first-admin', roles: ['admin'] });
  });

  it('two instances serve the API and see each other', async () => {
    a = await startTestApp({ env: SEAL, store: openEventStoreDb(server.connectionString) });
    b = await startTestApp({ env: SEAL, store: openEventStoreDb(server.connectionString) });
    const created = await send(a, 'POST', '/api/apikey', { alias: 'svc', name: 'Service', roles: ['user'] });
    expect(created.statusCode).toBe(201);
    await waitFor(() => b!.ledger.readModel.findByAlias('svc') !== undefined, 'instance b to see the key');
    await waitFor(() => b!.ledger.readModel.findByAlias('first-admin') !== undefined, 'the CLI key');
    const verified = await b.app.inject({
      method: 'POST',
      url: '/api/apikey/verify',
      payload: { key: created.json().key },
    });
    expect(verified.json()).toMatchObject({ code: 'VALID', alias: 'svc' });
  });

  it('survives a leader change: NotLeader answers, then a not-ready window, with no 500', async () => {
    server.notLeaderFor(4);
    server.notReadyFor({ appends: 2, reads: 2 });
    const renewed = await send(b!, 'POST', '/api/apikey', { alias: 'svc', name: 'Service 2' });
    expect(renewed.statusCode).toBe(200);
    const other = await send(a!, 'POST', '/api/apikey', { alias: 'svc-2', name: 'Service two' });
    expect(other.statusCode).toBe(201);
    const revoked = await send(a!, 'DELETE', `/api/apikey/${other.json().key as string}`);
    expect(revoked.statusCode).toBe(200);

    // Every GET of the API on both instances (list, one key, history, audit...).
    for (const t of [a!, b!]) {
      for (const route of await discoverRoutes(t.app)) {
        if (route.method !== 'GET') continue;
        await send(t, 'GET', fillPath(route.path, { alias: 'svc', key: 'svc' }));
      }
    }
    expect(statuses.filter((s) => s.status >= 500)).toEqual([]);
  });

  it('survives a log reset (a restored, shorter log): both instances rebuild from it, with no 500', async () => {
    server.resetLog(0);
    const ready = async (t: TestApp) => (await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode;
    // The keys of the old log are gone from the read models once they notice.
    for (const t of [a!, b!]) {
      await waitFor(
        async () => (await ready(t)) === 200 && t.ledger.readModel.findByAlias('svc') === undefined,
        'the instance to rebuild from the new log',
      );
    }
    const minted = await a!.mint('after-reset', ['admin']);
    await waitFor(() => b!.ledger.readModel.findByAlias('after-reset') !== undefined, 'b to see the new key');
    for (const t of [a!, b!]) {
      const verified = await t.app.inject({ method: 'POST', url: '/api/apikey/verify', payload: { key: minted } });
      statuses.push({ call: 'verify after reset', status: verified.statusCode });
      expect(verified.json()).toMatchObject({ code: 'VALID', alias: 'after-reset' });
    }
    expect(statuses.filter((s) => s.status >= 500)).toEqual([]);
  });
});
