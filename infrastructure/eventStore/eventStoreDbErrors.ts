/**
 * Maps what an EventStoreDB server (through client 6.x) answers to the port's errors.
 *
 * Transient answers, to be retried (the same ids and expected revision are deduplicated):
 *  - UNAVAILABLE: no connection, or a read/subscription on a node that is "Server Is Not Ready"
 *    / "Server Is Too Busy" (KurrentDB RpcExceptions.ServerNotReady / ServerBusy);
 *  - DEADLINE_EXCEEDED, ABORTED ("Operation timed out"), CANCELLED by the server;
 *  - NotLeaderError (NOT_FOUND with the `not-leader` exception and the leader's address);
 *  - a BatchAppend per-request Status whose details are `Empty` (NotHandled: "Server Is Not
 *    Ready", "Server Is Busy", "No leader info available in response"), which the client
 *    surfaces as UnknownError("Could not recognize <message>"); or whose details are `Timeout`
 *    (DeadlineExceededError).
 * Access denied (PERMISSION_DENIED `access-denied`, UNAUTHENTICATED, BatchAppend `AccessDenied`
 * details) becomes EventStoreAccessDeniedError.
 */
import {
  AccessDeniedError,
  CancelledError,
  DeadlineExceededError,
  NotLeaderError,
  TimeoutError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
  convertToCommandError,
} from '@eventstore/db-client';
import {
  EventStoreAccessDeniedError,
  EventStoreUnavailableError,
  WrongExpectedRevisionError,
  type ExpectedRevision,
} from './port';

/** gRPC status codes (numbers, so as not to depend on @grpc/grpc-js directly). */
const GRPC = { CANCELLED: 1, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, PERMISSION_DENIED: 7, ABORTED: 10, UNAVAILABLE: 14 };
const GRPC_TRANSIENT_CODES = new Set([GRPC.CANCELLED, GRPC.DEADLINE_EXCEEDED, GRPC.ABORTED, GRPC.UNAVAILABLE]);
const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);
/** Messages of the server's "not now" answers (NotHandled reasons), whatever envelope carries them. */
const TRANSIENT_MESSAGE = /server is not ready|server is (too )?busy|no leader info|not leader|leader info available/i;

function codeOf(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function isTransient(error: unknown): boolean {
  if (
    error instanceof UnavailableError ||
    error instanceof DeadlineExceededError ||
    error instanceof NotLeaderError ||
    error instanceof CancelledError ||
    error instanceof TimeoutError
  ) {
    return true;
  }
  if (error instanceof UnknownError && TRANSIENT_MESSAGE.test(messageOf(error))) return true;
  const code = codeOf(error);
  if (typeof code === 'number') {
    if (GRPC_TRANSIENT_CODES.has(code)) return true;
    return code === GRPC.NOT_FOUND && TRANSIENT_MESSAGE.test(messageOf(error));
  }
  return typeof code === 'string' && SOCKET_ERRORS.has(code);
}

export function isAccessDenied(error: unknown): boolean {
  if (error instanceof AccessDeniedError) return true;
  const code = codeOf(error);
  return code === GRPC.PERMISSION_DENIED || code === 16; /* UNAUTHENTICATED */
}

/** A short, secret-free description of the server's answer, for logs and start-up errors. */
export function describeCause(error: unknown): string {
  const text = messageOf(error).replace(/^Could not recognize /, '');
  // The client prefixes gRPC messages with "<code> <NAME>: "; keep what the server said.
  return text.replace(/^\d+ [A-Z_]+: /, '').slice(0, 200) || (error as object)?.constructor?.name || 'unknown error';
}

/**
 * Maps client errors to the port's errors; anything else is rethrown as-is.
 * `where` names the server (address without credentials) in the messages of the port errors.
 */
export function mapError(error: unknown, where: string, streamName?: string, expected?: ExpectedRevision): unknown {
  if (error instanceof EventStoreUnavailableError || error instanceof WrongExpectedRevisionError) return error;
  const converted = error instanceof Error ? convertToCommandError(error) : error;
  if (converted instanceof WrongExpectedVersionError) {
    const actual = typeof converted.actualVersion === 'bigint' ? converted.actualVersion : 'no_stream';
    return new WrongExpectedRevisionError(streamName ?? converted.streamName, expected ?? 'any', actual);
  }
  if (isAccessDenied(converted)) {
    return new EventStoreAccessDeniedError(
      converted,
      `EventStoreDB at ${where} refused access (${describeCause(converted)}): check the user, password and ACLs`,
    );
  }
  if (isTransient(converted)) {
    return new EventStoreUnavailableError(
      converted,
      `EventStoreDB at ${where} unavailable: ${describeCause(converted)}`,
    );
  }
  return converted;
}
