import { upcast } from '../domain';
import type { RecordedEvent } from '../infrastructure/eventStore/port';
import type { KeyView } from './keyView';

export { KEY_STREAM_PREFIX } from '../infrastructure/apiKeyCodec';

/**
 * The authentication read model: key hash -> key, and alias -> key, in memory.
 * Applying is idempotent (an event at or before the checkpoint, or at or before the
 * key's revision, changes nothing), so it can be replayed from any point.
 */
export class AuthReadModel {
  private readonly byHash = new Map<string, KeyView>();
  private readonly byAlias = new Map<string, KeyView>();
  private position = 0n;

  get checkpoint(): bigint {
    return this.position;
  }

  get size(): number {
    return this.byAlias.size;
  }

  findByHash(keyHash: string): KeyView | undefined {
    return this.byHash.get(keyHash);
  }

  findByAlias(alias: string): KeyView | undefined {
    return this.byAlias.get(alias);
  }

  /** Newest first. */
  list(): KeyView[] {
    return [...this.byAlias.values()].sort((a, b) => b.createdAt - a.createdAt || (a.alias < b.alias ? -1 : 1));
  }

  /** Returns true when the event changed the model. */
  apply(recorded: RecordedEvent): boolean {
    if (recorded.position <= this.position) return false;
    this.position = recorded.position;
    const event = upcast(recorded.type, recorded.data);
    if (!event) return false;
    const revision = Number(recorded.revision);
    const current = this.byAlias.get(event.data.alias);
    if (current && revision <= current.revision) return false;

    switch (event.type) {
      case 'ApiKeyCreated': {
        const d = event.data;
        const createdAt = Date.parse(d.createdAt);
        const view: KeyView = {
          alias: d.alias,
          name: d.name,
          roles: d.roles,
          active: true,
          expire: Date.parse(d.expire),
          createdAt,
          updatedAt: createdAt,
          keyHash: d.keyHash,
          keyPrefix: d.keyPrefix,
          revision,
        };
        this.byAlias.set(view.alias, view);
        this.byHash.set(view.keyHash, view);
        return true;
      }
      case 'ApiKeyRenewed': {
        if (!current) return false;
        const d = event.data;
        current.name = d.name;
        current.roles = d.roles;
        current.expire = Date.parse(d.expire);
        current.active = true;
        current.updatedAt = Date.parse(d.renewedAt);
        current.revision = revision;
        return true;
      }
      case 'ApiKeyRevoked': {
        if (!current) return false;
        current.active = false;
        current.updatedAt = Date.parse(event.data.revokedAt);
        current.revision = revision;
        return true;
      }
    }
  }

  /** Records a successful verification; kept in memory only, never as an event. */
  touch(view: KeyView, nowMs: number): void {
    view.lastUsedAt = nowMs;
  }
}
