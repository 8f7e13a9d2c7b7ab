import { z } from 'zod';
import {
  ALIAS_MAX_LENGTH,
  ALLOWED_ROLES,
  InvalidCommandError,
  MAX_GRACE_SECONDS,
  META_MAX_BYTES,
  META_MAX_FIELDS,
  MIN_TTL_SECONDS,
  NAME_MAX_LENGTH,
  OWNER_MAX_LENGTH,
  ROLES_SUBSET_MESSAGE,
  graceSecondsOf,
  normalizeAlias,
  normalizeMeta,
  normalizeName,
  normalizeOwner,
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

const ownerValue = requiredString('owner', 'owner is required')
  .max(OWNER_MAX_LENGTH + 64, `owner must be at most ${OWNER_MAX_LENGTH} characters`)
  .transform(domainRule(normalizeOwner));

/** Owner, meta and lifetime: optional on create, renew and rotate. */
export const keyDetailsFields = {
  owner: ownerValue
    .nullable()
    .optional()
    .meta({
      description: `Who the key belongs to; 1-${OWNER_MAX_LENGTH} characters, same rules as alias. On a renewal or rotation: absent keeps it, null clears it.`,
      example: 'team-payments',
    }),
  meta: z
    .record(z.string(), z.unknown(), { error: 'meta must be a JSON object' })
    .transform(domainRule(normalizeMeta))
    .nullable()
    .optional()
    .meta({
      description: `Free-form JSON object, at most ${META_MAX_FIELDS} top-level keys and ${META_MAX_BYTES} bytes serialized. On a renewal or rotation: absent keeps it, null clears it.`,
      example: { team: 'payments', ticket: 'OPS-42' },
    }),
  ttl_seconds: z
    .number({ error: 'ttl_seconds must be an integer number of seconds' })
    .optional()
    .meta({
      description: `Lifetime of the key from now, ${MIN_TTL_SECONDS} to MAX_KEY_TTL_SECONDS (default 31536000); absent: KEY_TTL_SECONDS (15 days).`,
      example: 86400,
    }),
};

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
  ...keyDetailsFields,
});

export const rotateKeyBody = z
  .object({
    grace_seconds: z
      .number({ error: `grace_seconds must be an integer from 0 to ${MAX_GRACE_SECONDS}` })
      .optional()
      .transform(domainRule(graceSecondsOf))
      .meta({
        description: `How long the previous key keeps working, 0-${MAX_GRACE_SECONDS} seconds (never past the new key's expiry). Default 0.`,
        example: 3600,
      }),
    ...keyDetailsFields,
  })
  .nullish()
  .meta({ description: 'Optional.' });

export const errorResponse = z
  .object({ error: z.string() })
  .meta({ id: 'Error', example: { error: 'API key not found' } });
export const messageResponse = z
  .object({ message: z.string() })
  .meta({ example: { message: 'API key revoked successfully' } });

// Answer fields with the examples shown in /docs.
export const aliasOut = z.string().meta({ example: 'billing-service' });
export const nameOut = z.string().meta({ example: 'Billing service' });
export const keyPrefixOut = z.string().nullable().meta({ example: 'ak_3kTMd' });
const ownerOut = z.string().nullable().meta({ example: 'team-payments' });
const KEY_EXAMPLE = 'ak_3kTMd9vQ1xZ8pL0bNc7wYh2RfUe5sJ4aGq1Xy9';

const nullableMeta = z.record(z.string(), z.unknown()).nullable();
const isoTime = z.string().meta({ description: 'ISO-8601 UTC', example: '2026-12-10T10:00:00.000Z' });

export const createdKeyResponse = z
  .object({
    key: z.string().nullable().meta({
      description:
        'The API key. Shown on create, renew and rotate only; store it now. null on renewing a key imported by its SHA-256 only.',
      example: KEY_EXAMPLE,
    }),
    alias: aliasOut,
    name: nameOut,
    roles: z.array(roleSchema),
    is_active: z.boolean(),
    expire: isoTime,
    created_at: isoTime,
    updated_at: isoTime,
    owner: ownerOut,
    meta: nullableMeta,
    renewed: z.boolean().meta({ description: 'false on create (201), true on renewal (200)' }),
  })
  .meta({ id: 'CreatedKey' });

export const rotatedKeyResponse = createdKeyResponse
  .extend({
    key: z.string().meta({ description: 'The new API key; store it now.', example: KEY_EXAMPLE }),
    rotated: z.literal(true),
    previous_key_valid_until: isoTime.nullable().meta({
      description: 'Until when the previous key keeps verifying VALID; null when the grace is 0 (it stopped at once).',
    }),
  })
  .meta({ id: 'RotatedKey' });

export const keySummary = z
  .object({
    alias: aliasOut,
    name: nameOut,
    roles: z.array(roleSchema),
    is_active: z.boolean(),
    status: z.enum(['active', 'expired', 'revoked']),
    expire: isoTime,
    key_prefix: keyPrefixOut.meta({
      description:
        'First characters of the key, for recognition; not a secret. null for a key imported by its SHA-256.',
    }),
    owner: ownerOut,
    meta: nullableMeta,
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
