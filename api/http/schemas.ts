import { z } from 'zod';
import {
  ALIAS_MAX_LENGTH,
  ALLOWED_ROLES,
  InvalidCommandError,
  NAME_MAX_LENGTH,
  ROLES_SUBSET_MESSAGE,
  normalizeAlias,
  normalizeName,
  normalizeRoles,
} from '../../domain';

/** Runs a domain normalizer as a zod transform, so the rule lives once, in the domain. */
function domainRule<T>(normalize: (raw: unknown) => T) {
  return (value: unknown, ctx: z.RefinementCtx): T => {
    try {
      return normalize(value);
    } catch (error) {
      if (!(error instanceof InvalidCommandError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
      return z.NEVER;
    }
  };
}

/**
 * A cheap bound on raw input before normalizing: a code point is up to 2 UTF-16 units and an
 * NFD spelling can be up to 3 code points per NFC one; the domain rule counts exactly.
 */
export const rawTextBound = (maxLength: number) => maxLength * 4 + 64;

const requiredString = (field: string, requiredMessage: string) =>
  z.string({
    error: (issue) =>
      issue.input === undefined || issue.input === null ? requiredMessage : `${field} must be a string`,
  });

export const roleSchema = z.enum(ALLOWED_ROLES, { error: ROLES_SUBSET_MESSAGE });

export const createKeyBody = z.object({
  alias: requiredString('alias', 'alias is required')
    .max(rawTextBound(ALIAS_MAX_LENGTH), `alias must be at most ${ALIAS_MAX_LENGTH} characters`)
    .transform(domainRule(normalizeAlias))
    .meta({
      description: `Unique handle of the key: trimmed, NFC-normalized, 1-${ALIAS_MAX_LENGTH} characters (code points); no control or invisible formatting characters.`,
      example: 'billing-service',
    }),
  name: requiredString('name', 'Name is required')
    .max(rawTextBound(NAME_MAX_LENGTH), `name must be at most ${NAME_MAX_LENGTH} characters`)
    .transform(domainRule(normalizeName))
    .meta({ description: `Human-readable name; 1-${NAME_MAX_LENGTH} characters.`, example: 'Billing service' }),
  roles: z
    .array(roleSchema, { error: ROLES_SUBSET_MESSAGE })
    .optional()
    .transform(domainRule(normalizeRoles))
    .meta({ description: 'Subset of admin, agent, creator, user; no duplicates. Default: none.', example: ['user'] }),
});

export const errorResponse = z.object({ error: z.string() }).meta({ id: 'Error' });
export const messageResponse = z.object({ message: z.string() });

const isoTime = z.string().meta({ description: 'ISO-8601 UTC', example: '2026-12-10T10:00:00.000Z' });

export const createdKeyResponse = z
  .object({
    key: z.string().meta({ description: 'The API key. Shown on create and renew only; store it now.' }),
    alias: z.string(),
    name: z.string(),
    roles: z.array(roleSchema),
    is_active: z.boolean(),
    expire: isoTime,
    created_at: isoTime,
    updated_at: isoTime,
    renewed: z.boolean().meta({ description: 'false on create (201), true on renewal (200)' }),
  })
  .meta({ id: 'CreatedKey' });

export const keySummary = z
  .object({
    alias: z.string(),
    name: z.string(),
    roles: z.array(roleSchema),
    is_active: z.boolean(),
    status: z.enum(['active', 'expired', 'revoked']),
    expire: isoTime,
    key_prefix: z.string().meta({ description: 'First characters of the key, for recognition; not a secret.' }),
    created_at: isoTime,
    updated_at: isoTime,
    last_used_at: isoTime.nullable().meta({ description: 'Last successful verification seen by this instance' }),
  })
  .meta({ id: 'KeySummary' });

export const keyList = z.array(keySummary);

export const aliasParams = z.object({
  alias: z.string().min(1).max(rawTextBound(ALIAS_MAX_LENGTH)),
});
export const keyParams = z.object({ key: z.string().min(1).max(512) });
