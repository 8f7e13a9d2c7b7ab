import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { packageVersion } from '../console/assets';

const DESCRIPTION = `Event-sourced API keys: create, renew, revoke, list and verify keys.

Admin endpoints take an admin key as \`Authorization: Bearer <key>\` or \`X-API-Key: <key>\`.
\`POST /api/apikey/verify\` needs no admin key: the key being verified is the credential.
The admin console at [/console](/console) uses these same endpoints.`;

export const OPENAPI_PATH = '/openapi.json';

/** What each status means here, for answers whose schema carries no description of its own. */
const STATUS_TEXT: Record<string, string> = {
  200: 'OK',
  201: 'Created',
  400: 'Invalid request: `{"error": "<message>"}`; nothing was changed',
  401: 'No valid key: missing, unknown, expired or revoked (with `WWW-Authenticate: Bearer`)',
  403: 'The key lacks the admin role',
  404: 'Not found: `{"error": "API key not found"}`',
  429: 'Too many failed attempts from this client; retry after `Retry-After` seconds',
  503: 'Not ready, or the event store is unavailable',
};

/** The message an error answer of each status typically carries, shown as its example. */
const STATUS_ERROR: Record<string, string> = {
  400: 'alias is required',
  401: 'invalid API key',
  403: 'admin role required',
  404: 'API key not found',
  409: 'concurrent update of this key; retry',
  429: 'too many failed verifications; retry later',
  503: 'event store unavailable',
};

type Json = Record<string, unknown>;
interface Document {
  paths?: Record<string, Record<string, { responses?: Record<string, Json> }>>;
  components?: { schemas?: Record<string, Json> };
}

const REF = /"\$ref":"#\/components\/schemas\/([^"]+)"/g;
const refsIn = (value: unknown) => [...JSON.stringify(value).matchAll(REF)].map((match) => match[1]!);

/**
 * Tidies the document generated from the zod schemas:
 * - a component's "$id" and "$schema" go (Swagger UI resolved no "$ref" inside a schema carrying an "$id", so every
 *   answer showed a bare "string" example);
 * - components no operation uses go: the generator adds an "<Name>Input" twin of every named answer schema;
 * - an answer without a description says what its status means instead of "Default Response", and an error
 *   answer shows a message typical of its status.
 */
export function tidyDocument<T>(document: T): T {
  const doc = document as Document;
  const schemas = doc.components?.schemas ?? {};
  for (const schema of Object.values(schemas)) {
    delete schema['$id'];
    delete schema['$schema'];
  }
  const used = new Set<string>();
  const pending = refsIn(doc.paths ?? {});
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (used.has(name)) continue;
    used.add(name);
    pending.push(...refsIn(schemas[name] ?? {}));
  }
  for (const name of Object.keys(schemas)) if (!used.has(name)) delete schemas[name];
  for (const operations of Object.values(doc.paths ?? {}))
    for (const operation of Object.values(operations))
      for (const [status, answer] of Object.entries(operation.responses ?? {})) {
        if (answer['description'] === 'Default Response') answer['description'] = STATUS_TEXT[status] ?? 'Answer';
        const json = (answer['content'] as Record<string, Json> | undefined)?.['application/json'];
        if (json && STATUS_ERROR[status] && refsIn(json['schema']).join() === 'Error')
          json['example'] ??= { error: STATUS_ERROR[status] };
      }
  return document;
}

/**
 * OpenAPI from the same zod schemas that validate requests. Must be registered before any
 * route plugin: @fastify/swagger collects routes through an onRoute hook.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'keyledger', version: packageVersion(), description: DESCRIPTION },
      tags: [
        { name: 'keys', description: 'Admin: create, renew, revoke and read keys' },
        { name: 'audit', description: 'Admin: history, audit feed, role holders and expiring keys' },
        { name: 'verification', description: 'Verify a key for another service' },
        { name: 'operations', description: 'Health, readiness, metrics and this document' },
        { name: 'console', description: 'The admin console (a page in the browser, over this API)' },
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
    transformObject: (input) => tidyDocument(jsonSchemaTransformObject(input)),
  });

  // Swagger UI shows (and loads) the document at /openapi.json rather than its own copy at /docs/json.
  await app.register(async (docs) => {
    docs.addHook('onSend', async (request, _reply, payload) =>
      request.url.endsWith('/swagger-initializer.js') && typeof payload === 'string'
        ? payload.replace("url: resolveUrl('./json')", `url: '${OPENAPI_PATH}'`)
        : payload,
    );
    await docs.register(swaggerUi, { routePrefix: '/docs' });
  });

  app.get(OPENAPI_PATH, { schema: { tags: ['operations'], summary: 'This OpenAPI document' } }, async () =>
    app.swagger(),
  );
}
