import { evolve, initialState } from '../../domain';
import { apiKeyCodec, aliasOfStream } from '../../infrastructure/eventStore/apiKeyCodec';
import type { RecordedEvent } from '../../infrastructure/eventStore/port';
import { keyHashesOf, toView, type KeyState, type KeyView } from './keyView';

/** One key in the model: its folded state (to apply the next event) and the view derived from it. */
export interface KeyEntry {
  state: KeyState;
  view: KeyView;
}

/**
 * The authentication read model: key hash -> key, and alias -> key, in memory.
 * Each key event is upcast by the one codec and folded with the domain's own `evolve`;
 * the view is derived from the folded state. Applying is idempotent (an event at or before
 * the checkpoint, or at or before the key's revision, changes nothing), so the model can be
 * replayed from any point and rebuilt from the log.
 */
export class AuthReadModel {
  private position = 0n;
  /** Events that changed the model so far (snapshots are written when enough did). */
  changes = 0;
  private readonly byAlias = new Map<string, KeyEntry>();
  private readonly aliasByHash = new Map<string, string>();

  get checkpoint(): bigint {
    return this.position;
  }

  get size(): number {
    return this.byAlias.size;
  }

  /** The alias (stream) a key hash belongs to. */
  aliasOfHash(keyHash: string): string | undefined {
    return this.aliasByHash.get(keyHash);
  }

  findByHash(keyHash: string): KeyView | undefined {
    const alias = this.aliasByHash.get(keyHash);
    return alias === undefined ? undefined : this.byAlias.get(alias)?.view;
  }

  findByAlias(alias: string): KeyView | undefined {
    return this.byAlias.get(alias)?.view;
  }

  /** Newest first. */
  list(): KeyView[] {
    const views = Array.from(this.byAlias.values(), (e) => e.view);
    return views.sort((a, b) => b.createdAt - a.createdAt || (a.alias < b.alias ? -1 : 1));
  }

  /** Returns true when the event changed the model. */
  apply(recorded: RecordedEvent): boolean {
    if (recorded.position <= this.position) return false;
    this.position = recorded.position;
    const event = apiKeyCodec.fromRecorded(recorded);
    if (!event) return false;
    const alias = aliasOfStream(recorded.streamName);
    const revision = Number(recorded.revision);
    const before = this.byAlias.get(alias);
    if (before && revision <= before.view.revision) return false;
    const state = evolve(before?.state ?? initialState(), event);
    if (state.status === 'absent') return false;
    this.put(alias, { state, view: toView(state, revision) }, before);
    this.changes++;
    return true;
  }

  /** Empties the model, to rebuild it from the start of the log. */
  reset(): void {
    this.position = 0n;
    this.byAlias.clear();
    this.aliasByHash.clear();
  }

  /** Every key with the revision it was folded to: what a snapshot keeps. */
  entries(): IterableIterator<[string, KeyEntry]> {
    return this.byAlias.entries();
  }

  /** A model holding these keys at this checkpoint (from a snapshot). */
  static restore(checkpoint: bigint, keys: Iterable<readonly [string, KeyState, number]>): AuthReadModel {
    const model = new AuthReadModel();
    model.position = checkpoint;
    for (const [alias, state, revision] of keys) model.put(alias, { state, view: toView(state, revision) }, undefined);
    return model;
  }

  private put(alias: string, entry: KeyEntry, before: KeyEntry | undefined): void {
    if (before) {
      entry.view.lastUsedAt = before.view.lastUsedAt;
      for (const hash of keyHashesOf(before.state)) this.aliasByHash.delete(hash);
    }
    this.byAlias.set(alias, entry);
    for (const hash of keyHashesOf(entry.state)) this.aliasByHash.set(hash, alias);
  }
}
