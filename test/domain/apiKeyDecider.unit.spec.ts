import {
  apiKeyDecider,
  InvalidCommandError,
  KeyNotFoundError,
  ROLES_SUBSET_MESSAGE,
  type ApiKeyEvent,
  type DecideContext,
} from '../../domain';
import { foldEvents, statusAt } from '../../domain';
import { deciderSpecification } from '../support/deciderSpecification';

const NOW = new Date('2026-11-25T10:00:00.000Z');
const LATER = new Date('2026-11-30T12:00:00.000Z');
const DAY = 24 * 3600 * 1000;
const TTL = 15 * DAY;
const issued = { keyHash: 'hash-1', keyPrefix: 'ak_AbCdE', sealedKey: 'v1.sealed' };

let now = NOW;
const context = (): DecideContext => ({ now, ttlMs: TTL, issueKey: () => ({ ...issued }) });
const spec = deciderSpecification(apiKeyDecider, context);

const created: ApiKeyEvent = {
  type: 'ApiKeyCreated',
  data: {
    alias: 'billing',
    name: 'Billing',
    roles: ['user'],
    ...issued,
    expire: new Date(NOW.getTime() + TTL).toISOString(),
    createdAt: NOW.toISOString(),
  },
};
const revoked: ApiKeyEvent = { type: 'ApiKeyRevoked', data: { alias: 'billing', revokedAt: NOW.toISOString() } };
const create = (data: Record<string, unknown>) => ({ type: 'CreateOrRenewKey' as const, data: data as never });
const revoke = (keyHash = issued.keyHash) => ({ type: 'RevokeKey' as const, data: { alias: 'billing', keyHash } });

beforeEach(() => {
  now = NOW;
});

describe('CreateOrRenewKey', () => {
  it('creates a key for a new alias, valid for the TTL from now, with the issued digest and no plaintext', () => {
    spec
      .given([])
      .when(create({ alias: 'billing', name: 'Billing', roles: ['user'] }))
      .then([created]);
  });

  it('trims the alias and the name', () => {
    spec
      .given([])
      .when(create({ alias: '  billing ', name: ' Billing ', roles: ['user'] }))
      .then([created]);
  });

  it('defaults roles to none', () => {
    spec
      .given([])
      .when(create({ alias: 'billing', name: 'Billing' }))
      .then([{ ...created, data: { ...created.data, roles: [] } } as ApiKeyEvent]);
  });

  it('renews an existing alias: validity reset from now, name and roles replaced, no new key', () => {
    now = LATER;
    spec
      .given([created])
      .when(create({ alias: 'billing', name: 'Billing v2', roles: ['admin', 'agent'] }))
      .then([
        {
          type: 'ApiKeyRenewed',
          data: {
            alias: 'billing',
            name: 'Billing v2',
            roles: ['admin', 'agent'],
            expire: new Date(LATER.getTime() + TTL).toISOString(),
            renewedAt: LATER.toISOString(),
            reactivated: false,
          },
        },
      ]);
  });

  it('renewing a revoked key reactivates it', () => {
    spec
      .given([created, revoked])
      .when(create({ alias: 'billing', name: 'Billing', roles: ['user'] }))
      .then([
        {
          type: 'ApiKeyRenewed',
          data: {
            alias: 'billing',
            name: 'Billing',
            roles: ['user'],
            expire: new Date(NOW.getTime() + TTL).toISOString(),
            renewedAt: NOW.toISOString(),
            reactivated: true,
          },
        },
      ]);
  });

  it.each([
    [{ name: 'n' }, 'alias is required'],
    [{ alias: '', name: 'n' }, 'alias is required'],
    [{ alias: '   ', name: 'n' }, 'alias is required'],
    [{ alias: 42, name: 'n' }, 'alias must be a string'],
    [{ alias: 'a'.repeat(129), name: 'n' }, 'alias must be at most 128 characters'],
    [{ alias: 'a\nb', name: 'n' }, 'alias must not contain control characters'],
    [{ alias: 'a' }, 'Name is required'],
    [{ alias: 'a', name: '' }, 'Name is required'],
    [{ alias: 'a', name: ['x'] }, 'name must be a string'],
    [{ alias: 'a', name: 'n'.repeat(257) }, 'name must be at most 256 characters'],
    [{ alias: 'a', name: 'n\u0000' }, 'name must not contain control characters'],
    [{ alias: 'a', name: 'n', roles: ['root'] }, ROLES_SUBSET_MESSAGE],
    [{ alias: 'a', name: 'n', roles: 'admin' }, ROLES_SUBSET_MESSAGE],
    [{ alias: 'a', name: 'n', roles: null }, ROLES_SUBSET_MESSAGE],
    [{ alias: 'a', name: 'n', roles: ['user', 'user'] }, 'roles must not contain duplicates'],
  ])('refuses %j: %s', (data, message) => {
    spec.given([]).when(create(data)).thenThrows(InvalidCommandError, message);
  });

  it('words the roles error as the seed does', () => {
    expect(ROLES_SUBSET_MESSAGE).toBe("roles must be a subset of ['admin', 'agent', 'creator', 'user']");
  });
});

describe('RevokeKey', () => {
  it('revokes the active key of the stream', () => {
    spec.given([created]).when(revoke()).then([revoked]);
  });

  it('revokes an expired key that was never revoked (it is still active, as in the seed)', () => {
    now = new Date(NOW.getTime() + 20 * DAY);
    spec
      .given([created])
      .when(revoke())
      .then([{ type: 'ApiKeyRevoked', data: { alias: 'billing', revokedAt: now.toISOString() } }]);
  });

  it('revoking twice is "not found"', () => {
    spec.given([created, revoked]).when(revoke()).thenThrows(KeyNotFoundError, 'API key not found');
  });

  it('revoking an unknown alias is "not found"', () => {
    spec.given([]).when(revoke()).thenThrows(KeyNotFoundError);
  });

  it('revoking with another key digest is "not found"', () => {
    spec.given([created]).when(revoke('other-hash')).thenThrows(KeyNotFoundError);
  });
});

describe('evolve', () => {
  it('folds create, revoke and renew into the current state', () => {
    const renewed: ApiKeyEvent = {
      type: 'ApiKeyRenewed',
      data: {
        alias: 'billing',
        name: 'B2',
        roles: ['admin'],
        expire: LATER.toISOString(),
        renewedAt: LATER.toISOString(),
        reactivated: true,
      },
    };
    const state = foldEvents([created, revoked, renewed]);
    expect(state).toMatchObject({ status: 'active', name: 'B2', roles: ['admin'], keyHash: 'hash-1' });
    if (state.status === 'absent') throw new Error('unreachable');
    expect(state.expire).toBe(LATER.getTime());
    expect(state.createdAt).toBe(NOW.getTime());
    expect(statusAt(state, LATER.getTime())).toBe('expired');
    expect(statusAt(state, LATER.getTime() - 1)).toBe('active');
    expect(foldEvents([created, revoked])).toMatchObject({ status: 'revoked' });
  });

  it('decide is pure: same inputs, same events, no clock of its own', () => {
    const state = foldEvents([created]);
    const command = create({ alias: 'billing', name: 'x' });
    expect(apiKeyDecider.decide(command, state, context())).toEqual(apiKeyDecider.decide(command, state, context()));
  });
});
