import type { ApiKeyEvent } from '../../domain';
import { apiKeyCodec, KEY_STREAM_PREFIX } from '../../infrastructure/eventStore/apiKeyCodec';
import type { EventStore, RecordedEvent } from '../../infrastructure/eventStore/port';

export const PAGE_SIZE = 500;

export type Direction = 'forwards' | 'backwards';

/** A stored key event and its domain event (undefined when it is not one this version can read). */
export interface KeyEvent {
  recorded: RecordedEvent;
  event: ApiKeyEvent | undefined;
}

const decode = (recorded: RecordedEvent): KeyEvent => ({ recorded, event: apiKeyCodec.fromRecorded(recorded) });

/** Every event of every key stream, a page at a time, from `after` (exclusive) in `direction`. */
export async function* keyEventPages(
  store: EventStore,
  direction: Direction = 'forwards',
  after?: bigint,
): AsyncGenerator<KeyEvent[]> {
  let from = after;
  for (;;) {
    const page = await store.readAll({
      after: from,
      direction,
      maxCount: PAGE_SIZE,
      streamPrefixes: [KEY_STREAM_PREFIX],
    });
    if (page.length > 0) yield page.map(decode);
    if (page.length < PAGE_SIZE) return;
    from = page[page.length - 1]!.position;
  }
}

/** One key's events, oldest first (a key's stream is short: read in one call). */
export async function keyStreamEvents(store: EventStore, streamName: string): Promise<KeyEvent[]> {
  return (await store.readStream(streamName)).map(decode);
}
