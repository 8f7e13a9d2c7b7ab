import { startTestApp, type TestApp } from '../support/testApp';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('audit endpoints in the OpenAPI document', () => {
  it('lists the paths, tagged audit, with their query parameters and answers', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    const params = (path: string) =>
      (doc.paths[path].get.parameters as { name: string; in: string }[]).map((p) => `${p.in}:${p.name}`);
    expect(params('/api/audit')).toEqual(
      expect.arrayContaining([
        'query:order',
        'query:alias',
        'query:type',
        'query:actor',
        'query:since',
        'query:until',
        'query:limit',
        'query:cursor',
      ]),
    );
    expect(params('/api/audit/holders')).toEqual(expect.arrayContaining(['query:role', 'query:at', 'query:day']));
    expect(params('/api/audit/expiring')).toEqual(['query:within_hours']);
    expect(params('/api/apikey/{alias}/history')).toEqual(['path:alias']);
    expect(params('/api/apikey/{alias}')).toEqual(expect.arrayContaining(['query:as_of', 'path:alias']));
    for (const path of ['/api/audit', '/api/audit/holders', '/api/audit/expiring', '/api/apikey/{alias}/history']) {
      expect(doc.paths[path].get.tags).toEqual(['audit']);
      expect(doc.paths[path].get.responses['200']).toBeDefined();
      expect(doc.paths[path].get.description).toEqual(expect.any(String));
    }
    expect(JSON.stringify(doc.paths['/api/audit'].get)).toContain('next_cursor');
  });
});
