import { ROLES_SUBSET_MESSAGE, isRole, type Role } from './roles';

export const ALIAS_MAX_LENGTH = 128;
export const NAME_MAX_LENGTH = 256;

// C0/C1 control characters, DEL, and Unicode line/paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export class InvalidCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidCommandError';
  }
}

/** Trims and checks an alias; throws InvalidCommandError with a user-facing message. */
export function normalizeAlias(raw: unknown): string {
  if (raw === undefined || raw === null || raw === '') throw new InvalidCommandError('alias is required');
  if (typeof raw !== 'string') throw new InvalidCommandError('alias must be a string');
  const alias = raw.trim();
  if (!alias) throw new InvalidCommandError('alias is required');
  if (alias.length > ALIAS_MAX_LENGTH)
    throw new InvalidCommandError(`alias must be at most ${ALIAS_MAX_LENGTH} characters`);
  if (CONTROL_CHARS.test(alias)) throw new InvalidCommandError('alias must not contain control characters');
  return alias;
}

export function normalizeName(raw: unknown): string {
  if (raw === undefined || raw === null || raw === '') throw new InvalidCommandError('Name is required');
  if (typeof raw !== 'string') throw new InvalidCommandError('name must be a string');
  const name = raw.trim();
  if (!name) throw new InvalidCommandError('Name is required');
  if (name.length > NAME_MAX_LENGTH)
    throw new InvalidCommandError(`name must be at most ${NAME_MAX_LENGTH} characters`);
  if (CONTROL_CHARS.test(name)) throw new InvalidCommandError('name must not contain control characters');
  return name;
}

export function normalizeRoles(raw: unknown): Role[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw) || !raw.every(isRole)) throw new InvalidCommandError(ROLES_SUBSET_MESSAGE);
  if (new Set(raw).size !== raw.length) throw new InvalidCommandError('roles must not contain duplicates');
  return [...raw];
}
