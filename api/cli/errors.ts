import { InvalidCommandError, KeyNotFoundError } from '../../domain';

/** The CLI's exit codes, the same for every command. */
export const EXIT = {
  OK: 0,
  /** The operation was refused (not found, invalid input, bad configuration) or could not complete. */
  REFUSED: 1,
  /** The command line itself is wrong: unknown command or option, missing value, stray argument. */
  USAGE: 2,
} as const;

/** A command line the CLI cannot run; `command` names the command whose help to point at. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A refusal worded for the user; nothing of the internals. */
export class RefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedError';
  }
}

/** By code, not class: node's own TypeError may come from another realm (as under Jest). */
function isParseArgsError(error: unknown): error is { message: string } {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS') && typeof message === 'string';
}

/** The exit code and the one-line message for an error a command threw. */
export function describeFailure(error: unknown): { code: number; message: string } {
  if (error instanceof UsageError) return { code: EXIT.USAGE, message: error.message };
  // parseArgs goes on about positionals that start with '-'; the first sentence says what is wrong.
  if (isParseArgsError(error)) return { code: EXIT.USAGE, message: error.message.split('. To specify')[0]! };
  if (error instanceof KeyNotFoundError) return { code: EXIT.REFUSED, message: 'API key not found' };
  // ConfigError by name: the configuration module (and zod) is loaded only when a store is opened.
  const isConfigError = error instanceof Error && error.name === 'ConfigError';
  if (error instanceof InvalidCommandError || isConfigError || error instanceof RefusedError)
    return { code: EXIT.REFUSED, message: error.message };
  // The store's answer, written for operators: its address (never the credentials) and what it said.
  if (error instanceof Error && ['EventStoreUnavailableError', 'EventStoreAccessDeniedError'].includes(error.name))
    return { code: EXIT.REFUSED, message: error.message };
  const name = error instanceof Error ? error.name : 'unknown';
  return { code: EXIT.REFUSED, message: `${name}: could not complete the command` };
}
