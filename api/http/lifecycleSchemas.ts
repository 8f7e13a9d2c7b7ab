import { z } from 'zod';
import { ALIAS_MAX_LENGTH, ALLOWED_ROLES, OWNER_MAX_LENGTH } from '../../domain';
import { IMPORT_BATCH_MAX, type ImportError, type ImportItem } from '../../infrastructure/commands/keyImport';
import { boundedInt } from './auditSchemas';
import { createKeyBody, keyDetailsFields } from './schemas';

// --- list ----------------------------------------------------------------------------

export const KEY_STATUSES = ['active', 'expired', 'revoked'] as const;

export const listQuery = z.object({
  limit: boundedInt('limit', 1, 1000, 100).meta({ description: 'Page size, 1-1000 (default 100).', example: 100 }),
  status: z
    .enum(KEY_STATUSES, { error: `status must be one of ${KEY_STATUSES.join(', ')}` })
    .optional()
    .meta({ description: 'Only keys with this status.' }),
  role: z
    .enum(ALLOWED_ROLES, { error: `role must be one of ${ALLOWED_ROLES.join(', ')}` })
    .optional()
    .meta({ description: 'Only keys holding this role.' }),
  owner: z
    .string()
    .trim()
    .min(1, 'owner must not be empty')
    .max(OWNER_MAX_LENGTH, `owner must be at most ${OWNER_MAX_LENGTH} characters`)
    .optional()
    .meta({ description: 'Only keys of this owner (exact).', example: 'team-payments' }),
  q: z
    .string()
    .max(ALIAS_MAX_LENGTH, `q must be at most ${ALIAS_MAX_LENGTH} characters`)
    .optional()
    .meta({ description: 'Case-insensitive substring of the alias or the name.', example: 'billing' }),
  cursor: z
    .string()
    .max(512, 'invalid cursor')
    .optional()
    .meta({ description: 'Opaque; comes with the Link rel="next" URL. Follow that URL rather than building one.' }),
});
export type ListQuery = z.infer<typeof listQuery>;

// --- revoke by owner --------------------------------------------------------------------

export const revokeOwnerBody = z.object({ owner: keyDetailsFields.owner.unwrap().unwrap() });
export const revokedCountResponse = z
  .object({ revoked: z.number().int().meta({ description: 'How many active keys were revoked.', example: 2 }) })
  .meta({ id: 'RevokedCount' });

// --- import -----------------------------------------------------------------------------

const NAIVE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;
const ZONED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO-8601 time; one without a zone (as the seed's table stores them) is UTC. */
export function parseExpire(text: string): number | undefined {
  const zoned = NAIVE_TIME.test(text) ? `${text.replace(' ', 'T')}Z` : text;
  if (!ZONED_TIME.test(zoned)) return undefined;
  const ms = Date.parse(zoned.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isFinite(ms) ? ms : undefined;
}

const importItem = z
  .object(
    {
      alias: createKeyBody.shape.alias,
      name: createKeyBody.shape.name,
      roles: createKeyBody.shape.roles,
      key: z
        .string({ error: 'key must be a string' })
        .min(1, 'key must not be empty')
        .max(512, 'key must be at most 512 characters')
        .optional()
        .meta({ description: 'The key in plaintext, any format. Not with key_sha256.' }),
      key_sha256: z
        .string({ error: 'key_sha256 must be a string' })
        .regex(/^[0-9a-fA-F]{64}$/, 'key_sha256 must be 64 hexadecimal characters')
        .optional()
        .meta({ description: 'SHA-256 of the key, hex. Not with key. Renewing such a key answers "key": null.' }),
      expire: z
        .string({ error: 'expire must be an ISO-8601 time' })
        .transform(
          (text, ctx) =>
            parseExpire(text) ??
            (ctx.addIssue({ code: 'custom', message: 'expire must be an ISO-8601 time' }), z.NEVER),
        )
        .optional()
        .meta({
          description: 'ISO-8601; UTC when it has no zone. Default: now + KEY_TTL_SECONDS.',
          example: '2027-01-01T00:00:00Z',
        }),
      is_active: z.boolean({ error: 'is_active must be a boolean' }).optional().meta({ description: 'Default true.' }),
      owner: keyDetailsFields.owner,
      meta: keyDetailsFields.meta,
    },
    { error: 'each key must be a JSON object' },
  )
  .refine((item) => (item.key === undefined) !== (item.key_sha256 === undefined), {
    message: 'exactly one of key or key_sha256 is required',
  })
  .transform((item): ImportItem => ({
    alias: item.alias,
    name: item.name,
    roles: item.roles,
    key: item.key,
    keySha256: item.key_sha256,
    expire: item.expire,
    isActive: item.is_active,
    owner: item.owner,
    meta: item.meta,
  }));

export const importBody = z.object({
  keys: z
    .array(z.unknown(), { error: 'keys must be an array' })
    .max(IMPORT_BATCH_MAX, `keys must hold at most ${IMPORT_BATCH_MAX} items`)
    .meta({
      description: `At most ${IMPORT_BATCH_MAX} keys, each {alias, name, roles?, key? | key_sha256?, expire?, is_active?, owner?, meta?}.`,
      example: [{ alias: 'legacy-billing', name: 'Billing (legacy)', roles: ['user'], key: 'sk_live_4f1c...' }],
    }),
});

/** Parses each raw item on its own: a bad one is reported by index, the others go on. */
export function parseImportItems(raw: readonly unknown[], firstIndex = 0) {
  const items: { index: number; item: ImportItem }[] = [];
  const errors: ImportError[] = [];
  raw.forEach((value, i) => {
    const index = firstIndex + i;
    const parsed = importItem.safeParse(value);
    if (parsed.success) items.push({ index, item: parsed.data });
    else errors.push({ index, error: parsed.error.issues[0]?.message ?? 'invalid item' });
  });
  return { items, errors };
}

export const importResponse = z
  .object({
    imported: z.number().int(),
    skipped: z.number().int().meta({ description: 'Aliases that already hold the same key (a re-run is harmless).' }),
    errors: z.array(
      z.object({
        index: z.number().int().meta({ example: 3 }),
        error: z.string().meta({ example: 'alias exists with another key' }),
      }),
    ),
  })
  .meta({ id: 'ImportReport' });
