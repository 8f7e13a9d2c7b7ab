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
const TTL_SECONDS = 15 * 24 * 3600;
const TTL = TTL_SECONDS * 1000;
const candidate = { keyHash: 'hash-1', keyPrefix: 'ak_AbCdE', sealedKey: 'v1.sealed' };

let now = NOW;
const context = (): DecideContext => ({ now, defaultTtlSeconds: TTL_SECONDS, maxTtlSeconds: 365 * 24 * 3600 });
const spec = deciderSpecification(apiKeyDecider, context);

const created: ApiKeyEvent = {
  type: 'ApiKeyCreated',
  data: {
    alias: 'billing',
    name: 'Billing',
    roles: ['user'],
    ...candidate,
    expire: new Date(NOW.getTime() + TTL).toISOString(),
    createdAt: NOW.toISOString(),
    owner: null,
    meta: null,
  },
};
const revoked: ApiKeyEvent = { type: 'ApiKeyRevoked', data: { alias: 'billing', revokedAt: NOW.toISOString() } };
const create = (data: Record<string, unknown>) =>
  ({ type: 'CreateOrRenewKey' as const, data: { candidate, ...data } }) as never;
const revoke = (keyHash = candidate.keyHash) => ({ type: 'RevokeKey' as const, data: { alias: 'billing', keyHash } });

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
            owner: null,
            meta: null,
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
            owner: null,
            meta: null,
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

describe('expiry bounds (ttl_seconds)', () => {
  const expiring = (seconds: number) => new Date(NOW.getTime() + seconds * 1000).toISOString();

  it.each([60, 3600, 365 * 24 * 3600])('creates a key living %i seconds', (ttlSeconds) => {
    spec
      .given([])
      .when(create({ alias: 'billing', name: 'Billing', roles: ['user'], ttlSeconds }))
      .then([{ ...created, data: { ...created.data, expire: expiring(ttlSeconds) } } as ApiKeyEvent]);
  });

  it('a renewal takes its own lifetime', () => {
    spec
      .given([created])
      .when(create({ alias: 'billing', name: 'Billing', roles: ['user'], ttlSeconds: 600 }))
      .then([expect.objectContaining({ data: expect.objectContaining({ expire: expiring(600) }) })]);
  });

  it.each([59, 0, -1, 365 * 24 * 3600 + 1, 1.5, '600', null])('refuses ttlSeconds %p, naming ttl_seconds', (ttl) => {
    spec
      .given([])
      .when(create({ alias: 'billing', name: 'Billing', ttlSeconds: ttl }))
      .thenThrows(InvalidCommandError, 'ttl_seconds must be an integer from 60 to 31536000');
  });
});

describe('owner and meta', () => {
  const withDetails = { alias: 'billing', name: 'Billing', roles: ['user'], owner: ' team-a ', meta: { tier: 'gold' } };
  const createdWithDetails = {
    ...created,
    data: { ...created.data, owner: 'team-a', meta: { tier: 'gold' } },
  } as ApiKeyEvent;
  const renewalOf = (owner: string | null, meta: Record<string, unknown> | null) => [
    expect.objectContaining({ type: 'ApiKeyRenewed', data: expect.objectContaining({ owner, meta }) }),
  ];

  it('are set on create (owner trimmed), null when absent', () => {
    spec.given([]).when(create(withDetails)).then([createdWithDetails]);
    spec
      .given([])
      .when(create({ alias: 'billing', name: 'Billing', roles: ['user'], owner: null, meta: null }))
      .then([created]);
  });

  it('a renewal keeps them when absent', () => {
    spec
      .given([createdWithDetails])
      .when(create({ alias: 'billing', name: 'Billing' }))
      .then(renewalOf('team-a', { tier: 'gold' }));
  });

  it('a renewal clears them with null', () => {
    spec
      .given([createdWithDetails])
      .when(create({ alias: 'billing', name: 'Billing', owner: null, meta: null }))
      .then(renewalOf(null, null));
  });

  it('a renewal replaces them when given', () => {
    spec
      .given([createdWithDetails])
      .when(create({ alias: 'billing', name: 'Billing', owner: 'team-b', meta: { a: 1 } }))
      .then(renewalOf('team-b', { a: 1 }));
  });

  const manyFields = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i]));
  it.each([
    [{ owner: '' }, 'owner is required'],
    [{ owner: 7 }, 'owner must be a string'],
    [{ owner: 'o'.repeat(129) }, 'owner must be at most 128 characters'],
    [{ owner: 'a\u0007' }, 'owner must not contain control characters'],
    [{ meta: [1] }, 'meta must be a JSON object'],
    [{ meta: 'x' }, 'meta must be a JSON object'],
    [{ meta: manyFields }, 'meta must have at most 50 top-level keys'],
    [{ meta: { big: 'x'.repeat(4090) } }, 'meta must be at most 4096 bytes serialized'],
  ])('refuses %j', (details, message) => {
    spec
      .given([])
      .when(create({ alias: 'billing', name: 'Billing', ...details }))
      .thenThrows(InvalidCommandError, message);
  });

  it('accepts meta of exactly 50 keys and 4096 bytes', () => {
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
    const exact = { v: 'x'.repeat(4096 - JSON.stringify({ v: '' }).length) };
    expect(JSON.stringify(exact)).toHaveLength(4096);
    for (const meta of [fifty, exact])
      spec
        .given([])
        .when(create({ alias: 'billing', name: 'Billing', meta }))
        .then([expect.objectContaining({ data: expect.objectContaining({ meta }) })]);
  });
});

describe('RotateKey', () => {
  const next = { keyHash: 'hash-2', keyPrefix: 'ak_ZyXwV', sealedKey: 'v1.sealed-2' };
  const rotate = (data: Record<string, unknown> = {}) =>
    ({ type: 'RotateKey' as const, data: { alias: 'billing', newKey: next, ...data } }) as never;
  const rotated = (previousKeyValidUntil: string | null, extra: Record<string, unknown> = {}): ApiKeyEvent =>
    ({
      type: 'ApiKeyRotated',
      data: {
        alias: 'billing',
        ...next,
        expire: new Date(LATER.getTime() + TTL).toISOString(),
        rotatedAt: LATER.toISOString(),
        previousKeyValidUntil,
        owner: null,
        meta: null,
        ...extra,
      },
    }) as ApiKeyEvent;

  beforeEach(() => {
    now = LATER;
  });

  it('gives the alias the new key, resets validity; no grace: the old string stops at once', () => {
    spec
      .given([created])
      .when(rotate())
      .then([rotated(null)]);
  });

  it('with a grace, the old string works until then', () => {
    spec
      .given([created])
      .when(rotate({ graceSeconds: 3600 }))
      .then([rotated(new Date(LATER.getTime() + 3600_000).toISOString())]);
  });

  it('the grace never outlives the new key', () => {
    spec
      .given([created])
      .when(rotate({ graceSeconds: 7200, ttlSeconds: 600 }))
      .then([
        rotated(new Date(LATER.getTime() + 600_000).toISOString(), {
          expire: new Date(LATER.getTime() + 600_000).toISOString(),
        }),
      ]);
  });

  it('keeps, replaces or clears owner and meta as a renewal does', () => {
    const owned = { ...created, data: { ...created.data, owner: 'team-a', meta: { x: 1 } } } as ApiKeyEvent;
    spec
      .given([owned])
      .when(rotate())
      .then([rotated(null, { owner: 'team-a', meta: { x: 1 } })]);
    spec
      .given([owned])
      .when(rotate({ owner: 'team-b', meta: null }))
      .then([rotated(null, { owner: 'team-b', meta: null })]);
  });

  it('rotates an expired (never revoked) key', () => {
    now = new Date(NOW.getTime() + 20 * DAY);
    spec
      .given([created])
      .when(rotate())
      .then([
        expect.objectContaining({
          type: 'ApiKeyRotated',
          data: expect.objectContaining({ rotatedAt: now.toISOString() }),
        }),
      ]);
  });

  it('an unknown or revoked alias is "not found"', () => {
    spec.given([]).when(rotate()).thenThrows(KeyNotFoundError, 'API key not found');
    spec.given([created, revoked]).when(rotate()).thenThrows(KeyNotFoundError);
  });

  it.each([-1, 604_801, 2.5])('refuses grace %p', (graceSeconds) => {
    spec
      .given([created])
      .when(rotate({ graceSeconds }))
      .thenThrows(InvalidCommandError, 'grace_seconds must be an integer from 0 to 604800');
  });

  describe('afterwards', () => {
    const rotatedWithGrace = rotated(new Date(LATER.getTime() + 3600_000).toISOString());

    it('the old string is valid in grace, then rotated; the new one is active', () => {
      const state = foldEvents([created, rotatedWithGrace]);
      if (state.status === 'absent') throw new Error('unreachable');
      expect(state.keyHash).toBe('hash-2');
      expect(statusAt(state, LATER.getTime())).toBe('active');
      expect(statusAt(state, LATER.getTime() + 3599_999, 'previous')).toBe('active');
      expect(statusAt(state, LATER.getTime() + 3600_000, 'previous')).toBe('rotated');
      expect(statusAt(foldEvents([created, rotated(null)]) as never, LATER.getTime(), 'previous')).toBe('rotated');
    });

    it('revoking by the old string in grace, by the new one, or by alias revokes both', () => {
      for (const command of [
        revoke('hash-1'),
        revoke('hash-2'),
        { type: 'RevokeKey' as const, data: { alias: 'billing' } },
      ])
        spec
          .given([created, rotatedWithGrace])
          .when(command)
          .then([{ type: 'ApiKeyRevoked', data: { alias: 'billing', revokedAt: LATER.toISOString() } }]);
      const revokedAt = { type: 'ApiKeyRevoked', data: { alias: 'billing', revokedAt: LATER.toISOString() } } as const;
      const state = foldEvents([created, rotatedWithGrace, revokedAt]);
      expect(statusAt(state as never, LATER.getTime())).toBe('revoked');
      expect(statusAt(state as never, LATER.getTime(), 'previous')).toBe('revoked');
    });

    it('a renewal after revoking does not bring the old string back', () => {
      const revokedAt = { type: 'ApiKeyRevoked', data: { alias: 'billing', revokedAt: LATER.toISOString() } } as const;
      const renewal = apiKeyDecider.decide(
        create({ alias: 'billing', name: 'Billing' }),
        foldEvents([created, rotatedWithGrace, revokedAt]),
        context(),
      );
      const state = foldEvents([created, rotatedWithGrace, revokedAt, ...renewal]);
      expect(statusAt(state as never, LATER.getTime())).toBe('active');
      expect(statusAt(state as never, LATER.getTime(), 'previous')).toBe('rotated');
    });

    it('revoking by the old string after its grace is "not found"', () => {
      now = new Date(LATER.getTime() + 3600_000);
      spec.given([created, rotatedWithGrace]).when(revoke('hash-1')).thenThrows(KeyNotFoundError);
    });
  });
});

describe('RevokeKey', () => {
  const byAlias = { type: 'RevokeKey' as const, data: { alias: 'billing' } };

  it('revokes the active key of the stream', () => {
    spec.given([created]).when(revoke()).then([revoked]);
  });

  it('revokes by alias', () => {
    spec.given([created]).when(byAlias).then([revoked]);
  });

  it('revokes an expired key that was never revoked (it is still active, as in the seed)', () => {
    now = new Date(NOW.getTime() + 20 * DAY);
    spec
      .given([created])
      .when(byAlias)
      .then([{ type: 'ApiKeyRevoked', data: { alias: 'billing', revokedAt: now.toISOString() } }]);
  });

  it('revoking twice, by key or by alias, is "not found"', () => {
    spec.given([created, revoked]).when(revoke()).thenThrows(KeyNotFoundError, 'API key not found');
    spec.given([created, revoked]).when(byAlias).thenThrows(KeyNotFoundError, 'API key not found');
  });

  it('revoking an unknown alias is "not found"', () => {
    spec.given([]).when(revoke()).thenThrows(KeyNotFoundError);
    spec.given([]).when(byAlias).thenThrows(KeyNotFoundError);
  });

  it('revoking with another key digest is "not found"', () => {
    spec.given([created]).when(revoke('other-hash')).thenThrows(KeyNotFoundError);
  });
});

describe('ImportKey', () => {
  const item = {
    alias: 'legacy',
    name: 'Legacy',
    roles: ['user'],
    keyHash: 'hash-legacy',
    keyPrefix: null,
    sealedKey: null,
  };
  const importKey = (data: Record<string, unknown> = {}) =>
    ({ type: 'ImportKey' as const, data: { ...item, ...data } }) as never;
  const imported = (data: Record<string, unknown> = {}): ApiKeyEvent =>
    ({
      type: 'ApiKeyImported',
      data: {
        ...item,
        expire: new Date(NOW.getTime() + TTL).toISOString(),
        active: true,
        importedAt: NOW.toISOString(),
        owner: null,
        meta: null,
        ...data,
      },
    }) as ApiKeyEvent;

  it('imports a key by digest, valid for the default lifetime', () => {
    spec.given([]).when(importKey()).then([imported()]);
  });

  it('keeps the given expiry, activity, owner and meta', () => {
    const expire = Date.parse('2020-01-01T00:00:00Z');
    spec
      .given([])
      .when(importKey({ expire, isActive: false, owner: 'ops', meta: { from: 'seed' } }))
      .then([imported({ expire: '2020-01-01T00:00:00.000Z', active: false, owner: 'ops', meta: { from: 'seed' } })]);
    const state = foldEvents([imported({ active: false })]);
    expect(state).toMatchObject({ status: 'revoked', keyPrefix: null, sealedKey: null });
  });

  it('the same key again is skipped (no event): a re-run is harmless', () => {
    spec.given([imported()]).when(importKey()).then([]);
  });

  it('another key for an existing alias is refused, never overwritten', () => {
    spec
      .given([imported()])
      .when(importKey({ keyHash: 'another' }))
      .thenThrows(InvalidCommandError, 'alias exists with another key');
  });

  it('validates like a create', () => {
    spec
      .given([])
      .when(importKey({ roles: ['root'] }))
      .thenThrows(InvalidCommandError, ROLES_SUBSET_MESSAGE);
    spec
      .given([])
      .when(importKey({ owner: '' }))
      .thenThrows(InvalidCommandError, 'owner is required');
  });

  it('a renewal of a key imported by digest keeps no sealed copy to hand back', () => {
    const state = foldEvents([imported()]);
    expect(state).toMatchObject({ status: 'active', sealedKey: null });
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
        owner: 'o',
        meta: null,
      },
    };
    const state = foldEvents([created, revoked, renewed]);
    expect(state).toMatchObject({ status: 'active', name: 'B2', roles: ['admin'], keyHash: 'hash-1', owner: 'o' });
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
