import { z } from 'zod';
import {
  ALIAS_MAX_LENGTH,
  ALLOWED_ROLES,
  API_KEY_EVENT_TYPES,
  codePointLength,
  type ApiKeyEventType,
} from '../../domain';
import { aliasOut, keyPrefixOut, keySummary, nameOut, roleSchema } from './schemas';

const EXAMPLE_TIME = '2026-03-05T12:00:00.000Z';

/** An ISO-8601 date-time with a zone (Z or an offset), parsed to epoch milliseconds. */
/** An integer query parameter in [min, max] with a default; one message for every way it can be wrong. */
export function boundedInt(name: string, min: number, max: number, fallback: number) {
  const message = `${name} must be an integer between ${min} and ${max}`;
  return z.coerce.number({ error: message }).int(message).min(min, message).max(max, message).default(fallback);
}

export const isoInstant = (field: string, description: string) =>
  z
    .string({ error: `${field} must be an ISO-8601 date-time` })
    .pipe(
      z.iso.datetime({
        offset: true,
        error: `${field} must be an ISO-8601 date-time with a time zone, e.g. 2026-03-05T12:00:00Z`,
      }),
    )
    .transform((s) => Date.parse(s))
    .meta({ description, example: EXAMPLE_TIME });

const isoTime = z.string().meta({ description: 'ISO-8601 UTC', example: EXAMPLE_TIME });

export const eventTypeSchema = z
  .enum(API_KEY_EVENT_TYPES as unknown as [ApiKeyEventType, ...ApiKeyEventType[]], {
    error: `type must be one of ${API_KEY_EVENT_TYPES.join(', ')}`,
  })
  .meta({ description: 'Event type, without its schema version.', example: 'ApiKeyRevoked' });

const aliasFilter = z
  .string()
  .trim()
  .min(1, 'alias must not be empty')
  .refine(
    (alias) => codePointLength(alias) <= ALIAS_MAX_LENGTH,
    `alias must be at most ${ALIAS_MAX_LENGTH} characters`,
  );

// --- queries ---------------------------------------------------------------------------

export const asOfQuery = z.object({
  as_of: isoInstant(
    'as_of',
    "Answer with the key's state at this instant, folded from its events, instead of the read model.",
  ).optional(),
});

export const auditQuery = z.object({
  order: z
    .enum(['desc', 'asc'], { error: 'order must be desc or asc' })
    .default('desc')
    .meta({ description: 'desc: newest first (default); asc: oldest first.', example: 'desc' }),
  alias: aliasFilter.optional().meta({ description: 'Only events of this key.', example: 'billing-service' }),
  type: eventTypeSchema.optional(),
  actor: z
    .string()
    .min(1, 'actor must not be empty')
    .max(256)
    .optional()
    .meta({ description: 'Only events sent by this actor (admin key alias, or cli:<user>).', example: 'alice' }),
  since: isoInstant('since', 'Only events at or after this instant (inclusive).').optional(),
  until: isoInstant('until', 'Only events before this instant (exclusive).').optional(),
  limit: boundedInt('limit', 1, 500, 50).meta({ description: 'Page size, 1-500.', example: 50 }),
  cursor: z
    .string()
    .max(128, 'invalid cursor')
    .optional()
    .meta({ description: 'Opaque: the next_cursor of the previous page, with the same order.' }),
});
export type AuditQuery = z.infer<typeof auditQuery>;

export const historyParams = z.object({ alias: aliasFilter });

export const holdersQuery = z.object({
  role: z
    .enum(ALLOWED_ROLES, { error: `role must be one of ${ALLOWED_ROLES.join(', ')}` })
    .meta({ description: 'The role asked about.', example: 'admin' }),
  at: isoInstant('at', 'An instant; default now. Not with day.').optional(),
  day: z.iso.date({ error: 'day must be an ISO-8601 date, e.g. 2026-03-05' }).optional().meta({
    description: 'A UTC calendar day: keys that held the role at any moment of it. Not with at.',
    example: '2026-03-05',
  }),
});

export const expiringQuery = z.object({
  within_hours: boundedInt('within_hours', 1, 8784, 72).meta({
    description: 'Horizon in hours from now; default 72 (3 days).',
    example: 72,
  }),
});

// --- answers ---------------------------------------------------------------------------

export const auditChanges = z
  .object({
    name: z.string().optional(),
    roles: z.array(roleSchema).optional(),
    expire: isoTime.optional(),
    is_active: z.boolean().optional(),
    key_prefix: z.string().optional().meta({ description: 'Display prefix of a new key; not a secret.' }),
    reactivated: z.boolean().optional().meta({ description: 'A renewal that brought a revoked key back.' }),
    owner: z.string().nullable().optional().meta({ description: 'Owner after the event (null: none).' }),
    meta: z.record(z.string(), z.unknown()).nullable().optional().meta({ description: 'Metadata after the event.' }),
    previous_key_valid_until: isoTime
      .nullable()
      .optional()
      .meta({ description: 'Rotation: until when the replaced key keeps working (null: it stopped at once).' }),
  })
  .meta({
    id: 'AuditChanges',
    description: 'What the event set. Never the key, its hash, or its sealed copy.',
    example: { name: 'Billing', roles: ['user'], expire: EXAMPLE_TIME, is_active: true, key_prefix: 'ak_3xY9' },
  });

const historyFields = {
  type: z.string().meta({
    description:
      'Event type: ApiKeyCreated, ApiKeyRenewed, ApiKeyRotated, ApiKeyImported, ApiKeyRevoked or ApiKeyLeakReported.',
    example: 'ApiKeyCreated',
  }),
  version: z.number().int().meta({ description: 'Schema version of the stored event.', example: 1 }),
  time: isoTime.meta({ description: 'When the command was decided (ISO-8601 UTC).', example: EXAMPLE_TIME }),
  actor: z
    .string()
    .meta({ description: 'Alias of the admin key that sent the command, or cli:<os user>.', example: 'alice' }),
  request_id: z.string().meta({ description: 'The x-request-id of the command.', example: 'req-1' }),
  correlation_id: z.string().meta({ description: 'Joins the events of one request.', example: 'req-1' }),
  causation_id: z.string().meta({ description: 'What caused this event: the request id.', example: 'req-1' }),
  changes: auditChanges,
  revision: z.number().int().meta({ description: 'Revision within the key stream, from 0.', example: 0 }),
  position: z.string().meta({ description: 'Global position in the log, as a decimal string.', example: '42' }),
};

export const historyItem = z.object(historyFields).meta({ id: 'HistoryItem' });
export const historyResponse = z
  .object({ alias: aliasOut, items: z.array(historyItem) })
  .meta({ id: 'KeyHistory', description: 'Every change of the key, oldest first.' });

export const auditItem = z
  .object({ alias: z.string().meta({ example: 'billing-service' }), ...historyFields })
  .meta({ id: 'AuditItem' });
export const auditPage = z
  .object({
    items: z.array(auditItem),
    next_cursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as cursor for the next page; null at the end of the log.', example: 'ZGVzYzo0Mg' }),
  })
  .meta({ id: 'AuditPage' });

export const holdersResponse = z
  .object({
    role: roleSchema,
    from: isoTime.meta({ description: 'Start of the window (the instant, for at).' }),
    to: isoTime.meta({ description: 'End of the window, exclusive (equal to from, for at).' }),
    keys: z.array(
      z.object({
        alias: aliasOut,
        name: nameOut,
        roles: z.array(roleSchema),
        key_prefix: keyPrefixOut,
        expire: isoTime,
        held_at: isoTime.meta({ description: 'First instant of the window at which the key held the role.' }),
      }),
    ),
  })
  .meta({ id: 'RoleHolders' });

export const expiringResponse = z
  .object({
    now: isoTime,
    until: isoTime.meta({ description: 'now + within_hours' }),
    keys: z.array(keySummary).meta({ description: 'Not revoked, not yet expired, expiring by until; soonest first.' }),
  })
  .meta({ id: 'ExpiringKeys' });
