import type { KeyState } from '../../domain';
import { statusAt } from '../../domain';
import type { CreateOrRenewOutcome, RotateOutcome } from '../../infrastructure/commands/keyCommands';
import type { KeyView } from '../../projections/readModel/authReadModel';
import { isoText as iso } from '../plugin/verifyAnswer';

function presentIssued(key: string | null, s: KeyState) {
  return {
    key,
    alias: s.alias,
    name: s.name,
    roles: s.roles,
    is_active: s.status === 'active',
    expire: iso(s.expire),
    created_at: iso(s.createdAt),
    updated_at: iso(s.updatedAt),
    owner: s.owner,
    meta: s.meta,
  };
}

/** The create/renew answer: with the rotate answer, the only answers that ever carry a key. */
export function presentCreated(outcome: CreateOrRenewOutcome) {
  return { ...presentIssued(outcome.key, outcome.state), renewed: outcome.renewed };
}

export function presentRotated(outcome: RotateOutcome) {
  const until = outcome.previousKeyValidUntil;
  return {
    ...presentIssued(outcome.key, outcome.state),
    key: outcome.key,
    renewed: true,
    rotated: true as const,
    previous_key_valid_until: until === null ? null : iso(until),
  };
}

/** A key without its secret, with its status at `nowMs`: the list, `GET /api/apikey/:alias` and its `as_of` answer. */
export function presentSummary(view: KeyView, nowMs: number) {
  return {
    alias: view.alias,
    name: view.name,
    roles: view.roles,
    is_active: view.status === 'active',
    status: statusAt(view, nowMs),
    expire: iso(view.expire),
    key_prefix: view.keyPrefix,
    owner: view.owner,
    meta: view.meta,
    created_at: iso(view.createdAt),
    updated_at: iso(view.updatedAt),
    last_used_at: view.lastUsedAt === undefined ? null : iso(view.lastUsedAt),
  };
}

/** The verification answer, shared by POST /api/apikey/verify and the Fastify plugin's local mode. */
export { toVerifyAnswer as presentVerification } from '../plugin/verifyAnswer';
