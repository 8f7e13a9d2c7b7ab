import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Keyledger } from '../../composition';
import { requireRoles } from '../auth';
import { HttpError } from '../httpErrors';
import type { Metrics } from '../metrics';
import { errorResponse, messageResponse } from '../schemas';
import { registerWebhookMetrics } from '../webhookMetrics';
import {
  createdWebhook,
  deliveryView,
  presentDelivery,
  presentWebhook,
  webhookBody,
  webhookParams,
  webhookView,
} from '../webhookSchemas';
import { originOf } from './apiKeys';

const security: { [scheme: string]: string[] }[] = [{ bearerAuth: [] }, { apiKeyHeader: [] }];
const authErrors = { 401: errorResponse, 403: errorResponse };
const tags = ['webhooks'];

/** Webhook endpoints (admin): register, list, read, delete, re-enable, recent delivery attempts. */
export const webhookRoutes: FastifyPluginAsyncZod<{ ledger: Keyledger; metrics: Metrics }> = async (
  app,
  { ledger, metrics },
) => {
  const admin = requireRoles(ledger.verifier, { anyOf: ['admin'] });
  const { registry, service, dispatcher } = ledger.webhooks;
  registerWebhookMetrics(metrics.registry, ledger.webhooks);
  const found = (id: string) => {
    const entry = registry.get(id);
    if (!entry) throw new HttpError(404, 'webhook not found');
    return entry;
  };

  app.post(
    '/api/webhooks',
    {
      schema: {
        tags,
        summary: 'Register a webhook endpoint; its signing secret is shown once',
        security,
        body: webhookBody,
        response: { 201: createdWebhook, 400: errorResponse, ...authErrors },
      },
      onRequest: admin,
    },
    async (request, reply) => {
      const { webhook, position, secret } = await service.register(request.body, originOf(request));
      const answer = { ...presentWebhook({ webhook, registeredPosition: position ?? 0n }), secret };
      return reply.code(201).send(answer);
    },
  );

  app.get(
    '/api/webhooks',
    {
      schema: {
        tags,
        summary: 'List webhook endpoints (no secrets)',
        security,
        response: { 200: z.array(webhookView), ...authErrors },
      },
      onRequest: admin,
    },
    async () => registry.list().map(presentWebhook),
  );

  app.get(
    '/api/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'One webhook endpoint (no secret)',
        security,
        params: webhookParams,
        response: { 200: webhookView, 404: errorResponse, ...authErrors },
      },
      onRequest: admin,
    },
    async (request) => presentWebhook(found(request.params.id)),
  );

  app.delete(
    '/api/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Delete a webhook endpoint: its deliveries stop',
        security,
        params: webhookParams,
        response: { 200: messageResponse, 404: errorResponse, ...authErrors },
      },
      onRequest: admin,
    },
    async (request) => {
      await service.delete(found(request.params.id).webhook.id, originOf(request));
      return { message: 'webhook deleted' };
    },
  );

  app.post(
    '/api/webhooks/:id/enable',
    {
      schema: {
        tags,
        summary: 'Re-enable a failing endpoint: delivery resumes at the event it gave up on',
        security,
        params: webhookParams,
        response: { 200: webhookView, 404: errorResponse, ...authErrors },
      },
      onRequest: admin,
    },
    async (request) => {
      const entry = found(request.params.id);
      const { webhook } = await service.reenable(entry.webhook.id, originOf(request));
      return presentWebhook({ ...entry, webhook });
    },
  );

  app.get(
    '/api/webhooks/:id/deliveries',
    {
      schema: {
        tags,
        summary: "Recent delivery attempts, newest first (this instance's memory: the last 100)",
        security,
        params: webhookParams,
        response: { 200: z.array(deliveryView), 404: errorResponse, ...authErrors },
      },
      onRequest: admin,
    },
    async (request) => {
      const entry = found(request.params.id);
      return (dispatcher?.log.recent(entry.webhook.id) ?? []).map(presentDelivery);
    },
  );
};
