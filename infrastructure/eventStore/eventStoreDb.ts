/**
 * EventStoreDB adapter of the event-store port (production store).
 *
 * Mapping notes:
 *  - position = the event's commit position in $all (bigint). Every `after` is exclusive: ESDB's
 *    forwards read from a position is inclusive, so the event at exactly `after` is dropped here.
 *  - System events (stream name or event type starting with `$`) never leave this adapter.
 *  - Events are written as JSON events carrying the caller's id, so a retried append with the
 *    same ids and expected revision is deduplicated by the server (idempotent write).
 */
import {
  ANY,
  BACKWARDS,
  CancelledError,
  DeadlineExceededError,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  NotLeaderError,
  START,
  StreamNotFoundError,
  TimeoutError,
  UnavailableError,
  WrongExpectedVersionError,
  convertToCommandError,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type ReadPosition,
  type ResolvedEvent,
} from '@eventstore/db-client';
import {
  EventStoreUnavailableError,
  WrongExpectedRevisionError,
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
const PING_TIMEOUT_MS = 2_000;
const SUBSCRIPTION_HIGH_WATER_MARK = 256;

/** gRPC status codes (kept local so we do not depend on @grpc/grpc-js directly). */
const GRPC_TRANSIENT_CODES = new Set([
  1 /* CANCELLED */, 4 /* DEADLINE_EXCEEDED */, 10 /* ABORTED */, 14 /* UNAVAILABLE */,
]);

function isTransient(error: unknown): boolean {
  if (
    error instanceof UnavailableError ||
    error instanceof DeadlineExceededError ||
    error instanceof NotLeaderError ||
    error instanceof CancelledError ||
    error instanceof TimeoutError
  ) {
    return true;
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'number') return GRPC_TRANSIENT_CODES.has(code);
  // Node socket errors that may surface before gRPC wraps them.
  return typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(code);
}

/** Maps client errors to the port's errors; anything else is rethrown as-is. */
function mapError(error: unknown, streamName?: string, expected?: ExpectedRevision): unknown {
  if (error instanceof EventStoreUnavailableError || error instanceof WrongExpectedRevisionError) return error;
  const converted = error instanceof Error ? convertToCommandError(error) : error;
  if (converted instanceof WrongExpectedVersionError) {
    const actual = typeof converted.actualVersion === 'bigint' ? converted.actualVersion : 'no_stream';
    return new WrongExpectedRevisionError(streamName ?? converted.streamName, expected ?? 'any', actual);
  }
  if (isTransient(converted)) return new EventStoreUnavailableError(converted);
  return converted;
}

function isSystemEvent(streamName: string, type: string): boolean {
  return streamName.startsWith('$') || type.startsWith('$');
}

function matchesPrefixes(streamName: string, prefixes: string[] | undefined): boolean {
  return !prefixes || prefixes.length === 0 || prefixes.some((p) => streamName.startsWith(p));
}

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

/** Converts a resolved event; undefined for system events and unresolved links. */
function toRecorded(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event) return undefined;
  if (isSystemEvent(event.streamId, event.type)) return undefined;
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

export class EventStoreDbEventStore implements EventStore {
  readonly kind = 'eventstoredb' as const;
  private readonly subscriptions = new Set<EventStoreDbSubscription>();
  private closed = false;

  constructor(private readonly client: EventStoreDBClient) {}

  /** A disposed client would quietly reconnect; a closed store answers "unavailable" instead. */
  private ensureOpen(): void {
    if (this.closed) throw new EventStoreUnavailableError(new Error('store closed'));
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
      const result = await this.client.appendToStream(
        streamName,
        events.map((e) => jsonEvent({ id: e.id, type: e.type, data: e.data, metadata: e.metadata })),
        { expectedRevision: expected },
      );
      if (!result.position) throw new Error(`append to ${streamName} returned no position`);
      return { nextRevision: result.nextExpectedRevision, position: result.position.commit };
    } catch (error) {
      throw mapError(error, streamName, expectedRevision);
    }
  }

  async readStream(streamName: string): Promise<RecordedEvent[]> {
    this.ensureOpen();
    const out: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(streamName, { direction: FORWARDS, fromRevision: START })) {
        const event = toRecorded(resolved);
        if (event) out.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw mapError(error, streamName);
    }
    return out;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.ensureOpen();
    const backwards = options.direction === 'backwards';
    const maxCount = options.maxCount ?? Number.POSITIVE_INFINITY;
    const out: RecordedEvent[] = [];
    if (maxCount <= 0) return out;
    // Exclusive bound, advanced as pages are read.
    let bound = options.after;
    let from: ReadPosition = bound === undefined ? (backwards ? END : START) : { commit: bound, prepare: bound };
    // Without a prefix filter a small page is enough (+1 for the inclusive start, + a few system events).
    const filtered = (options.streamPrefixes?.length ?? 0) > 0;
    const pageSize = filtered ? READ_ALL_PAGE_SIZE : Math.min(READ_ALL_PAGE_SIZE, maxCount + 8);
    try {
      for (;;) {
        // Each page is drained completely: abandoning a half-read gRPC stream would leave it
        // registered in the client and make dispose() wait forever.
        const page: AllStreamResolvedEvent[] = [];
        for await (const resolved of this.client.readAll({
          fromPosition: from,
          direction: backwards ? BACKWARDS : FORWARDS,
          maxCount: pageSize,
        })) {
          page.push(resolved);
        }
        let last: bigint | undefined;
        for (const resolved of page) {
          const position = resolved.event?.position?.commit ?? resolved.commitPosition;
          if (position === undefined) continue;
          last = position;
          if (bound !== undefined && (backwards ? position >= bound : position <= bound)) continue;
          const event = toRecorded(resolved);
          if (!event || !matchesPrefixes(event.streamName, options.streamPrefixes)) continue;
          out.push(event);
          if (out.length >= maxCount) return out;
        }
        if (page.length < pageSize || last === undefined || last === bound) return out;
        bound = last;
        from = { commit: last, prepare: last };
      }
    } catch (error) {
      throw mapError(error);
    }
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    this.ensureOpen();
    const prefixes = options.streamPrefixes?.filter((p) => p.length > 0);
    const subscription = this.client.subscribeToAll({
      fromPosition: options.after === undefined ? START : { commit: options.after, prepare: options.after },
      filter: prefixes && prefixes.length > 0 ? streamNameFilter({ prefixes }) : excludeSystemEvents(),
    });
    const wrapped = new EventStoreDbSubscription(subscription, options.after, prefixes, () =>
      this.subscriptions.delete(wrapped),
    );
    this.subscriptions.add(wrapped);
    return wrapped;
  }

  async ping(): Promise<void> {
    this.ensureOpen();
    let timer: NodeJS.Timeout | undefined;
    const read = this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 });
    try {
      await Promise.race([
        (async () => {
          for await (const _ of read) {
            // draining is enough
          }
        })(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
        }),
      ]);
    } catch (error) {
      void read.cancel().catch(() => undefined);
      const mapped = mapError(error);
      throw mapped instanceof EventStoreUnavailableError ? mapped : new EventStoreUnavailableError(error);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.subscriptions].map((s) => s.close()));
    await this.client.dispose();
  }
}

/** Adapts the client's subscription stream to the port's async-iterable Subscription. */
class EventStoreDbSubscription implements Subscription {
  private readonly queue: RecordedEvent[] = [];
  private error: unknown = null;
  private ended = false;
  private closed = false;
  private paused = false;
  private wake: (() => void) | null = null;
  private lastPosition: bigint | undefined;

  constructor(
    private readonly subscription: AllStreamSubscription,
    after: bigint | undefined,
    private readonly prefixes: string[] | undefined,
    private readonly onClose: () => void,
  ) {
    this.lastPosition = after;
    subscription.on('data', (resolved: AllStreamResolvedEvent) => {
      if (this.closed) return;
      let event: RecordedEvent | undefined;
      try {
        event = toRecorded(resolved);
      } catch (error) {
        this.fail(error);
        return;
      }
      if (!event || !matchesPrefixes(event.streamName, this.prefixes)) return;
      // ESDB subscriptions are exclusive of the start position; guard against duplicates anyway.
      if (this.lastPosition !== undefined && event.position <= this.lastPosition) return;
      this.lastPosition = event.position;
      this.queue.push(event);
      if (this.queue.length >= SUBSCRIPTION_HIGH_WATER_MARK && !this.paused) {
        this.paused = true;
        subscription.pause();
      }
      this.notify();
    });
    subscription.on('error', (error: unknown) => this.fail(error));
    const onEnd = () => {
      this.ended = true;
      this.notify();
    };
    subscription.on('end', onEnd);
    subscription.on('close', onEnd);
  }

  private fail(error: unknown): void {
    if (this.closed || this.error) return;
    const mapped = mapError(error);
    this.error = mapped;
    this.notify();
    void this.subscription.unsubscribe().catch(() => undefined);
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    try {
      for (;;) {
        if (this.closed) return;
        const next = this.queue.shift();
        if (next) {
          if (this.paused && this.queue.length < SUBSCRIPTION_HIGH_WATER_MARK / 2) {
            this.paused = false;
            this.subscription.resume();
          }
          yield next;
          continue;
        }
        if (this.error) throw this.error;
        if (this.ended) {
          // An endless feed that ended without being closed: the connection went away.
          throw new EventStoreUnavailableError(new Error('subscription ended by the server'));
        }
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      // A consumer that breaks out of `for await` closes the subscription.
      if (!this.closed) await this.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.notify();
    this.onClose();
    try {
      await this.subscription.unsubscribe();
    } catch {
      // already gone
    }
  }
}

export function openEventStoreDb(connectionString: string): EventStoreDbEventStore {
  return new EventStoreDbEventStore(EventStoreDBClient.connectionString(connectionString));
}
