import type { RecordedEvent, SubscribeOptions, Subscription } from './port';

export interface PollingSource {
  after: bigint | undefined;
  /** Events after the given position (exclusive), in order, a page at a time. */
  readPage(after: bigint | undefined): RecordedEvent[];
  /** Wakes the subscription early when this process appends; returns an unsubscribe. */
  onAppend(listener: () => void): () => void;
  pollIntervalMs: number;
  /** Newest position of the whole log: an empty page read after it is a checkpoint there. */
  head?(): bigint;
  callbacks?: Pick<SubscribeOptions, 'onConfirmed' | 'onCaughtUp' | 'onCheckpoint'>;
}

/**
 * A catch-up-then-live subscription over a store that can only be read: it reads pages
 * until empty, then waits for an in-process append signal or the poll interval
 * (appends by other processes), whichever comes first. Consumed per event (`for await`)
 * or a page at a time (`batches()`), which spares a consumer one await per event.
 */
export function pollingSubscription(source: PollingSource): Subscription {
  let after = source.after;
  let closed = false;
  let wake: (() => void) | undefined;
  const off = source.onAppend(() => wake?.());
  let subscribed = true;
  const unsubscribe = () => {
    if (subscribed) off();
    subscribed = false;
  };

  const callbacks = source.callbacks ?? {};
  let caughtUp = false;
  let reported: bigint | undefined;

  async function* pages(): AsyncGenerator<RecordedEvent[]> {
    callbacks.onConfirmed?.();
    try {
      while (!closed) {
        // The head first: once a page after `after` is empty, nothing up to that head is left.
        const head = source.head?.();
        const page = source.readPage(after);
        if (page.length > 0) {
          after = page[page.length - 1]!.position;
          yield page;
          continue;
        }
        if (head !== undefined && head > (reported ?? after ?? 0n)) {
          reported = head;
          callbacks.onCheckpoint?.(head);
        }
        // And the next page starts there: a subscription whose prefixes match nothing new would
        // otherwise rescan the log's whole tail on every append (measured: ~1.5 ms per command).
        if (head !== undefined && head > (after ?? 0n)) after = head;
        if (!caughtUp) {
          caughtUp = true;
          callbacks.onCaughtUp?.();
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, source.pollIntervalMs);
          function done() {
            clearTimeout(timer);
            wake = undefined;
            resolve();
          }
          wake = done;
        });
      }
    } finally {
      unsubscribe();
    }
  }

  async function* events(): AsyncGenerator<RecordedEvent> {
    for await (const page of pages()) {
      for (const event of page) {
        if (closed) return;
        yield event;
      }
    }
  }

  let iterator: AsyncGenerator<RecordedEvent> | AsyncGenerator<RecordedEvent[]> | undefined;
  const claim = <T extends AsyncGenerator<RecordedEvent> | AsyncGenerator<RecordedEvent[]>>(make: () => T): T => {
    if (iterator) throw new Error('subscription already consumed');
    iterator = make();
    return iterator as T;
  };
  let eventIterator: AsyncGenerator<RecordedEvent> | undefined;
  return {
    // Repeated calls return the same iterator, so one for-await may be resumed by another.
    [Symbol.asyncIterator]: () => (eventIterator ??= claim(events)),
    batches: () => ({ [Symbol.asyncIterator]: () => claim(pages) }),
    async close() {
      closed = true;
      wake?.();
      try {
        await iterator?.return(undefined);
      } finally {
        unsubscribe();
      }
    },
  };
}
