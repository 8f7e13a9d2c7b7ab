import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Keyledger } from '../../composition';
import { importKeys } from '../../../infrastructure/commands/keyImport';
import { requireRoles } from '../auth';
import {
  importBody,
  importResponse,
  parseImportItems,
  revokedCountResponse,
  revokeOwnerBody,
} from '../lifecycleSchemas';
import { presentRotated } from '../presenters';
import { aliasParams, errorResponse, messageResponse, rotatedKeyResponse, rotateKeyBody } from '../schemas';
import { findByAliasNow } from '../aliasLookup';
import { originOf, security } from './apiKeys';

const authErrors = { 401: errorResponse, 403: errorResponse };

/** Rotation, revocation by alias or owner, and import. Each route parses, sends commands, maps the outcome. */
export const keyLifecycleRoutes: FastifyPluginAsyncZod<{ ledger: Keyledger }> = async (app, { ledger }) => {
  const admin = requireRoles(ledger.verifier, { anyOf: ['admin'] });
  /** The alias as stored (older aliases may not be in NFC); as given when no key has it (then 404). */
  const storedAlias = (given: string) =>
    findByAliasNow(given, (alias) => ledger.readModel.findByAlias(alias)?.alias) ?? given;
  // These bodies are optional (rotate, revoke by alias): an empty body sent as JSON is no body.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') done(null, undefined);
    else json(request, body as string, done);
  });

  app.post(
    '/api/apikey/:alias/rotate',
    {
      schema: {
        tags: ['keys'],
        summary: 'Give an alias a new key; the previous one may keep working for a grace period',
        description:
          'Validity is reset as a renewal does. The previous key verifies VALID until previous_key_valid_until, then answers ROTATED. Unknown or revoked alias: 404.',
        security,
        params: aliasParams,
        body: rotateKeyBody,
        response: { 200: rotatedKeyResponse, 400: errorResponse, 404: errorResponse, ...authErrors },
      },
      onRequest: admin,
    },
    async (request) => {
      const body = request.body;
      const outcome = await ledger.keys.rotate(
        {
          alias: storedAlias(request.params.alias),
          graceSeconds: body?.grace_seconds,
          ttlSeconds: body?.ttl_seconds,
          owner: body?.owner,
          meta: body?.meta,
        },
        originOf(request),
      );
      return presentRotated(outcome);
    },
  );

  app.post(
    '/api/apikey/:alias/revoke',
    {
      schema: {
        tags: ['keys'],
        summary: 'Revoke the key of an alias (its current and any rotated-out key)',
        security,
        params: aliasParams,
        response: { 200: messageResponse, 404: errorResponse, ...authErrors },
      },
      onRequest: admin,
    },
    async (request) => {
      await ledger.keys.revokeAlias(storedAlias(request.params.alias), originOf(request));
      return { message: 'API key revoked successfully' };
    },
  );

  app.post(
    '/api/apikey/revoke',
    {
      schema: {
        tags: ['keys'],
        summary: 'Revoke every active key of an owner',
        security,
        body: revokeOwnerBody,
        response: { 200: revokedCountResponse, 400: errorResponse, ...authErrors },
      },
      onRequest: admin,
    },
    async (request) => ledger.keys.revokeOwner(request.body.owner, originOf(request)),
  );

  app.post(
    '/api/apikey/import',
    {
      schema: {
        tags: ['keys'],
        summary: 'Import existing keys (plaintext or SHA-256), at most 1000 per request',
        description:
          'An alias that already holds the same key is skipped, so a re-run is harmless; an alias holding another key is an error for that item, never an overwrite. Imported keys verify whatever their format.',
        security,
        body: importBody,
        response: { 200: importResponse, 400: errorResponse, ...authErrors },
      },
      onRequest: admin,
    },
    async (request) => {
      const parsed = parseImportItems(request.body.keys);
      const report = await importKeys(ledger.keys, parsed.items, originOf(request));
      return { ...report, errors: [...parsed.errors, ...report.errors].sort((a, b) => a.index - b.index) };
    },
  );
};
