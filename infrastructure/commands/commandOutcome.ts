import { InvalidCommandError, KeyNotFoundError } from '../../domain';
import { EventStoreUnavailableError, WrongExpectedRevisionError } from '../eventStore/port';

/** Hears the outcome of every command where it is handled (HTTP, CLI and workers alike). */
export type CommandOutcomeListener = (commandType: string, outcome: string) => void;

const BY_EVENT: Record<string, string> = {
  ApiKeyCreated: 'created',
  ApiKeyRenewed: 'renewed',
  ApiKeyRotated: 'rotated',
  ApiKeyRevoked: 'revoked',
  ApiKeyImported: 'imported',
  ApiKeyLeakReported: 'leak_reported',
};

/** What a handled command came to: named by its first event, or by why it was refused. */
export function commandOutcome(result: { newEvents: ReadonlyArray<{ type: string }> } | { error: unknown }): string {
  if ('newEvents' in result) {
    const first = result.newEvents[0];
    return first ? (BY_EVENT[first.type] ?? 'accepted') : 'unchanged';
  }
  const { error } = result;
  if (error instanceof KeyNotFoundError) return 'not_found';
  if (error instanceof InvalidCommandError) return 'rejected';
  if (error instanceof EventStoreUnavailableError) return 'unavailable';
  if (error instanceof WrongExpectedRevisionError) return 'conflict';
  return 'error';
}
