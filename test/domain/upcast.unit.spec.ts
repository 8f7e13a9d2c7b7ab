import { parseStoredEventType, storedEventType, upcast } from '../../domain';

describe('stored event types', () => {
  it('are versioned and past tense', () => {
    expect(storedEventType('ApiKeyCreated')).toBe('ApiKeyCreated.v1');
    expect(storedEventType('ApiKeyRenewed')).toBe('ApiKeyRenewed.v1');
    expect(storedEventType('ApiKeyRevoked')).toBe('ApiKeyRevoked.v1');
  });

  it('parse back, and foreign or unknown-version events are not key events', () => {
    expect(parseStoredEventType('ApiKeyRevoked.v1')).toEqual({ type: 'ApiKeyRevoked', version: 1 });
    expect(parseStoredEventType('SomethingElse.v1')).toBeUndefined();
    expect(upcast('ApiKeyRevoked.v9', { alias: 'a', revokedAt: 'x' })).toBeUndefined();
    expect(upcast('ApiKeyRevoked.v1', { alias: 'a', revokedAt: 'x' })).toEqual({
      type: 'ApiKeyRevoked',
      data: { alias: 'a', revokedAt: 'x' },
    });
  });
});
