import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEventStoreDb } from '../../infrastructure/eventStore/eventStoreDb';
import { openSqliteEventStore } from '../../infrastructure/eventStore/sqlite';
import { startEventStoreDbTestServer, type EventStoreDbTestServer } from '../eventstoredb/testServer';
import { describeEventStoreContract } from './eventStoreContract';

describeEventStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'keyledger-contract-'));
  const store = openSqliteEventStore(join(dir, 'events.db'));
  return {
    store,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

// As production runs it (TLS with a private CA, credentials, `$all` for admins, BatchAppend), and
// the classic client-streaming Append of servers that do not advertise BatchAppend.
describe.each([
  { mode: 'secure, BatchAppend', options: { secure: true } },
  { mode: 'insecure, classic Append', options: { batchAppend: false } },
])('with the EventStoreDB wire-level test server ($mode)', ({ mode, options }) => {
  let server: EventStoreDbTestServer;
  beforeAll(async () => {
    server = await startEventStoreDbTestServer(options);
  });
  afterAll(async () => {
    await server?.stop();
  });

  describeEventStoreContract(`eventstoredb (test server, ${mode})`, async () => {
    const store = openEventStoreDb(server.connectionString);
    return { store, cleanup: () => store.close() };
  });
});

const realConnectionString = process.env.EVENTSTORE_CONNECTION_STRING;
(realConnectionString ? describe : describe.skip)('with a real EventStoreDB (EVENTSTORE_CONNECTION_STRING)', () => {
  describeEventStoreContract('eventstoredb (real server)', async () => {
    const store = openEventStoreDb(realConnectionString ?? '');
    return { store, cleanup: () => store.close() };
  });
});
