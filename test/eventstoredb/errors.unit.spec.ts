import { Metadata } from '@grpc/grpc-js';
import { DeadlineExceededError, UnknownError } from '@eventstore/db-client';
import { mapError } from '../../infrastructure/eventStore/eventStoreDbErrors';
import {
  EventStoreAccessDeniedError,
  EventStoreUnavailableError,
  WrongExpectedRevisionError,
} from '../../infrastructure/eventStore/port';

const WHERE = 'esdb://node1:2113';

/** A gRPC error as grpc-js raises it. */
function grpcError(code: number, details: string, trailers: Record<string, string> = {}) {
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(trailers)) metadata.set(k, v);
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata });
}

describe('mapping EventStoreDB answers to the port', () => {
  it.each([
    [
      'BatchAppend not ready (Status, Empty details)',
      new UnknownError(undefined, 'Could not recognize Server Is Not Ready'),
    ],
    ['BatchAppend busy', new UnknownError(undefined, 'Could not recognize Server Is Busy')],
    [
      'BatchAppend not leader, no leader info',
      new UnknownError(undefined, 'Could not recognize No leader info available in response'),
    ],
    ['BatchAppend timeout (Timeout details)', new DeadlineExceededError()],
    ['read not ready', grpcError(14, 'Server Is Not Ready')],
    ['read too busy', grpcError(14, 'Server Is Too Busy')],
    ['connection refused', grpcError(14, 'No connection established')],
    ['deadline exceeded', grpcError(4, 'Deadline exceeded')],
    ['operation timed out', grpcError(10, 'Operation timed out: commit timeout')],
    [
      'not leader',
      grpcError(5, 'Leader info available', {
        exception: 'not-leader',
        'leader-endpoint-host': 'node2',
        'leader-endpoint-port': '2113',
      }),
    ],
  ])('%s is transient: EventStoreUnavailableError naming the server and the answer', (_name, error) => {
    const mapped = mapError(error, WHERE);
    expect(mapped).toBeInstanceOf(EventStoreUnavailableError);
    expect(mapped).not.toBeInstanceOf(EventStoreAccessDeniedError);
    expect((mapped as Error).message).toMatch(/^EventStoreDB at esdb:\/\/node1:2113 unavailable: \S/);
  });

  it.each([
    ['access denied', grpcError(7, 'Access Denied', { exception: 'access-denied' })],
    ['wrong password', grpcError(16, 'Bad HTTP status code: 401')],
  ])('%s is a refusal', (_name, error) => {
    const mapped = mapError(error, WHERE);
    expect(mapped).toBeInstanceOf(EventStoreAccessDeniedError);
    expect((mapped as Error).message).toContain('EventStoreDB at esdb://node1:2113 refused access');
  });

  it('names an answer without a message by its kind', () => {
    expect((mapError(new DeadlineExceededError(), WHERE) as Error).message).toBe(
      'EventStoreDB at esdb://node1:2113 unavailable: DeadlineExceededError',
    );
  });

  it('keeps a conflict a conflict, and anything else as it is', () => {
    const conflict = grpcError(9, 'WrongExpectedVersion', {
      exception: 'wrong-expected-version',
      'stream-name': 'apikey-a',
      'expected-version': '1',
      'actual-version': '3',
    });
    expect(mapError(conflict, WHERE, 'apikey-a', 1n)).toMatchObject({
      name: 'WrongExpectedRevisionError',
      streamName: 'apikey-a',
      expected: 1n,
    });
    expect(mapError(conflict, WHERE, 'apikey-a', 1n)).toBeInstanceOf(WrongExpectedRevisionError);
    const other = new UnknownError(undefined, 'Could not recognize something else');
    expect(mapError(other, WHERE)).toBe(other);
    const bug = new TypeError('x is undefined');
    expect(mapError(bug, WHERE)).toBe(bug);
  });
});
