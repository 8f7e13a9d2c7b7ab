import type { RecordedEvent, Subscription } from './port';

export interface PollingSource {
  after: bigint | undefined;
  /** Events after the given position (exclusive), in order, a page at a time. */
  readPage(after: bigint | undefined): RecordedEvent[];
  /** Wakes the subscription early when this process appends; returns an unsubscribe. */
  onAppend(listener: () => void): () => void;
  pollIntervalMs: number;
}

/**
 * A catch-up-then-live subscription over a store that can only be read: it reads pages
 * until empty, then waits for an in-process append signal or the poll interval
 * (appends by other processes), whichever comes first.
 */
export function pollingSubscription(source: PollingSource): Subscription {
  let after = source.after;
  let closed = false;
  let wake: (() => void) | undefined;
  const unsubscribe = source.onAppend(() => wake?.());

  async function* iterate(): AsyncGenerator<RecordedEvent> {
    try {
      while (!closed) {
        const page = source.readPage(after);
        for (const event of page) {
          if (closed) return;
          after = event.position;
          yield event;
        }
        if (page.length > 0) continue;
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

  const iterator = iterate();
  return {
    [Symbol.asyncIterator]: () => iterator,
    async close() {
      closed = true;
      wake?.();
      await iterator.return(undefined);
    },
  };
}
