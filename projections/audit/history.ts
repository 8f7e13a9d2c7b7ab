import type { ApiKeyEvent, ApiKeyState } from '../../domain';
import { foldEvents, upcast } from '../../domain';
import { keyStreamName } from '../../infrastructure/eventStore/apiKeyCodec';
import type { EventStore } from '../../infrastructure/eventStore/port';
import { eventTime, toAuditEntry, type AuditEntry } from './auditEntry';

/** Every change of one key, oldest first; undefined when the alias has no stream. */
export async function keyHistory(store: EventStore, alias: string): Promise<AuditEntry[] | undefined> {
  const recorded = await store.readStream(keyStreamName(alias));
  if (recorded.length === 0) return undefined;
  return recorded.map(toAuditEntry);
}

/**
 * The key as it was at `asOfMs`, folded with the aggregate's own evolve from the events
 * decided at or before that instant. The fold takes the stream's prefix up to the first
 * later event: a revision is never applied without the ones before it.
 */
export async function keyStateAsOf(store: EventStore, alias: string, asOfMs: number): Promise<ApiKeyState> {
  const recorded = await store.readStream(keyStreamName(alias));
  const events: ApiKeyEvent[] = [];
  for (const r of recorded) {
    if (eventTime(r) > asOfMs) break;
    const event = upcast(r.type, r.data);
    if (event) events.push(event);
  }
  return foldEvents(events);
}
