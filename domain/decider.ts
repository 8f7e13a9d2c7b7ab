import type { ApiKeyCommand, CreateOrRenewKey, DecideContext, RevokeKey } from './commands';
import type { ApiKeyEvent } from './events';
import type { ApiKeyState } from './state';
import { initialState } from './state';
import { InvalidCommandError, normalizeAlias, normalizeName, normalizeRoles } from './validation';

export class KeyNotFoundError extends Error {
  constructor() {
    super('API key not found');
    this.name = 'KeyNotFoundError';
  }
}

export interface Decider<Command, Event, State, Context> {
  decide(command: Command, state: State, context: Context): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

function createOrRenew(command: CreateOrRenewKey, state: ApiKeyState, ctx: DecideContext): ApiKeyEvent[] {
  const alias = normalizeAlias(command.data.alias);
  const name = normalizeName(command.data.name);
  const roles = normalizeRoles(command.data.roles);
  if (!(ctx.ttlMs > 0)) throw new InvalidCommandError('ttl must be positive');
  const at = ctx.now.toISOString();
  const expire = new Date(ctx.now.getTime() + ctx.ttlMs).toISOString();

  if (state.status === 'absent') {
    const issued = ctx.issueKey();
    return [{ type: 'ApiKeyCreated', data: { alias, name, roles, ...issued, expire, createdAt: at } }];
  }
  if (state.alias !== alias) throw new InvalidCommandError('alias does not match the stream');
  return [
    {
      type: 'ApiKeyRenewed',
      data: { alias, name, roles, expire, renewedAt: at, reactivated: state.status === 'revoked' },
    },
  ];
}

function revoke(command: RevokeKey, state: ApiKeyState, ctx: DecideContext): ApiKeyEvent[] {
  // Revoking needs an active key (expired-but-not-revoked counts as active, as in the seed);
  // a second revoke, or a key that is not this stream's, is "not found".
  if (state.status !== 'active' || state.keyHash !== command.data.keyHash) throw new KeyNotFoundError();
  return [{ type: 'ApiKeyRevoked', data: { alias: state.alias, revokedAt: ctx.now.toISOString() } }];
}

export function decide(command: ApiKeyCommand, state: ApiKeyState, ctx: DecideContext): ApiKeyEvent[] {
  switch (command.type) {
    case 'CreateOrRenewKey':
      return createOrRenew(command, state, ctx);
    case 'RevokeKey':
      return revoke(command, state, ctx);
  }
}

export function evolve(state: ApiKeyState, event: ApiKeyEvent): ApiKeyState {
  switch (event.type) {
    case 'ApiKeyCreated': {
      const d = event.data;
      const createdAt = Date.parse(d.createdAt);
      return {
        status: 'active',
        alias: d.alias,
        name: d.name,
        roles: d.roles,
        keyHash: d.keyHash,
        keyPrefix: d.keyPrefix,
        sealedKey: d.sealedKey,
        expire: Date.parse(d.expire),
        createdAt,
        updatedAt: createdAt,
      };
    }
    case 'ApiKeyRenewed': {
      if (state.status === 'absent') return state;
      const d = event.data;
      return {
        ...state,
        status: 'active',
        name: d.name,
        roles: d.roles,
        expire: Date.parse(d.expire),
        updatedAt: Date.parse(d.renewedAt),
      };
    }
    case 'ApiKeyRevoked':
      if (state.status === 'absent') return state;
      return { ...state, status: 'revoked', updatedAt: Date.parse(event.data.revokedAt) };
  }
}

export const apiKeyDecider: Decider<ApiKeyCommand, ApiKeyEvent, ApiKeyState, DecideContext> = {
  decide,
  evolve,
  initialState,
};

export function foldEvents(events: Iterable<ApiKeyEvent>, state: ApiKeyState = initialState()): ApiKeyState {
  let s = state;
  for (const e of events) s = evolve(s, e);
  return s;
}
