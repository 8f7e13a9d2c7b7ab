import { statusAt } from '../../domain';
import type { AuthReadModel, KeyView } from '../readModel/authReadModel';

/**
 * Keys not revoked, not yet expired at `nowMs`, whose expiry falls within `withinMs`
 * after it; soonest first. From the read model: "now" questions need no history.
 */
export function expiringKeys(readModel: AuthReadModel, nowMs: number, withinMs: number): KeyView[] {
  return readModel
    .list()
    .filter((v) => statusAt(v, nowMs) === 'active' && v.expire <= nowMs + withinMs)
    .sort((a, b) => a.expire - b.expire || (a.alias < b.alias ? -1 : 1));
}
