import type { ApiKeyState, Role } from '../../domain';
import { evolve, initialState, statusAt } from '../../domain';
import type { EventStore } from '../../infrastructure/eventStore/port';
import { eventTime } from './auditEntry';
import { keyEventPages } from './keyEvents';

type KeyState = Exclude<ApiKeyState, { status: 'absent' }>;

/** A key that held the role, as it was at the first moment it was seen holding it. */
export interface RoleHolder {
  alias: string;
  name: string;
  roles: Role[];
  keyPrefix: string | null;
  /** Epoch milliseconds. */
  expire: number;
  /** The instant at which it was seen holding the role (the window's start, or a later change). */
  heldAt: number;
}

/** A point in time (from === to) or a window [from, to) in epoch milliseconds. */
export interface TimeWindow {
  from: number;
  to: number;
}

interface Track {
  state: ApiKeyState;
  /** Set once the fold has gone past `from`. */
  pastFrom: boolean;
  done: boolean;
  holder?: RoleHolder;
}

function holds(state: ApiKeyState, role: Role, atMs: number): state is KeyState {
  return state.status !== 'absent' && statusAt(state, atMs) === 'active' && state.roles.includes(role);
}

function check(track: Track, role: Role, atMs: number): void {
  if (track.holder || !holds(track.state, role, atMs)) return;
  const s = track.state;
  track.holder = {
    alias: s.alias,
    name: s.name,
    roles: s.roles,
    keyPrefix: s.keyPrefix,
    expire: s.expire,
    heldAt: atMs,
  };
}

/**
 * Keys that held `role` (active, not expired, role granted) at some moment of the window.
 * Each key's events are folded with the domain's evolve, in order. Between two events a
 * key only changes by expiring, so it is enough to test the state at `from` and right
 * after each event inside the window. Reads the whole key log: O(events).
 */
export async function roleHolders(store: EventStore, role: Role, window: TimeWindow): Promise<RoleHolder[]> {
  const tracks = new Map<string, Track>();
  for await (const page of keyEventPages(store)) {
    for (const { recorded, event } of page) {
      let track = tracks.get(recorded.streamName);
      if (!track) tracks.set(recorded.streamName, (track = { state: initialState(), pastFrom: false, done: false }));
      if (track.done) continue;
      const t = eventTime(recorded);
      if (t <= window.from) {
        if (event) track.state = evolve(track.state, event);
        continue;
      }
      if (!track.pastFrom) {
        track.pastFrom = true;
        check(track, role, window.from);
      }
      if (t >= window.to) {
        track.done = true;
        continue;
      }
      if (event) track.state = evolve(track.state, event);
      check(track, role, t);
    }
  }
  const holders: RoleHolder[] = [];
  for (const track of tracks.values()) {
    if (!track.pastFrom) check(track, role, window.from);
    if (track.holder) holders.push(track.holder);
  }
  return holders.sort((a, b) => (a.alias < b.alias ? -1 : a.alias > b.alias ? 1 : 0));
}
