import { evolve, initialState } from '../../domain';
import { apiKeyCodec, aliasOfStream } from '../../infrastructure/eventStore/apiKeyCodec';
import type { RecordedEvent } from '../../infrastructure/eventStore/port';
import { keyHashesOf, toView, type KeyView } from './keyView';

/**
 * The authentication read model: key hash -> alias -> key view, in memory.
 * Each key event is upcast by the one codec and folded with the domain's own `evolve`; the
 * view is the folded state and its revision. Applying is idempotent (an event at or before
 * the checkpoint, or at or before the key's revision, changes nothing), so the model can be
 * replayed from any point and rebuilt from the log.
 */
export class AuthReadModel {
  private position = 0n;
  /** Events that changed the model so far (snapshots are written when enough did). */
  changes = 0;
  private readonly byAlias = new Map<string, KeyView>();
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
    return alias === undefined ? undefined : this.byAlias.get(alias);
  }

  findByAlias(alias: string): KeyView | undefined {
    return this.byAlias.get(alias);
  }

  /** Newest first. */
  list(): KeyView[] {
    return Array.from(this.byAlias.values()).sort((a, b) => b.createdAt - a.createdAt || (a.alias < b.alias ? -1 : 1));
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
    if (before && revision <= before.revision) return false;
    const state = evolve(before ?? initialState(), event);
    if (state.status === 'absent') return false;
    this.put(alias, toView(state, revision, before?.lastUsedAt), before);
    this.changes++;
    return true;
  }

  /** Empties the model, to rebuild it from the start of the log. */
  reset(): void {
    this.position = 0n;
    this.byAlias.clear();
    this.aliasByHash.clear();
  }

  /** Every key by alias: what a snapshot keeps. */
  entries(): IterableIterator<[string, KeyView]> {
    return this.byAlias.entries();
  }

  /** A model holding these keys at this checkpoint (from a snapshot). */
  static restore(checkpoint: bigint, keys: Iterable<readonly [string, KeyView]>): AuthReadModel {
    const model = new AuthReadModel();
    model.position = checkpoint;
    for (const [alias, view] of keys) model.put(alias, view, undefined);
    return model;
  }

  private put(alias: string, view: KeyView, before: KeyView | undefined): void {
    if (before) for (const hash of keyHashesOf(before)) this.aliasByHash.delete(hash);
    this.byAlias.set(alias, view);
    for (const hash of keyHashesOf(view)) this.aliasByHash.set(hash, alias);
  }
}
