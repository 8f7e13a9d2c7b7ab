/**
 * The event-store port. Adapters: SQLite (embedded, default) and EventStoreDB.
 *
 * Positions are global and strictly increasing; revisions count from 0 within a stream.
 * Every "after" position below is exclusive, so a checkpoint (the last applied position)
 * can be passed as-is to resume without a duplicate and without a gap.
 */

export type ExpectedRevision = 'no_stream' | 'any' | bigint;

export interface EventMetadata {
  actor: string;
  requestId: string;
  correlationId: string;
  causationId: string;
  /** ISO-8601 time at which the command was decided. */
  at: string;
  [key: string]: unknown;
}

export interface NewEvent {
  /** UUID; a retried append of the same ids must not write them twice where the store supports it. */
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata: EventMetadata;
}

export interface RecordedEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata: EventMetadata;
  streamName: string;
  revision: bigint;
  position: bigint;
  createdAt: Date;
}

export interface AppendResult {
  /** Revision of the last event written to the stream. */
  nextRevision: bigint;
  /** Global position of the last event written. */
  position: bigint;
}

export interface ReadAllOptions {
  /** Exclusive lower bound (forwards) or upper bound (backwards); omitted = from the start / end. */
  after?: bigint;
  direction?: 'forwards' | 'backwards';
  maxCount?: number;
  /** Only events whose stream name starts with one of these prefixes. */
  streamPrefixes?: string[];
}

export interface SubscribeOptions {
  /** Exclusive start position; omitted = from the very start of the log. */
  after?: bigint;
  streamPrefixes?: string[];
  /** The store confirmed the subscription (the server accepted it; nothing read yet). */
  onConfirmed?(): void;
  /** The catch-up phase reached the live end of the log (called once per subscription). */
  onCaughtUp?(): void;
  /**
   * Every event up to this position was considered (matching ones delivered before this call),
   * although none may have matched: a consumer may resume from it. Called at most now and then.
   */
  onCheckpoint?(position: bigint): void;
}

/** An endless, ordered feed of events; iterate with `for await`, end with close(). */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
  /**
   * Optional: the same feed a batch at a time (non-empty arrays, in order, as the adapter
   * reads them), for a consumer that applies a batch synchronously instead of awaiting per
   * event. Consume a subscription either per event or by batches, not both. Adapters
   * without it are consumed per event.
   */
  batches?(): AsyncIterable<readonly RecordedEvent[]>;
}

export interface EventStore {
  readonly kind: 'sqlite' | 'eventstoredb';
  appendToStream(streamName: string, events: NewEvent[], expectedRevision: ExpectedRevision): Promise<AppendResult>;
  /** A stream that does not exist reads as an empty history. */
  readStream(streamName: string): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribeToAll(options?: SubscribeOptions): Subscription;
  /**
   * Position of the newest event of the whole log (any stream, system events included where the
   * store has them), 0n when the log is empty. One small read, whatever the size of the log.
   */
  headOfLog(): Promise<bigint>;
  /**
   * Resolves when the store answers; rejects with EventStoreUnavailableError otherwise
   * (EventStoreAccessDeniedError when it answered but refused the credentials).
   */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class WrongExpectedRevisionError extends Error {
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    readonly actual: bigint | 'no_stream',
  ) {
    super(`wrong expected revision on ${streamName}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

/** The store did not answer, or answered "not now" (not ready, not leader, busy, timed out): retry later. */
export class EventStoreUnavailableError extends Error {
  constructor(cause?: unknown, message = 'event store unavailable') {
    super(message, { cause });
    this.name = 'EventStoreUnavailableError';
  }
}

/**
 * The store answered but refused the credentials or the operation (missing user, wrong password,
 * no ACL for a stream or `$all`). Nothing was written. A subclass of EventStoreUnavailableError so
 * that callers answer 503 and retry (an operator may fix the ACL), while logs say what it is.
 */
export class EventStoreAccessDeniedError extends EventStoreUnavailableError {
  constructor(cause?: unknown, message = 'event store refused access') {
    super(cause, message);
    this.name = 'EventStoreAccessDeniedError';
  }
}
