import { startTestApp, type TestApp } from '../support/testApp';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await t.app.ready();
});
afterAll(async () => {
  await t.close();
});

/** "METHOD /path/{}" for every route the app serves, read from fastify's route tree. */
function servedRoutes(tree: string): Set<string> {
  const out = new Set<string>();
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(.+?) \(([A-Z, ]+)\)$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    const path = stack.join('').replace(/:[^/]+/g, '{}');
    for (const method of m[3]!.split(', ')) if (method !== 'HEAD') out.add(`${method} ${path}`);
  }
  return out;
}

describe('OpenAPI document and docs page', () => {
  it('documents every endpoint the app serves', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json();
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries<Record<string, unknown>>(doc.paths))
      for (const method of Object.keys(ops))
        documented.add(`${method.toUpperCase()} ${path.replace(/\{[^}]+\}/g, '{}')}`);

    const served = [...servedRoutes(t.app.printRoutes({ commonPrefix: false }))].filter(
      // The docs page's own assets, and the trailing-slash twin of POST /api/apikey.
      (r) => !r.includes(' /docs') && r !== 'POST /api/apikey/',
    );
    expect(served).toEqual(expect.arrayContaining(['POST /api/apikey/verify', 'GET /readyz', 'DELETE /api/apikey/{}']));
    expect(served.filter((r) => !documented.has(r))).toEqual([]);
  });

  it('declares both security schemes and uses them on admin routes, not on verify', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json();
    expect(doc.components.securitySchemes).toEqual({
      bearerAuth: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      apiKeyHeader: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key' }),
    });
    expect(doc.paths['/api/apikey'].post.security).toEqual([{ bearerAuth: [] }, { apiKeyHeader: [] }]);
    expect(doc.paths['/api/apikey/verify'].post.security).toBeUndefined();
  });

  it('carries examples from the zod schemas', async () => {
    const text = (await t.app.inject({ url: '/openapi.json' })).body;
    const doc = JSON.parse(text);
    const verify = doc.paths['/api/apikey/verify'].post;
    expect(verify.requestBody.content['application/json'].schema.properties.key.example).toEqual(expect.any(String));
    expect(doc.components.schemas.Verification.example).toMatchObject({ code: 'VALID' });
    expect(doc.paths['/api/apikey'].post.requestBody.content['application/json'].schema.properties.alias.example).toBe(
      'billing-service',
    );
  });

  it('serves the docs page', async () => {
    const page = await t.app.inject({ url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('swagger');
  });
});
