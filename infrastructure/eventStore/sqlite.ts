import Database from 'better-sqlite3';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type {
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  RecordedEvent,
  SubscribeOptions,
  Subscription,
} from './port';
import { EventStoreUnavailableError, WrongExpectedRevisionError } from './port';
import { pollingSubscription } from './pollingSubscription';

interface Row {
  position: bigint;
  event_id: string;
  stream_name: string;
  revision: bigint;
  type: string;
  data: string;
  metadata: string;
  created_at: bigint;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position    INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id    TEXT    NOT NULL UNIQUE,
  stream_name TEXT    NOT NULL,
  revision    INTEGER NOT NULL,
  type        TEXT    NOT NULL,
  data        TEXT    NOT NULL,
  metadata    TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  UNIQUE (stream_name, revision)
);`;

const COLUMNS = 'position, event_id, stream_name, revision, type, data, metadata, created_at';
/** How often a subscription looks for events appended by other processes. */
const POLL_INTERVAL_MS = 100;
const PAGE_SIZE = 1000;

function toRecorded(row: Row): RecordedEvent {
  return {
    id: row.event_id,
    type: row.type,
    data: JSON.parse(row.data) as RecordedEvent['data'],
    metadata: JSON.parse(row.metadata) as RecordedEvent['metadata'],
    streamName: row.stream_name,
    revision: row.revision,
    position: row.position,
    createdAt: new Date(Number(row.created_at)),
  };
}

/** A row in COLUMNS order, as a raw statement returns it (arrays build faster than objects). */
type RawRow = [bigint, string, string, bigint, string, string, string, bigint];

/**
 * Page reads feed projections, which never look at metadata: it is parsed on first access
 * (and then kept), so a catch-up does not pay a JSON.parse per event for it.
 */
function fromRawRow(row: RawRow): RecordedEvent {
  const metadataText = row[6];
  let metadata: RecordedEvent['metadata'] | undefined;
  return {
    id: row[1],
    type: row[4],
    data: JSON.parse(row[5]) as RecordedEvent['data'],
    get metadata(): RecordedEvent['metadata'] {
      return (metadata ??= JSON.parse(metadataText) as RecordedEvent['metadata']);
    },
    set metadata(value: RecordedEvent['metadata']) {
      metadata = value;
    },
    streamName: row[2],
    revision: row[3],
    position: row[0],
    createdAt: new Date(Number(row[7])),
  };
}

/**
 * `stream_name >= prefix AND stream_name < prefix + U+FFFF`, a prefix match. The unary `+`
 * keeps SQLite off the (stream_name, revision) index here: with it, a page "after position
 * P, by position, LIMIT n" read and sorted every matching row of the log (quadratic over a
 * catch-up); without it, the page is a range scan of the primary key that stops at n rows.
 */
function prefixClause(prefixes: string[] | undefined): { sql: string; params: string[] } {
  if (!prefixes?.length) return { sql: '', params: [] };
  const parts = prefixes.map(() => '(+stream_name >= ? AND +stream_name < ?)');
  return { sql: ` AND (${parts.join(' OR ')})`, params: prefixes.flatMap((p) => [p, `${p}\uffff`]) };
}

/**
 * The embedded event log: one SQLite file, WAL journal, synchronous=FULL so that an
 * acknowledged append survives a crash. Several processes may share the file.
 */
export class SqliteEventStore implements EventStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly appended = new EventEmitter();
  private closed = false;
  private readonly pageStatements = new Map<string, Database.Statement>();
  private readonly stmts: {
    head: Database.Statement<[string], { revision: bigint | null }>;
    byId: Database.Statement<[string], Row>;
    insert: Database.Statement<[string, string, bigint, string, string, string, number]>;
    readStream: Database.Statement<[string], Row>;
    lastPosition: Database.Statement<[], { position: bigint | null }>;
  };

  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.appended.setMaxListeners(0);
    const prepare = <P extends unknown[], R>(sql: string) =>
      this.db.prepare<P, R>(sql).safeIntegers(true) as Database.Statement<P, R>;
    this.stmts = {
      head: prepare('SELECT MAX(revision) AS revision FROM events WHERE stream_name = ?'),
      byId: prepare(`SELECT ${COLUMNS} FROM events WHERE event_id = ?`),
      insert: this.db.prepare(
        'INSERT INTO events (event_id, stream_name, revision, type, data, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING position',
      ),
      readStream: prepare(`SELECT ${COLUMNS} FROM events WHERE stream_name = ? ORDER BY revision`),
      lastPosition: prepare('SELECT MAX(position) AS position FROM events'),
    };
  }

  private guard<T>(fn: () => T): T {
    if (this.closed) throw new EventStoreUnavailableError(new Error('store closed'));
    try {
      return fn();
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) throw error;
      if (error instanceof Database.SqliteError && /BUSY|LOCKED|IOERR|CANTOPEN|FULL/.test(error.code))
        throw new EventStoreUnavailableError(error);
      throw error;
    }
  }

  private readonly appendTx = (streamName: string, events: NewEvent[], expected: ExpectedRevision): AppendResult =>
    this.db
      .transaction((): AppendResult => {
        // A retried append (same event ids, same stream) answers as the first one did.
        const first = events[0] && this.stmts.byId.get(events[0].id);
        if (first && first.stream_name === streamName) {
          const last = this.stmts.byId.get(events[events.length - 1]!.id);
          if (last) return { nextRevision: last.revision, position: last.position };
        }
        const head = this.stmts.head.get(streamName)?.revision ?? null;
        const ok =
          expected === 'any' ||
          (expected === 'no_stream' && head === null) ||
          (typeof expected === 'bigint' && head === expected);
        if (!ok) throw new WrongExpectedRevisionError(streamName, expected, head ?? 'no_stream');
        let revision = head ?? -1n;
        let position = 0n;
        const now = Date.now();
        for (const e of events) {
          revision += 1n;
          const row = this.stmts.insert
            .safeIntegers(true)
            .get(e.id, streamName, revision, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), now) as {
            position: bigint;
          };
          position = row.position;
        }
        return { nextRevision: revision, position };
      })
      .immediate();

  async appendToStream(streamName: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) throw new Error('nothing to append');
    const result = this.guard(() => this.appendTx(streamName, events, expected));
    this.appended.emit('append');
    return result;
  }

  async readStream(streamName: string): Promise<RecordedEvent[]> {
    return this.guard(() => this.stmts.readStream.all(streamName).map(toRecorded));
  }

  /** Synchronous page read, used by readAll and subscriptions. */
  readPage(options: ReadAllOptions = {}): RecordedEvent[] {
    const backwards = options.direction === 'backwards';
    const filter = prefixClause(options.streamPrefixes);
    const bound = options.after === undefined ? '' : backwards ? ' AND position < ?' : ' AND position > ?';
    const sql = `SELECT ${COLUMNS} FROM events WHERE 1=1${bound}${filter.sql} ORDER BY position ${backwards ? 'DESC' : 'ASC'} LIMIT ?`;
    const params: unknown[] = [];
    if (options.after !== undefined) params.push(options.after);
    params.push(...filter.params, options.maxCount ?? -1);
    return this.guard(() => (this.statement(sql).all(...params) as RawRow[]).map(fromRawRow));
  }

  /** Prepared once per distinct query shape (direction, bound, prefix count): readPage runs per page. */
  private statement(sql: string): Database.Statement {
    let stmt = this.pageStatements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql).safeIntegers(true).raw(true);
      if (this.pageStatements.size < 64) this.pageStatements.set(sql, stmt);
    }
    return stmt;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.readPage(options);
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    return pollingSubscription({
      after: options.after,
      readPage: (after) => this.readPage({ after, maxCount: PAGE_SIZE, streamPrefixes: options.streamPrefixes }),
      onAppend: (listener) => {
        this.appended.on('append', listener);
        return () => this.appended.off('append', listener);
      },
      pollIntervalMs: POLL_INTERVAL_MS,
    });
  }

  lastPosition(): bigint {
    return this.guard(() => this.stmts.lastPosition.get()?.position ?? 0n);
  }

  async ping(): Promise<void> {
    this.lastPosition();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.appended.emit('append');
    this.db.close();
  }
}

export function openSqliteEventStore(filePath: string): SqliteEventStore {
  return new SqliteEventStore(filePath);
}
