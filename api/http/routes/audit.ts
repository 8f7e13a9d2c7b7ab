import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { requireRoles } from '../auth';
import type { Keyledger } from '../../composition';
import { HttpError } from '../httpErrors';
import { findByAlias } from '../aliasLookup';
import { encodeCursor } from '../../../projections/audit/auditCursor';
import { readAuditFeed } from '../../../projections/audit/auditFeed';
import { expiringKeys } from '../../../projections/audit/expiring';
import { keyHistory } from '../../../projections/audit/history';
import { roleHolders } from '../../../projections/audit/roleHolders';
import { presentSummary } from '../presenters';
import { presentAuditItem, presentHistoryItem, presentHolder } from '../auditPresenters';
import { holdersWindow, toFeedQuery } from '../auditQuery';
import {
  auditPage,
  auditQuery,
  expiringQuery,
  expiringResponse,
  historyParams,
  historyResponse,
  holdersQuery,
  holdersResponse,
} from '../auditSchemas';
import { errorResponse } from '../schemas';

const security: { [scheme: string]: string[] }[] = [{ bearerAuth: [] }, { apiKeyHeader: [] }];
const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse };
const tags = ['audit'];

/** Admin audit queries over the key log. Logic lives in projections/; this maps HTTP to it. */
export const auditRoutes: FastifyPluginAsyncZod<{ ledger: Keyledger }> = async (app, { ledger }) => {
  app.addHook('onRequest', requireRoles(ledger.verifier, { anyOf: ['admin'] }));

  app.get(
    '/api/apikey/:alias/history',
    {
      schema: {
        tags,
        summary: 'Every change of one key, oldest first',
        description: 'Read from the key stream in the event log. Carries no key material beyond the display prefix.',
        security,
        params: historyParams,
        response: { 200: historyResponse, 404: errorResponse, ...errors },
      },
    },
    async (request) => {
      const found = await findByAlias(request.params.alias, async (alias) => {
        const entries = await keyHistory(ledger.store, alias);
        return entries && { alias, entries };
      });
      if (!found) throw new HttpError(404, 'API key not found');
      return { alias: found.alias, items: found.entries.map(presentHistoryItem) };
    },
  );

  app.get(
    '/api/audit',
    {
      schema: {
        tags,
        summary: 'The audit log as a feed, filtered and paged',
        description:
          'Answered from the event log itself (read-all with the apikey- stream prefix, or the one key stream when alias is given), ' +
          'filtered in memory page by page: the log is the audit source of truth, so no second copy can drift. ' +
          'Cursors are global positions: stable under concurrent writes (no duplicate, no gap). A page may hold fewer than limit items ' +
          'when a sparse filter reaches the per-call scan budget; follow next_cursor until it is null. ' +
          'Who revoked key X: ?alias=X&type=ApiKeyRevoked. What actor Y did last week: ?actor=Y&since=...&until=....',
        security,
        querystring: auditQuery,
        response: { 200: auditPage, ...errors },
      },
    },
    async (request) => {
      const query = toFeedQuery(request.query);
      const page = await readAuditFeed(ledger.store, query);
      return {
        items: page.items.map(presentAuditItem),
        next_cursor: page.next === undefined ? null : encodeCursor(query.order, page.next),
      };
    },
  );

  app.get(
    '/api/audit/holders',
    {
      schema: {
        tags,
        summary: 'Keys that held a role at an instant, or at any moment of a UTC day',
        description:
          "Folds every key's events with the domain's evolve up to the instant (at, default now) or through the day " +
          '(day=YYYY-MM-DD, [00:00Z, next 00:00Z)), and lists the keys that were then active, not expired, and granted the role. ' +
          'Which keys held admin on a given day: ?role=admin&day=2026-03-05.',
        security,
        querystring: holdersQuery,
        response: { 200: holdersResponse, ...errors },
      },
    },
    async (request) => {
      const window = holdersWindow(request.query, Date.now());
      const holders = await roleHolders(ledger.store, request.query.role, window);
      return {
        role: request.query.role,
        from: new Date(window.from).toISOString(),
        to: new Date(window.to).toISOString(),
        keys: holders.map(presentHolder),
      };
    },
  );

  app.get(
    '/api/audit/expiring',
    {
      schema: {
        tags,
        summary: 'Keys that expire within the next hours',
        description:
          'From the read model: keys not revoked, not yet expired, whose expiry is within within_hours from now (default 72: the next 3 days), soonest first.',
        security,
        querystring: expiringQuery,
        response: { 200: expiringResponse, ...errors },
      },
    },
    async (request) => {
      const now = Date.now();
      const withinMs = request.query.within_hours * 3600 * 1000;
      return {
        now: new Date(now).toISOString(),
        until: new Date(now + withinMs).toISOString(),
        keys: expiringKeys(ledger.readModel, now, withinMs).map((v) => presentSummary(v, now)),
      };
    },
  );
};
