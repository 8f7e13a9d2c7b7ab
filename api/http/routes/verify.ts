import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { VERIFICATION_CODES, type VerificationCode } from '../../../domain';
import type { Keyledger } from '../../composition';
import type { Metrics } from '../metrics';
import type { PresentationLimiter } from '../rateLimit';
import { isIP } from 'node:net';
import { errorResponse, roleSchema } from '../schemas';
import { toVerifyAnswer as presentVerification } from '../../plugin/verifyAnswer';

export const verifyBody = z.object({
  key: z.string({ error: 'key must be a string' }).meta({
    description:
      'The key to check. Any string is accepted: one carrying the configured prefix (ak_) but failing its checksum, an empty one or one over 512 characters answers MALFORMED without a lookup.',
    example: 'ak_3kTMd9vQ1xZ8pL0bNc7wYh2RfUe5sJ4aGq1Xy9',
  }),
  roles: z
    .array(roleSchema)
    .max(8)
    .optional()
    .meta({ description: 'Roles the key must all hold; default none.', example: ['user'] }),
  client_ip: z
    .string({ error: 'client_ip must be an IP address' })
    .max(64, 'client_ip must be an IP address')
    .refine((ip) => isIP(ip) !== 0, 'client_ip must be an IP address')
    .optional()
    .meta({
      description:
        "For a service verifying on its own clients' behalf (as the remote plugin does): the end client's address. Failures are then limited per end client.",
      example: '203.0.113.7',
    }),
});

const isoOrNull = z.string().nullable().meta({ example: '2026-12-10T10:00:00.000Z' });

export const verifyResponse = z
  .object({
    valid: z.boolean(),
    code: z.enum(VERIFICATION_CODES).meta({
      description:
        'VALID; NOT_FOUND (no such key); EXPIRED; REVOKED; ROTATED (a key replaced by a rotation, after its grace); INSUFFICIENT_ROLE (valid, but lacks a required role); MALFORMED (refused without a lookup).',
    }),
    alias: z.string().nullable().meta({ description: 'null when the key is unknown or malformed' }),
    name: z.string().nullable(),
    roles: z.array(roleSchema).nullable(),
    expire: isoOrNull,
    owner: z.string().nullable().meta({ description: 'Whose key it is; null when unset or the key is not found' }),
    meta: z.record(z.string(), z.unknown()).nullable().meta({ description: "The key's metadata; null when unset" }),
  })
  .meta({
    id: 'Verification',
    example: {
      valid: true,
      code: 'VALID',
      alias: 'billing-service',
      name: 'Billing service',
      roles: ['user'],
      expire: '2026-12-10T10:00:00.000Z',
      owner: 'team-payments',
      meta: { tier: 'gold' },
    },
  });

/** A key that does not authenticate; a valid key lacking a role is an answer, not a guess. */
const FAILED: ReadonlySet<VerificationCode> = new Set(['MALFORMED', 'NOT_FOUND', 'EXPIRED', 'REVOKED', 'ROTATED']);

export interface VerifyRouteOptions {
  ledger: Keyledger;
  metrics: Metrics;
  limiter: PresentationLimiter;
}

/** Key verification for other services: the key is the credential, no admin key needed. */
export const verifyRoutes: FastifyPluginAsyncZod<VerifyRouteOptions> = async (app, { ledger, metrics, limiter }) => {
  app.post(
    '/api/apikey/verify',
    {
      schema: {
        tags: ['verification'],
        summary: 'Verify a key (and optionally its roles)',
        description:
          'Always 200 for a well-formed request, valid or not. A key that verifies is always answered; failed verifications are limited ' +
          'per client (caller address and client_ip): over the limit, a failing key gets 429 with Retry-After.',
        body: verifyBody,
        response: { 200: verifyResponse, 400: errorResponse, 429: errorResponse },
      },
    },
    async (request, reply) => {
      const result = ledger.verifier.verify(request.body.key, request.body.roles ?? []);
      metrics.verifications.inc({ code: result.code });
      if (FAILED.has(result.code)) {
        const retryAfter = limiter.failed(request.ip, request.body.client_ip);
        if (retryAfter > 0)
          return reply
            .code(429)
            .header('retry-after', String(retryAfter))
            .send({ error: 'too many failed verifications; retry later' });
      }
      return presentVerification(result);
    },
  );
};
