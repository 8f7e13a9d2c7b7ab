import { evolve, initialState, type ApiKeyState } from '../../domain';
import { keyStreamName } from '../../infrastructure/eventStore/apiKeyCodec';
import type { EventStore } from '../../infrastructure/eventStore/port';
import type { KeyState } from '../readModel/authReadModel';
import { eventTime, toAuditEntry, type AuditEntry } from './auditEntry';
import { keyStreamEvents } from './keyEvents';

/** Every change of one key, oldest first; undefined when the alias has no stream. */
export async function keyHistory(store: EventStore, alias: string): Promise<AuditEntry[] | undefined> {
  const events = await keyStreamEvents(store, keyStreamName(alias));
  if (events.length === 0) return undefined;
  return events.map(toAuditEntry);
}

/**
 * The key as it was at `asOfMs`, folded with the aggregate's own evolve from the events
 * decided at or before that instant, and the revision it was folded to. The fold takes the
 * stream's prefix up to the first later event: a revision is never applied without the ones
 * before it. Undefined when the key did not exist yet.
 */
export async function keyStateAsOf(
  store: EventStore,
  alias: string,
  asOfMs: number,
): Promise<{ state: KeyState; revision: number } | undefined> {
  let state: ApiKeyState = initialState();
  let revision = -1;
  for (const { recorded, event } of await keyStreamEvents(store, keyStreamName(alias))) {
    if (eventTime(recorded) > asOfMs) break;
    if (event) state = evolve(state, event);
    revision = Number(recorded.revision);
  }
  return state.status === 'absent' ? undefined : { state, revision };
}
