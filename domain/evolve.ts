import type { ApiKeyEvent } from './events';
import type { ApiKeyState } from './state';
import { initialState } from './state';

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
        owner: d.owner,
        meta: d.meta,
        previousKey: null,
      };
    }
    case 'ApiKeyImported': {
      const d = event.data;
      const importedAt = Date.parse(d.importedAt);
      return {
        status: d.active ? 'active' : 'revoked',
        alias: d.alias,
        name: d.name,
        roles: d.roles,
        keyHash: d.keyHash,
        keyPrefix: d.keyPrefix,
        sealedKey: d.sealedKey,
        expire: Date.parse(d.expire),
        createdAt: importedAt,
        updatedAt: importedAt,
        owner: d.owner,
        meta: d.meta,
        previousKey: null,
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
        owner: d.owner,
        meta: d.meta,
      };
    }
    case 'ApiKeyRotated': {
      if (state.status === 'absent') return state;
      const d = event.data;
      const rotatedAt = Date.parse(d.rotatedAt);
      return {
        ...state,
        keyHash: d.keyHash,
        keyPrefix: d.keyPrefix,
        sealedKey: d.sealedKey,
        expire: Date.parse(d.expire),
        updatedAt: rotatedAt,
        owner: d.owner,
        meta: d.meta,
        previousKey: {
          keyHash: state.keyHash,
          keyPrefix: state.keyPrefix,
          validUntil: d.previousKeyValidUntil === null ? rotatedAt : Date.parse(d.previousKeyValidUntil),
        },
      };
    }
    case 'ApiKeyLeakReported':
      // The revocation, if any, is its own event.
      return state;
    case 'ApiKeyRevoked': {
      if (state.status === 'absent') return state;
      const revokedAt = Date.parse(event.data.revokedAt);
      // Both strings stop at once, and a later reactivation does not bring the old one back.
      const previousKey = state.previousKey && {
        ...state.previousKey,
        validUntil: Math.min(state.previousKey.validUntil, revokedAt),
      };
      return { ...state, status: 'revoked', updatedAt: revokedAt, previousKey };
    }
  }
}

export function foldEvents(events: Iterable<ApiKeyEvent>, state: ApiKeyState = initialState()): ApiKeyState {
  let s = state;
  for (const e of events) s = evolve(s, e);
  return s;
}
