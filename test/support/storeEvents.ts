import { v4 as uuid } from 'uuid';
import type { EventMetadata, NewEvent } from '../../infrastructure/eventStore/port';

/** Event metadata as the service writes it, with fresh ids. */
export function testMetadata(): EventMetadata {
  return {
    actor: 'user:test',
    requestId: uuid(),
    correlationId: uuid(),
    causationId: uuid(),
    at: new Date().toISOString(),
  };
}

/** A new event with a fresh id, for adapter tests. */
export function testEvent(type = 'ApiKeyCreated'): NewEvent {
  return { id: uuid(), type, data: { keyId: uuid() }, metadata: testMetadata() };
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: Error) => error,
  );
}
