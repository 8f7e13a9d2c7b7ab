import Database from 'better-sqlite3';
import { EventEmitter } from 'node:events';
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
import { decodeWtf8 } from './wtf8';
import { COLUMNS, fromRawRow, toRecorded, type RawRow, type Row } from './sqliteRows';
import { createPrivately, isUnavailable, SCHEMA } from './sqliteFile';

interface PendingAppend {
  streamName: string;
  /** Serialized when appendToStream was called. */
  rows: { id: string; type: string; data: string; metadata: string }[];
  expected: ExpectedRevision;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

type Outcome = { ok: true; result: AppendResult } | { ok: false; error: unknown };

/** How often a subscription looks for events appended by other processes. */
const POLL_INTERVAL_MS = 100;
const PAGE_SIZE = 1000;

/**
 * A prefix match that holds for every code point: SQLite compares text as UTF-8 bytes, where
 * characters above U+FFFF sort after any `prefix + U+FFFF` bound, so the comparison is on the
 * leading characters instead (substr counts characters, as the spread of a JS string does).
 * No index serves it, on purpose: a page "after position P, by position, LIMIT n" is then a
 * range scan of the primary key that stops at n rows, where the (stream_name, revision) index
 * read and sorted every matching row of the log (quadratic over a catch-up).
 */
function prefixClause(prefixes: string[] | undefined): { sql: string; params: Array<string | number> } {
  if (!prefixes?.length) return { sql: '', params: [] };
  const parts = prefixes.map(() => 'substr(stream_name, 1, ?) = ?');
  return { sql: ` AND (${parts.join(' OR ')})`, params: prefixes.flatMap((p) => [[...p].length, p]) };
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
    byId: Database.Statement<[string], { stream_name: string; revision: bigint; position: bigint }>;
    insert: Database.Statement<[string, string, bigint, string, string, string, number], { position: bigint }>;
    readStream: Database.Statement<[string], Row>;
    lastPosition: Database.Statement<[], { position: bigint | null }>;
    nameBytes: Database.Statement<[bigint], { name: Buffer }>;
  };

  constructor(readonly file: string) {
    createPrivately(file);
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
      byId: prepare('SELECT stream_name, revision, position FROM events WHERE event_id = ?'),
      insert: prepare(
        'INSERT INTO events (event_id, stream_name, revision, type, data, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING position',
      ),
      readStream: prepare(`SELECT ${COLUMNS} FROM events WHERE stream_name = ? ORDER BY revision`),
      lastPosition: prepare('SELECT MAX(position) AS position FROM events'),
      nameBytes: prepare('SELECT CAST(stream_name AS BLOB) AS name FROM events WHERE position = ?'),
    };
  }

  private guard<T>(fn: () => T): T {
    if (this.closed) throw new EventStoreUnavailableError(new Error('store closed'));
    try {
      return fn();
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) throw error;
      if (isUnavailable(error)) throw new EventStoreUnavailableError(error);
      throw error;
    }
  }

  /** Appends waiting for the next group commit, in arrival order. */
  private pending: PendingAppend[] = [];
  private flushScheduled: NodeJS.Immediate | undefined;
  private groupTx: Database.Transaction<(batch: PendingAppend[], outcomes: Outcome[]) => void> | undefined;
  private savepointTx: Database.Transaction<(append: PendingAppend) => AppendResult> | undefined;

  /** One append: idempotent-retry answer, expected-revision check, inserts. Runs under its own SAVEPOINT. */
  private appendOne(append: PendingAppend): AppendResult {
    const { streamName, rows, expected } = append;
    // A retried append (same event ids, same stream) answers as the first one did.
    const first = this.stmts.byId.get(rows[0]!.id);
    if (first && first.stream_name === streamName) {
      const last = this.stmts.byId.get(rows[rows.length - 1]!.id);
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
    for (const r of rows) {
      revision += 1n;
      position = this.stmts.insert.get(r.id, streamName, revision, r.type, r.data, r.metadata, now)!.position;
    }
    return { nextRevision: revision, position };
  }

  /**
   * Group commit: every append queued until the next turn of the event loop (setImmediate,
   * so all requests read in one I/O poll get in; and while a commit's fsync blocks the
   * loop, the next requests pile up for the next batch) is written in ONE `BEGIN IMMEDIATE`
   * transaction: one commit, one fsync for all. Each append runs under its own SAVEPOINT
   * (better-sqlite3 nests transactions that way): a conflict or any other error of one
   * append rolls back that append only; the others still commit. Appends run in queue
   * order, so every caller gets the answer a serial run in call order gives. Nobody is
   * answered before the COMMIT returned (synchronous=FULL): an error that ends or dooms
   * the transaction (BEGIN/COMMIT failing, I/O, busy) fails the whole batch.
   *
   * (A writer thread that overlaps the fsync with request handling was tried: on the 2
   * shared cores it lost to this, the thread hand-offs costing more than the fsync wait.)
   */
  private readonly flush = (): void => {
    this.flushScheduled = undefined;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    const outcomes: Outcome[] = new Array<Outcome>(batch.length);
    try {
      if (this.closed) throw new EventStoreUnavailableError(new Error('store closed'));
      this.savepointTx ??= this.db.transaction((append: PendingAppend) => this.appendOne(append));
      this.groupTx ??= this.db.transaction((appends: PendingAppend[], results: Outcome[]) => {
        for (let i = 0; i < appends.length; i++) {
          try {
            results[i] = { ok: true, result: this.savepointTx!(appends[i]!) };
          } catch (error) {
            if (!this.db.inTransaction || isUnavailable(error)) throw error;
            results[i] = { ok: false, error };
          }
        }
      });
      this.groupTx.immediate(batch, outcomes);
    } catch (error) {
      const failure = isUnavailable(error) ? new EventStoreUnavailableError(error) : error;
      for (const append of batch) append.reject(failure);
      return;
    }
    // Subscriptions first: the projection then usually holds the batch by the time the
    // callers' continuations ask for read-your-writes.
    if (outcomes.some((o) => o.ok)) this.appended.emit('append');
    for (let i = 0; i < batch.length; i++) {
      const outcome = outcomes[i]!;
      if (outcome.ok) batch[i]!.resolve(outcome.result);
      else batch[i]!.reject(outcome.error);
    }
  };

  appendToStream(streamName: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      if (events.length === 0) throw new Error('nothing to append');
      if (this.closed) throw new EventStoreUnavailableError(new Error('store closed'));
      // Serialized now: the append is what the caller passed at call time.
      const rows = events.map((e) => ({
        id: e.id,
        type: e.type,
        data: JSON.stringify(e.data),
        metadata: JSON.stringify(e.metadata),
      }));
      this.pending.push({ streamName, rows, expected, resolve, reject });
      this.flushScheduled ??= setImmediate(this.flush);
    });
  }

  /**
   * The stream name as it was written. A name holding a lone surrogate (written before aliases
   * had to be well-formed) is stored as WTF-8, which SQLite reads back as U+FFFD: such a name is
   * decoded from its bytes, so that the key's stream can still be found (and its key revoked).
   */
  private faithful<E extends RecordedEvent>(event: E): E {
    if (event.streamName.includes('\ufffd')) {
      const row = this.stmts.nameBytes.get(event.position);
      if (row) event.streamName = decodeWtf8(row.name);
    }
    return event;
  }

  async readStream(streamName: string): Promise<RecordedEvent[]> {
    return this.guard(() => this.stmts.readStream.all(streamName).map((row) => this.faithful(toRecorded(row))));
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
    return this.guard(() =>
      (this.statement(sql).all(...params) as RawRow[]).map((row) => this.faithful(fromRawRow(row))),
    );
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
      head: () => this.lastPosition(),
      callbacks: options,
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

  async headOfLog(): Promise<bigint> {
    return this.lastPosition();
  }

  async ping(): Promise<void> {
    this.lastPosition();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Appends accepted before close are written (or failed) now, not dropped.
    if (this.flushScheduled) clearImmediate(this.flushScheduled);
    this.flush();
    this.closed = true;
    this.appended.emit('append');
    this.db.close();
  }
}

export function openSqliteEventStore(filePath: string): SqliteEventStore {
  return new SqliteEventStore(filePath);
}
