/**
 * EventStoreDB adapter of the event-store port (production store).
 *
 * Mapping notes:
 *  - position = the event's commit position in $all (bigint). Every `after` is exclusive: ESDB's
 *    forwards read from a position is inclusive, so the event at exactly `after` is dropped here.
 *  - System events (stream name or event type starting with `$`) never leave this adapter.
 *  - Events are written as JSON events carrying the caller's id, so a retried append with the
 *    same ids and expected revision is deduplicated by the server (idempotent write).
 *  - Reads go through the raw Streams.Read call (eventStoreDbRead.ts): `$all` reads with stream
 *    prefixes are filtered by the server, stream reads require the leader, every call has a
 *    deadline. Appends go through the client (BatchAppend when the server advertises it) under
 *    a deadline of their own, since the client's BatchAppend call has none.
 */
import {
  ANY,
  EventStoreDBClient,
  NO_STREAM,
  START,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type Position,
} from '@eventstore/db-client';
import { ConfigError } from '../config';
import { connectionAddress, redactPassword, withLeaderPreference } from './eventStoreDbAddress';
import { mapError } from './eventStoreDbErrors';
import { rawRead, type RawReadOptions } from './eventStoreDbRead';
import { EventStoreDbSubscription } from './eventStoreDbSubscription';
import {
  EventStoreUnavailableError,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from './port';

const READ_ALL_PAGE_SIZE = 512;
export interface Deadlines {
  /** Every read (stream, `$all`, head of the log). */
  readMs: number;
  /** Every append (the client's BatchAppend call itself has none). */
  appendMs: number;
  pingMs: number;
}

const DEFAULT_DEADLINES: Deadlines = { readMs: 5_000, appendMs: 5_000, pingMs: 2_000 };
/** Events the server scans per step of a filtered subscription; one checkpoint per step. */
const SUBSCRIPTION_FILTER_WINDOW = 512;

function toJson(value: unknown): Record<string, unknown> {
  if (value instanceof Uint8Array) {
    try {
      return JSON.parse(Buffer.from(value).toString('utf8')) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return (value ?? {}) as Record<string, unknown>;
}

/** Converts a subscription event; undefined for system events and unresolved links. */
function toRecorded(resolved: AllStreamResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event || event.streamId.startsWith('$') || event.type.startsWith('$')) return undefined;
  const position = event.position?.commit ?? resolved.commitPosition;
  if (position === undefined) throw new Error(`event ${event.id} on ${event.streamId} has no position`);
  return {
    id: event.id,
    type: event.type,
    data: toJson(event.data),
    metadata: toJson(event.metadata) as EventMetadata,
    streamName: event.streamId,
    revision: event.revision,
    position,
    createdAt: event.created,
  };
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const message = `${what}: no answer within ${ms} ms`;
      reject(new EventStoreUnavailableError(new Error(message), message));
    }, ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export class EventStoreDbEventStore implements EventStore {
  readonly kind = 'eventstoredb' as const;
  private readonly subscriptions = new Set<EventStoreDbSubscription>();
  private closed = false;

  /** `address` names the server in errors (never the credentials). */
  constructor(
    private readonly client: EventStoreDBClient,
    readonly address = 'the configured address',
    private readonly deadlines: Deadlines = DEFAULT_DEADLINES,
  ) {}

  /** A disposed client would quietly reconnect; a closed store answers "unavailable" instead. */
  private ensureOpen(): void {
    if (this.closed) throw new EventStoreUnavailableError(new Error('store closed'));
  }

  private read(options: Omit<RawReadOptions, 'deadlineMs'>, deadlineMs = this.deadlines.readMs) {
    this.ensureOpen();
    return rawRead(this.client, { ...options, deadlineMs }).catch((error: unknown) => {
      throw mapError(error, this.address, options.stream);
    });
  }

  async appendToStream(
    streamName: string,
    events: NewEvent[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult> {
    this.ensureOpen();
    if (events.length === 0) throw new Error('appendToStream needs at least one event');
    const expected = expectedRevision === 'no_stream' ? NO_STREAM : expectedRevision === 'any' ? ANY : expectedRevision;
    try {
      const result = await withDeadline(
        this.client.appendToStream(
          streamName,
          events.map((e) => jsonEvent({ id: e.id, type: e.type, data: e.data, metadata: e.metadata })),
          { expectedRevision: expected, requiresLeader: true, deadline: this.deadlines.appendMs },
        ),
        this.deadlines.appendMs,
        `EventStoreDB at ${this.address} unavailable: append to ${streamName}`,
      );
      if (!result.position) throw new Error(`append to ${streamName} returned no position`);
      return { nextRevision: result.nextExpectedRevision, position: result.position.commit };
    } catch (error) {
      throw mapError(error, this.address, streamName, expectedRevision);
    }
  }

  /** From the leader: this history feeds decide, and a follower may lag behind. */
  async readStream(streamName: string): Promise<RecordedEvent[]> {
    const items = await this.read({
      stream: streamName,
      direction: 'forwards',
      count: Number.MAX_SAFE_INTEGER,
      requiresLeader: true,
    });
    return items.flatMap((i) => (i.event ? [i.event] : []));
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const maxCount = options.maxCount ?? Number.POSITIVE_INFINITY;
    const out: RecordedEvent[] = [];
    if (maxCount <= 0) return out;
    const prefixes = options.streamPrefixes?.filter((p) => p.length > 0);
    // Exclusive bound, advanced page by page. With prefixes, the server sends matches only, so
    // a page is (at most) the events still wanted, +1 for the inclusive forwards start.
    let bound = options.after;
    for (;;) {
      const wanted = Math.min(READ_ALL_PAGE_SIZE, maxCount - out.length + (prefixes?.length ? 1 : 8));
      const page = await this.read({
        direction: backwards ? 'backwards' : 'forwards',
        fromPosition: bound,
        count: wanted,
        streamPrefixes: prefixes,
        requiresLeader: false,
      });
      let last: bigint | undefined;
      for (const item of page) {
        last = item.position;
        if (bound !== undefined && (backwards ? item.position >= bound : item.position <= bound)) continue;
        if (!item.event) continue;
        if (prefixes?.length && !prefixes.some((p) => item.event!.streamName.startsWith(p))) continue;
        out.push(item.event);
        if (out.length >= maxCount) return out;
      }
      if (page.length < wanted || last === undefined || last === bound) return out;
      bound = last;
    }
  }

  async headOfLog(): Promise<bigint> {
    const [newest] = await this.read({ direction: 'backwards', count: 1, requiresLeader: false });
    return newest?.position ?? 0n;
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    this.ensureOpen();
    const prefixes = options.streamPrefixes?.filter((p) => p.length > 0);
    // The client takes the checkpoint callback before the wrapper exists.
    const ref: { wrapper?: EventStoreDbSubscription } = {};
    const checkpointReached = (s: unknown, position: Position) => ref.wrapper?.checkpointReached(s, position);
    const filterOptions = { maxSearchWindow: SUBSCRIPTION_FILTER_WINDOW, checkpointInterval: 1, checkpointReached };
    const subscription = this.client.subscribeToAll({
      fromPosition: options.after === undefined ? START : { commit: options.after, prepare: options.after },
      filter:
        prefixes && prefixes.length > 0
          ? streamNameFilter({ prefixes, ...filterOptions })
          : excludeSystemEvents(filterOptions),
    });
    const current: EventStoreDbSubscription = new EventStoreDbSubscription(subscription, options, {
      toRecorded: (resolved) => {
        const event = toRecorded(resolved);
        return event && (!prefixes?.length || prefixes.some((p) => event.streamName.startsWith(p))) ? event : undefined;
      },
      mapError: (error) => mapError(error, this.address),
      headOfLog: () => this.headOfLog(),
      onClose: () => this.subscriptions.delete(current),
    });
    ref.wrapper = current;
    this.subscriptions.add(current);
    return current;
  }

  /** One small read of `$all` (what the service needs most), under a short deadline. */
  async ping(): Promise<void> {
    await this.read({ direction: 'backwards', count: 1, requiresLeader: false }, this.deadlines.pingMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.subscriptions].map((s) => s.close()));
    await this.client.dispose();
  }
}

/**
 * Opens the store from a connection string (esdb:// or esdb+discover://, credentials and TLS
 * options included). A string the client refuses (bad syntax, unreadable tlsCAFile) throws a
 * ConfigError naming the address, never the password.
 */
export function openEventStoreDb(connectionString: string, deadlines: Partial<Deadlines> = {}): EventStoreDbEventStore {
  const address = connectionAddress(connectionString);
  let client: EventStoreDBClient;
  try {
    client = EventStoreDBClient.connectionString(withLeaderPreference(connectionString));
  } catch (error) {
    const cause = redactPassword(error instanceof Error ? error.message : String(error), connectionString);
    throw new ConfigError(`EVENTSTORE_CONNECTION_STRING (${address}) is not usable: ${cause}`);
  }
  return new EventStoreDbEventStore(client, address, { ...DEFAULT_DEADLINES, ...deadlines });
}
