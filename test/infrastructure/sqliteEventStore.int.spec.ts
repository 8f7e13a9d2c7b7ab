import Database from 'better-sqlite3';
import { openSqliteEventStore, type SqliteEventStore } from '../../infrastructure/eventStore/sqlite';
import type { NewEvent } from '../../infrastructure/eventStore/port';
import { EventStoreUnavailableError } from '../../infrastructure/eventStore/port';
import { useTempSqliteStore } from '../support/sqliteStore';

const event = (id: string): NewEvent => ({
  id,
  type: 'ApiKeyRevoked.v1',
  data: { alias: 'a', revokedAt: '2026-01-01T00:00:00.000Z' },
  metadata: { actor: 't', requestId: 'r', correlationId: 'r', causationId: 'r', at: '2026-01-01T00:00:00.000Z' },
});

describe('SQLite event store specifics', () => {
  const fixture = useTempSqliteStore();
  let store: SqliteEventStore;
  beforeEach(() => {
    store = fixture.store;
  });

  it('runs WAL with synchronous=FULL, so an acknowledged append is durable', () => {
    const db = new Database(store.file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    // synchronous is per connection: check the store's own.
    expect((store as unknown as { db: Database.Database }).db.pragma('synchronous', { simple: true })).toBe(2);
  });

  it('answers a retried append of the same event ids without writing them twice', async () => {
    const first = await store.appendToStream('apikey-a', [event('00000000-0000-4000-8000-000000000001')], 'no_stream');
    const again = await store.appendToStream('apikey-a', [event('00000000-0000-4000-8000-000000000001')], 'no_stream');
    expect(again).toEqual(first);
    expect(await store.readStream('apikey-a')).toHaveLength(1);
  });

  it('is shared by two handles on one file (the CLI beside the server)', async () => {
    const other = openSqliteEventStore(store.file);
    await other.appendToStream('apikey-b', [event('00000000-0000-4000-8000-000000000002')], 'no_stream');
    expect((await store.readStream('apikey-b')).map((e) => e.id)).toEqual(['00000000-0000-4000-8000-000000000002']);
    await other.close();
  });

  it('reports a closed store as unavailable', async () => {
    await store.close();
    await expect(store.readStream('apikey-a')).rejects.toBeInstanceOf(EventStoreUnavailableError);
    await expect(store.ping()).rejects.toBeInstanceOf(EventStoreUnavailableError);
  });
});
