import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { foldEvents, parseStoredEventType, storedEventType, upcast, type ApiKeyEvent } from '../../domain';

interface FixtureEvent {
  streamName: string;
  type: string;
  data: Record<string, unknown>;
}
const fixture = JSON.parse(readFileSync(join(__dirname, '../fixtures/v1-log.json'), 'utf8')) as {
  events: FixtureEvent[];
};

describe('stored event types', () => {
  it('are versioned and past tense', () => {
    expect(storedEventType('ApiKeyCreated')).toBe('ApiKeyCreated.v2');
    expect(storedEventType('ApiKeyRenewed')).toBe('ApiKeyRenewed.v2');
    expect(storedEventType('ApiKeyRotated')).toBe('ApiKeyRotated.v1');
    expect(storedEventType('ApiKeyImported')).toBe('ApiKeyImported.v1');
    expect(storedEventType('ApiKeyRevoked')).toBe('ApiKeyRevoked.v1');
  });

  it('parse back, and foreign or unknown-version events are not key events', () => {
    expect(parseStoredEventType('ApiKeyRevoked.v1')).toEqual({ type: 'ApiKeyRevoked', version: 1 });
    expect(parseStoredEventType('SomethingElse.v1')).toBeUndefined();
    expect(upcast('ApiKeyRevoked.v9', { alias: 'a', revokedAt: 'x' })).toBeUndefined();
    expect(upcast('ApiKeyCreated.v3', { alias: 'a' })).toBeUndefined();
    expect(upcast('ApiKeyCreated.v0', { alias: 'a' })).toBeUndefined();
    expect(upcast('ApiKeyRevoked.v1', { alias: 'a', revokedAt: 'x' })).toEqual({
      type: 'ApiKeyRevoked',
      data: { alias: 'a', revokedAt: 'x' },
    });
  });
});

describe('upcasting v1 events', () => {
  it('created and renewed v1 gain owner and meta, null (keys had none)', () => {
    const created = fixture.events.find((e) => e.type === 'ApiKeyCreated.v1')!;
    expect(upcast(created.type, created.data)).toEqual({
      type: 'ApiKeyCreated',
      data: { ...created.data, owner: null, meta: null },
    });
    const renewed = fixture.events.find((e) => e.type === 'ApiKeyRenewed.v1')!;
    expect(upcast(renewed.type, renewed.data)?.data).toMatchObject({ owner: null, meta: null, reactivated: false });
  });

  it('the committed v1 log folds into the current state', () => {
    const of = (alias: string) =>
      foldEvents(
        fixture.events
          .filter((e) => e.streamName === `apikey-${alias}`)
          .map((e) => upcast(e.type, e.data))
          .filter((e): e is ApiKeyEvent => e !== undefined),
      );
    expect(of('billing')).toMatchObject({
      status: 'active',
      name: 'Billing',
      roles: ['user', 'agent'],
      owner: null,
      meta: null,
      previousKey: null,
      expire: Date.parse('2026-01-20T10:00:00.000Z'),
    });
    expect(of('old-agent')).toMatchObject({ status: 'revoked' });
    expect(of('ops-admin')).toMatchObject({ status: 'active', roles: ['admin'] });
  });
});
