import { apiKeyDecider, KeyNotFoundError, type ApiKeyEvent, type DecideContext } from '../../domain';
import { deciderSpecification } from '../support/deciderSpecification';

const NOW = new Date('2026-11-25T10:00:00.000Z');
const context = (): DecideContext => ({ now: NOW, defaultTtlSeconds: 3600, maxTtlSeconds: 86_400 });
const spec = deciderSpecification(apiKeyDecider, context);

const created: ApiKeyEvent = {
  type: 'ApiKeyCreated',
  data: {
    alias: 'svc',
    name: 'Svc',
    roles: [],
    keyHash: 'hash-1',
    keyPrefix: 'ak_One12',
    sealedKey: 'v1.sealed',
    expire: '2026-11-26T10:00:00.000Z',
    createdAt: '2026-11-25T09:00:00.000Z',
    owner: null,
    meta: null,
  },
};
const rotated: ApiKeyEvent = {
  type: 'ApiKeyRotated',
  data: {
    alias: 'svc',
    keyHash: 'hash-2',
    keyPrefix: 'ak_Two34',
    sealedKey: 'v1.sealed2',
    expire: '2026-11-26T10:00:00.000Z',
    rotatedAt: '2026-11-25T09:30:00.000Z',
    previousKeyValidUntil: '2026-11-25T11:00:00.000Z',
    owner: null,
    meta: null,
  },
};
const report = (keyHash: string, revoke = true) => ({
  type: 'ReportKeyLeak' as const,
  data: { alias: 'svc', keyHash, url: 'https://github.com/o/r/blob/main/.env', source: 'content', revoke },
});
const leakReported = (keyPrefix: string): ApiKeyEvent => ({
  type: 'ApiKeyLeakReported',
  data: {
    alias: 'svc',
    keyPrefix,
    url: 'https://github.com/o/r/blob/main/.env',
    source: 'content',
    reportedAt: NOW.toISOString(),
  },
});
const revoked: ApiKeyEvent = { type: 'ApiKeyRevoked', data: { alias: 'svc', revokedAt: NOW.toISOString() } };

describe('ReportKeyLeak', () => {
  it('reports the leak of the current key and revokes it in the same decision', () => {
    spec
      .given([created])
      .when(report('hash-1'))
      .then([leakReported('ak_One12'), revoked]);
  });

  it('only reports when revocation is off', () => {
    spec
      .given([created])
      .when(report('hash-1', false))
      .then([leakReported('ak_One12')]);
  });

  it('names the rotated-out key when that one leaked while still in grace', () => {
    spec
      .given([created, rotated])
      .when(report('hash-1'))
      .then([leakReported('ak_One12'), revoked]);
  });

  it.each([
    ['an unknown string', [created], 'hash-x'],
    ['a revoked key', [created, revoked], 'hash-1'],
    ['no key at all', [], 'hash-1'],
  ])('is not found for %s', (_what, given, hash) => {
    spec
      .given(given as ApiKeyEvent[])
      .when(report(hash))
      .thenThrows(KeyNotFoundError);
  });

  it('changes nothing by itself: the key stays as it was until the revocation', () => {
    const state = [created, leakReported('ak_One12')].reduce(apiKeyDecider.evolve, apiKeyDecider.initialState());
    expect(state).toEqual([created].reduce(apiKeyDecider.evolve, apiKeyDecider.initialState()));
  });
});
