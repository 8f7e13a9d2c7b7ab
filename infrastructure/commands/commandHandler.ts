import { v7 as uuidv7 } from 'uuid';
import type { AppendResult, EventMetadata, EventStore, ExpectedRevision, RecordedEvent } from '../eventStore/port';
import {
  EventStoreAccessDeniedError,
  EventStoreUnavailableError,
  WrongExpectedRevisionError,
} from '../eventStore/port';

export interface StoredEventCodec<Event> {
  /** undefined for events this decider does not know (they are skipped). */
  fromRecorded(recorded: RecordedEvent): Event | undefined;
  toStored(event: Event): { type: string; data: Record<string, unknown> };
}

export interface DeciderLike<State, Event> {
  evolve(state: State, event: Event): State;
  initialState(): State;
}

export interface HandleResult<State, Event> {
  newState: State;
  newEvents: Event[];
  /** Undefined when decide produced no events. */
  appended?: AppendResult;
}

export interface CommandHandlerOptions {
  /** Attempts of load-decide-append when another writer won the race. */
  maxAttempts?: number;
  /**
   * How long a command keeps retrying while the store answers "not now" (unavailable, not
   * ready, not leader, timed out): the same append (same event ids, same expected revision)
   * is sent again, with backoff, until this budget is spent; then EventStoreUnavailableError.
   */
  unavailableBudgetMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FIRST_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 1_000;

/**
 * Runs `attempt` again while it fails with EventStoreUnavailableError, with exponential backoff
 * (half fixed, half jitter), until `budgetMs` has passed; then rethrows the last error. An access
 * refusal is not retried: waiting does not fix credentials.
 */
export async function retryWhileUnavailable<T>(attempt: () => Promise<T>, budgetMs: number): Promise<T> {
  const giveUpAt = Date.now() + budgetMs;
  for (let backoff = FIRST_BACKOFF_MS; ; backoff = Math.min(MAX_BACKOFF_MS, backoff * 2)) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof EventStoreUnavailableError) || error instanceof EventStoreAccessDeniedError) throw error;
      const wait = backoff / 2 + Math.random() * (backoff / 2);
      if (Date.now() + wait > giveUpAt) throw error;
      await sleep(wait);
    }
  }
}

/**
 * Serializes async work per key within this process. Commands on one stream queue here
 * instead of racing to a concurrency conflict; other processes are still kept honest by
 * the store's expected-revision check.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

/**
 * Load-decide-append with optimistic concurrency: fold the stream into state, decide,
 * append expecting the revision that was read; on a conflict, reload and decide again.
 */
export class CommandHandler<State, Event> {
  private readonly lock = new KeyedLock();
  private readonly maxAttempts: number;
  private readonly unavailableBudgetMs: number;

  constructor(
    private readonly store: EventStore,
    private readonly decider: DeciderLike<State, Event>,
    private readonly codec: StoredEventCodec<Event>,
    options: CommandHandlerOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 30;
    this.unavailableBudgetMs = options.unavailableBudgetMs ?? 3_000;
  }

  async load(streamName: string): Promise<{ state: State; expected: ExpectedRevision }> {
    const recorded = await retryWhileUnavailable(() => this.store.readStream(streamName), this.unavailableBudgetMs);
    let state = this.decider.initialState();
    for (const r of recorded) {
      const event = this.codec.fromRecorded(r);
      if (event !== undefined) state = this.decider.evolve(state, event);
    }
    const last = recorded[recorded.length - 1];
    return { state, expected: last ? last.revision : 'no_stream' };
  }

  handle(
    streamName: string,
    decide: (state: State) => Event[],
    metadata: EventMetadata,
  ): Promise<HandleResult<State, Event>> {
    return this.lock.run(streamName, async () => {
      for (let attempt = 1; ; attempt++) {
        const { state, expected } = await this.load(streamName);
        const newEvents = decide(state);
        if (newEvents.length === 0) return { newState: state, newEvents };
        const toAppend = newEvents.map((e) => ({ id: uuidv7(), ...this.codec.toStored(e), metadata }));
        try {
          const appended = await this.appendWithRetry(streamName, toAppend, expected);
          const newState = newEvents.reduce((s, e) => this.decider.evolve(s, e), state);
          return { newState, newEvents, appended };
        } catch (error) {
          if (!(error instanceof WrongExpectedRevisionError) || attempt >= this.maxAttempts) throw error;
          await sleep(Math.random() * Math.min(100, 2 ** attempt)); // full jitter, capped
        }
      }
    });
  }

  private appendWithRetry(
    streamName: string,
    events: Parameters<EventStore['appendToStream']>[1],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    // Same ids and expected revision: the store dedupes if an earlier try did land.
    return retryWhileUnavailable(
      () => this.store.appendToStream(streamName, events, expected),
      this.unavailableBudgetMs,
    );
  }
}
