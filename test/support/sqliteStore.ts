import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteEventStore, type SqliteEventStore } from '../../infrastructure/eventStore/sqlite';
import { tempDir } from './testApp';

/** A fresh SQLite store per test, removed afterwards; read `.store` inside a test. */
export function useTempSqliteStore(): { readonly store: SqliteEventStore } {
  let dir = '';
  const fixture = { store: undefined as unknown as SqliteEventStore };
  beforeEach(() => {
    dir = tempDir();
    fixture.store = openSqliteEventStore(join(dir, 'events.sqlite'));
  });
  afterEach(async () => {
    await fixture.store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return fixture;
}
