import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../support/testApp';

let t: TestApp;
// The document is walked generically, as Swagger UI does.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
let doc: Json;
beforeAll(async () => {
  t = await startTestApp();
  doc = (await t.app.inject({ url: '/openapi.json' })).json();
});
afterAll(async () => {
  await t.close();
});

type Schema = Record<string, Json>;

/** The example Swagger UI shows for a schema: its own example, else one built from its parts ("string" at worst). */
function exampleOf(schema: Schema, depth = 0): unknown {
  if (depth > 20) return '…';
  if (schema['$ref']) return exampleOf(doc.components.schemas[String(schema['$ref']).split('/').pop()!], depth + 1);
  if ('example' in schema) return schema['example'];
  if (schema['examples']?.length) return schema['examples'][0];
  if (schema['anyOf']) return exampleOf(schema['anyOf'][0], depth + 1);
  if (schema['enum']) return schema['enum'][0];
  if (schema['type'] === 'array' || schema['items']) return [exampleOf(schema['items'] ?? {}, depth + 1)];
  if (schema['properties'])
    return Object.fromEntries(
      Object.entries<Schema>(schema['properties']).map(([name, part]) => [name, exampleOf(part, depth + 1)]),
    );
  const type = Array.isArray(schema['type']) ? schema['type'][0] : schema['type'];
  return type === 'string' ? 'string' : type === 'boolean' ? true : type === 'integer' || type === 'number' ? 0 : {};
}

function answers(): [string, string, Schema][] {
  const out: [string, string, Schema][] = [];
  for (const [path, operations] of Object.entries<Schema>(doc.paths))
    for (const [method, operation] of Object.entries<Schema>(operations))
      for (const [status, answer] of Object.entries<Schema>(operation['responses'] ?? {}))
        out.push([`${method.toUpperCase()} ${path} ${status}`, answer['description'], answer]);
  return out;
}

describe('the OpenAPI document behind /docs', () => {
  it('describes every answer (no "Default Response")', () => {
    expect(answers().filter(([, description]) => !description || description === 'Default Response')).toEqual([]);
  });

  it('shows a real example for every JSON answer, never a bare "string"', () => {
    const bare = answers()
      .filter(([, , answer]) => answer['content']?.['application/json'])
      .map(([where, , answer]) => {
        const json = answer['content']['application/json'];
        return [where, JSON.stringify(json.example ?? exampleOf(json.schema))];
      })
      .filter(([, example]) => example!.includes('"string"'));
    expect(bare).toEqual([]);
    const notFound = doc.paths['/api/apikey/{alias}'].get.responses['404'].content['application/json'];
    expect(notFound.example).toEqual({ error: 'API key not found' });
  });

  it('holds each schema once, every one used, none with an $id that breaks reference resolution', () => {
    const names = Object.keys(doc.components.schemas);
    expect(names.filter((name) => name.endsWith('Input') && names.includes(name.slice(0, -5)))).toEqual([]);
    const text = JSON.stringify(doc);
    for (const name of names) expect(text).toContain(`"#/components/schemas/${name}"`);
    for (const schema of Object.values<Schema>(doc.components.schemas)) {
      expect(schema['$id']).toBeUndefined();
      expect(schema['$schema']).toBeUndefined();
    }
    expect(names).toEqual(expect.arrayContaining(['Error', 'KeySummary', 'CreatedKey', 'Verification']));
  });

  it('has Swagger UI load and show /openapi.json', async () => {
    const page = await t.app.inject({ url: '/docs/static/swagger-initializer.js' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("url: '/openapi.json'");
    expect(page.body).not.toContain("resolveUrl('./json')");
  });

  it('documents the console routes and carries the package version', async () => {
    expect(doc.paths['/console'].get.tags).toEqual(['console']);
    expect(doc.paths['/console/{file}'].get).toBeDefined();
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(doc.info.version).toBe(version);
  });
});
