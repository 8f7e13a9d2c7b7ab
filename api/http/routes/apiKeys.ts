import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Keyledger } from '../../composition';
import { requireRoles } from '../auth';
import { HttpError, INVALID_BODY } from '../httpErrors';
import { presentCreated, presentSummary } from '../presenters';
import {
  aliasParams,
  createdKeyResponse,
  createKeyBody,
  errorResponse,
  keyList,
  keyParams,
  keySummary,
  messageResponse,
} from '../schemas';
import type { FastifyRequest } from 'fastify';
import { keyStateAsOf } from '../../../projections/audit/history';
import { toView } from '../../../projections/readModel/authReadModel';
import { asOfQuery } from '../auditSchemas';
import { listQuery, type ListQuery } from '../lifecycleSchemas';
import { InvalidCursorError, pageOfKeys } from '../../../projections/readModel/keyList';
import { keyLifecycleRoutes } from './keyLifecycle';
import { findByAlias, findByAliasNow } from '../aliasLookup';

export const security: { [scheme: string]: string[] }[] = [{ bearerAuth: [] }, { apiKeyHeader: [] }];
const authErrors = { 401: errorResponse, 403: errorResponse };

export function originOf(request: FastifyRequest) {
  return { actor: request.principal?.alias ?? 'anonymous', requestId: request.id };
}

/** The same query, from the next cursor on, as an absolute URL (as GitHub's API gives). */
function nextPageUrl(request: FastifyRequest, query: ListQuery, cursor: string): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries({ ...query, cursor }))
    if (value !== undefined) params.set(name, String(value));
  return `${request.protocol}://${request.host}/api/apikey?${params.toString()}`;
}

/** Admin endpoints over keys. Each route parses, sends one command or query, and maps the outcome. */
export const apiKeyRoutes: FastifyPluginAsyncZod<{ ledger: Keyledger }> = async (app, { ledger }) => {
  const admin = requireRoles(ledger.verifier, { anyOf: ['admin'] });
  await app.register(keyLifecycleRoutes, { ledger });

  for (const url of ['/api/apikey', '/api/apikey/']) {
    app.post(
      url,
      {
        schema: {
          tags: ['keys'],
          summary: 'Create a key, or renew the key of an existing alias',
          description:
            'Creating an alias that exists renews it: same key string (after a rotation, the new one), validity reset, reactivated, name and roles replaced; owner and meta kept when absent, cleared by null.',
          security,
          hide: url.endsWith('/'),
          body: createKeyBody,
          response: { 200: createdKeyResponse, 201: createdKeyResponse, 400: errorResponse, ...authErrors },
        },
        onRequest: admin,
        // The seed answers an absent, non-object or empty body with one message, before field checks.
        preValidation: async (request) => {
          const body: unknown = request.body;
          if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).length === 0)
            throw new HttpError(400, INVALID_BODY);
        },
      },
      async (request, reply) => {
        const { ttl_seconds, ...fields } = request.body;
        const outcome = await ledger.keys.createOrRenew({ ...fields, ttlSeconds: ttl_seconds }, originOf(request));
        return reply.code(outcome.renewed ? 200 : 201).send(presentCreated(outcome));
      },
    );
  }

  app.delete(
    '/api/apikey/:key',
    {
      schema: {
        tags: ['keys'],
        summary: 'Revoke a key',
        security,
        params: keyParams,
        response: { 200: messageResponse, 404: errorResponse, ...authErrors },
      },
      onRequest: admin,
    },
    async (request) => {
      await ledger.keys.revoke(request.params.key, originOf(request));
      return { message: 'API key revoked successfully' };
    },
  );

  app.get(
    '/api/apikey',
    {
      schema: {
        tags: ['keys'],
        summary: 'List keys, newest first (no secrets), a page at a time',
        description:
          'When more keys match, the answer carries a Link header with rel="next" whose URL fetches the next page.',
        security,
        querystring: listQuery,
        response: { 200: keyList, 400: errorResponse, ...authErrors },
      },
      onRequest: admin,
    },
    async (request, reply) => {
      const now = Date.now();
      let page;
      try {
        page = pageOfKeys(ledger.readModel.list(), request.query, now);
      } catch (error) {
        if (error instanceof InvalidCursorError) throw new HttpError(400, error.message);
        throw error;
      }
      if (page.next !== undefined)
        void reply.header('link', `<${nextPageUrl(request, request.query, page.next)}>; rel="next"`);
      return page.keys.map((v) => presentSummary(v, now));
    },
  );

  app.get(
    '/api/apikey/:alias',
    {
      schema: {
        tags: ['keys'],
        summary: 'One key by alias (no secret)',
        security,
        description: 'With as_of: the state at that instant, folded from its events; otherwise from the read model.',
        params: aliasParams,
        querystring: asOfQuery,
        response: { 200: keySummary, 400: errorResponse, 404: errorResponse, ...authErrors },
      },
      onRequest: admin,
    },
    async (request) => {
      const instant = request.query.as_of;
      if (instant !== undefined) {
        const asOf = await findByAlias(request.params.alias, (alias) => keyStateAsOf(ledger.store, alias, instant));
        if (!asOf) throw new HttpError(404, 'API key not found');
        return presentSummary(toView(asOf.state, asOf.revision), instant);
      }
      const view = findByAliasNow(request.params.alias, (alias) => ledger.readModel.findByAlias(alias));
      if (!view) throw new HttpError(404, 'API key not found');
      return presentSummary(view, Date.now());
    },
  );
};
