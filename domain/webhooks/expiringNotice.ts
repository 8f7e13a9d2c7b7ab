import type { Decider } from '../decider';
import type { KeyExpiringNoticed } from './events';

/** Notices `key.expiring` for one expiry of an alias's key; a second notice of the same expiry is a no-op. */
export interface NoticeKeyExpiring {
  type: 'NoticeKeyExpiring';
  data: { alias: string; expire: string };
}

/** The expiries (ISO strings) already noticed for the alias. */
export type ExpiringNoticeState = ReadonlySet<string>;

export const expiringNoticeDecider: Decider<NoticeKeyExpiring, KeyExpiringNoticed, ExpiringNoticeState, { now: Date }> =
  {
    decide(command, state, ctx) {
      if (state.has(command.data.expire)) return [];
      return [{ type: 'KeyExpiringNoticed', data: { ...command.data, noticedAt: ctx.now.toISOString() } }];
    },
    evolve: (state, event) => new Set([...state, event.data.expire]),
    initialState: () => new Set(),
  };
