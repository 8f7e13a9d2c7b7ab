import { runCli } from '../../api/cli/main';
import { tempDir } from '../support/testApp';
import { openEventStoreDb } from '../../infrastructure/eventStore/eventStoreDb';
import { startTestApp, type TestApp } from '../support/testApp';
import { startEventStoreDbTestServer, type EventStoreDbTestServer } from './testServer';
import { waitFor } from '../support/wait';

const SEAL = { KEY_SEAL_SECRET: 'shared-secret-of-every-instance-0123456789' };

describe('two API instances on one EventStoreDB', () => {
  let server: EventStoreDbTestServer;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    server = await startEventStoreDbTestServer();
    a = await startTestApp({ env: SEAL, store: openEventStoreDb(server.connectionString) });
    b = await startTestApp({ env: SEAL, store: openEventStoreDb(server.connectionString) });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await server.stop();
  });

  const verify = (t: TestApp, key: string) =>
    t.app.inject({ method: 'POST', url: '/api/apikey/verify', payload: { key } }).then((r) => r.json().code as string);

  it('a key created on one is verified by the other; a revocation on the other reaches the first', async () => {
    const created = await a.app.inject({
      method: 'POST',
      url: '/api/apikey',
      headers: { 'x-api-key': a.adminKey },
      payload: { alias: 'shared', name: 'Shared', roles: ['user'] },
    });
    expect(created.statusCode).toBe(201);
    const { key } = created.json();
    // Read-your-writes on the instance that took the command ...
    expect(await verify(a, key)).toBe('VALID');
    // ... and within subscription latency on the other.
    await waitFor(() => b.ledger.readModel.findByAlias('shared') !== undefined, 'the other instance to see it');
    expect(await verify(b, key)).toBe('VALID');

    // Renewal on b hands back the same key, since both share KEY_SEAL_SECRET.
    const renewed = await b.app.inject({
      method: 'POST',
      url: '/api/apikey',
      headers: { 'x-api-key': b.adminKey },
      payload: { alias: 'shared', name: 'Shared 2' },
    });
    expect(renewed.statusCode).toBe(200);
    expect(renewed.json().key).toBe(key);

    const revoked = await b.app.inject({
      method: 'DELETE',
      url: `/api/apikey/${key}`,
      headers: { 'x-api-key': b.adminKey },
    });
    expect(revoked.statusCode).toBe(200);
    expect(await verify(b, key)).toBe('REVOKED');
    await waitFor(() => a.ledger.readModel.findByAlias('shared')?.status === 'revoked', 'the other instance to see it');
    expect(await verify(a, key)).toBe('REVOKED');
  });

  it('uniqueness of an alias holds across instances: parallel creates on both give one key', async () => {
    const send = (t: TestApp, i: number) =>
      t.app.inject({
        method: 'POST',
        url: '/api/apikey',
        headers: { 'x-api-key': t.adminKey },
        payload: { alias: 'contested', name: `n${i}` },
      });
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => send(i % 2 ? a : b, i)));
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((r) => r.json().key)).size).toBe(1);
    const types = (await a.ledger.store.readStream('apikey-contested')).map((e) => e.type);
    expect(types.filter((t) => t === 'ApiKeyCreated.v2')).toHaveLength(1);
  });

  it('the CLI with EVENTSTORE_CONNECTION_STRING writes to EventStoreDB, seen by the running instances', async () => {
    const out: string[] = [];
    const code = await runCli(
      ['create', '--alias', 'from-cli', '--name', 'CLI', '--roles', 'agent', '--json'],
      { out: (l) => out.push(l), err: (l) => out.push(l) },
      { ...SEAL, DATA_DIR: tempDir(), LOG_LEVEL: 'silent', EVENTSTORE_CONNECTION_STRING: server.connectionString },
    );
    expect(code).toBe(0);
    const { key } = JSON.parse(out.join('\n'));
    await waitFor(() => a.ledger.readModel.findByAlias('from-cli') !== undefined, 'the other instance to see it');
    expect(await verify(a, key)).toBe('VALID');
    const history = (await a.ledger.store.readStream('apikey-from-cli'))[0]!;
    expect(history.metadata.actor).toMatch(/^cli:/);
  });
});
