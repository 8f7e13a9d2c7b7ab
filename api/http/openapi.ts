import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

const DESCRIPTION = `Event-sourced API keys: create, renew, revoke, list and verify keys.

Admin endpoints take an admin key as \`Authorization: Bearer <key>\` or \`X-API-Key: <key>\`.
\`POST /api/apikey/verify\` needs no admin key: the key being verified is the credential.`;

/**
 * OpenAPI from the same zod schemas that validate requests. Must be registered before any
 * route plugin: @fastify/swagger collects routes through an onRoute hook.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'keyledger', version: '0.1.0', description: DESCRIPTION },
      tags: [
        { name: 'keys', description: 'Admin: create, renew, revoke and read keys' },
        { name: 'verification', description: 'Verify a key for another service' },
        { name: 'operations', description: 'Health, readiness, metrics and this document' },
        { name: 'webhooks', description: 'Admin: signed push delivery of key events' },
        { name: 'leaks', description: 'Leak response: secret-scanning reports and revocation by key holders' },
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key holding the admin role' },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'Same key, other header' },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get('/openapi.json', { schema: { tags: ['operations'], summary: 'This OpenAPI document' } }, async () =>
    app.swagger(),
  );
}
