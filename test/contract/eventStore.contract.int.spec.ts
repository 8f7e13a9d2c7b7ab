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

describe('with the EventStoreDB wire-level test server', () => {
  let server: EventStoreDbTestServer;
  beforeAll(async () => {
    server = await startEventStoreDbTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  describeEventStoreContract('eventstoredb (test server)', async () => {
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
