import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { consoleRoutes, CONSOLE_CSP } from '../../api/console/routes';
import { startTestApp, tempDir, type TestApp } from '../support/testApp';
import { buildConsole } from './server';

let t: TestApp;
beforeAll(async () => {
  buildConsole();
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('GET /console', () => {
  it('serves the page with a CSP of its own origin only, the version, and no inline script', async () => {
    const page = await t.app.inject({ url: '/console' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toMatch(/^default-src 'self';/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(page.body).toContain(`<meta name="keyledger-version" content="${version}" />`);
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc="\/console\/app\.js")/);
    expect(page.body).not.toMatch(/\bstyle=|https?:\/\//);
    expect((await t.app.inject({ url: '/console/' })).body).toBe(page.body);
  });

  it('serves its script, style sheet and icon with the same headers, and nothing else', async () => {
    for (const [file, type] of [
      ['app.js', 'text/javascript; charset=utf-8'],
      ['app.css', 'text/css; charset=utf-8'],
      ['favicon.svg', 'image/svg+xml'],
    ]) {
      const res = await t.app.inject({ url: `/console/${file}` });
      expect([file, res.statusCode, res.headers['content-type']]).toEqual([file, 200, type]);
      expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
    }
    const script = (await t.app.inject({ url: '/console/app.js' })).body;
    expect(script).not.toMatch(/https?:\/\/(?!www\.w3\.org)/); // talks to its own origin only
    expect(script).not.toMatch(/localStorage|document\.cookie/);
    for (const url of ['/console/nope.js', '/console/..%2Fpackage.json', '/console/index.html/x'])
      expect((await t.app.inject({ url })).statusCode).toBe(404);
  });

  it('needs no key to load, while every API call it makes still needs the admin key', async () => {
    expect((await t.app.inject({ url: '/console' })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/api/apikey' })).statusCode).toBe(401);
  });

  it('answers 404 with a hint when the console was not built', async () => {
    const empty = tempDir('keyledger-console-empty-');
    const app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    await app.register(consoleRoutes, { dir: empty });
    const res = await app.inject({ url: '/console' });
    expect([res.statusCode, res.json()]).toEqual([404, { error: 'console not built: run npm run build' }]);
    await app.close();
    rmSync(empty, { recursive: true, force: true });
  });
});
