import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestApp, tempDir, type TestApp } from '../support/testApp';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const npm = (args: string[], cwd: string) =>
  run('npm', args, { cwd, env: { ...process.env, npm_config_loglevel: 'warn' } });

/** A scratch app protecting a route with the installed package, against a live keyledger. */
const APP = `
const Fastify = require('fastify');
const { keyledgerAuth } = require('@keyledger/fastify');
(async () => {
  const app = Fastify();
  await app.register(keyledgerAuth, { verifyUrl: process.env.VERIFY_URL, cacheTtlMs: 0 });
  app.get('/public', async () => ({ ok: true }));
  app.get('/backup', { onRequest: app.requireAuth({ roles: ['admin', 'agent'] }) }, async (r) => ({ by: r.keyPrincipal.alias }));
  const status = async (key) => {
    const res = await app.inject({ url: '/backup', headers: key ? { authorization: 'Bearer ' + key } : {} });
    return [res.statusCode, res.json()];
  };
  const out = {
    public: (await app.inject({ url: '/public' })).statusCode,
    none: await status(),
    junk: await status('ak_not-even-close'),
    admin: await status(process.env.ADMIN_KEY),
    user: await status(process.env.USER_KEY),
    loaded: [...new Set(Object.keys(require.cache).filter((f) => f.includes('node_modules'))
      .map((f) => f.split('node_modules/').pop().split('/').slice(0, f.split('node_modules/').pop().startsWith('@') ? 2 : 1).join('/')))],
  };
  await app.close();
  console.log(JSON.stringify(out));
})();
`;

/** The package's types, as a TypeScript user of it sees them. */
const TYPED = `
import Fastify from 'fastify';
import { keyledgerAuth, type KeyPrincipal, type RemoteVerifierOptions, VerifierUnavailableError } from '@keyledger/fastify';
const options: RemoteVerifierOptions = { verifyUrl: 'http://127.0.0.1:3000/api/apikey/verify', keyPrefix: 'ak' };
export async function build() {
  const app = Fastify();
  await app.register(keyledgerAuth, options);
  app.get('/me', { onRequest: app.requireAuth({ roles: ['admin'] }) }, async (request) => {
    const principal: KeyPrincipal | null = request.keyPrincipal;
    return { alias: principal?.alias, unavailable: VerifierUnavailableError.name };
  });
  return app;
}
`;

describe('@keyledger/fastify, packed and installed into a scratch app', () => {
  let dir: string;
  let t: TestApp;
  beforeAll(async () => {
    dir = tempDir('keyledger-pack-');
    t = await startTestApp({ env: { LOG_LEVEL: 'silent' } });
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('installs offline with fastify-plugin as its only dependency and protects a route', async () => {
    await npm(['run', '--silent', 'pack:fastify', '--', '--pack-destination', dir], ROOT);
    const app = join(dir, 'app');
    mkdirSync(join(app, 'node_modules'), { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', private: true }));
    // The app's own dependencies come from this checkout, so the test needs no registry.
    for (const dep of ['fastify', 'fastify-plugin'])
      symlinkSync(join(ROOT, 'node_modules', dep), join(app, 'node_modules', dep), 'dir');
    const tarball = join(dir, 'keyledger-fastify-0.1.0.tgz');
    await npm(['install', '--offline', '--no-audit', '--no-fund', '--no-package-lock', tarball], app);

    const installed = JSON.parse(readFileSync(join(app, 'node_modules/@keyledger/fastify/package.json'), 'utf8'));
    expect(installed.dependencies).toEqual({ 'fastify-plugin': expect.any(String) });

    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    writeFileSync(join(app, 'app.js'), APP);
    const { stdout } = await run(process.execPath, ['app.js'], {
      cwd: app,
      env: {
        PATH: process.env.PATH ?? '',
        VERIFY_URL: `${address}/api/apikey/verify`,
        ADMIN_KEY: t.adminKey,
        USER_KEY: await t.mint('plain-user', ['user']),
      },
    });
    const out = JSON.parse(stdout);
    expect(out.public).toBe(200);
    expect(out.none).toEqual([401, { error: 'authentication required' }]);
    expect(out.junk).toEqual([401, { error: 'invalid API key' }]);
    expect(out.admin).toEqual([200, { by: 'root-admin' }]);
    expect(out.user).toEqual([403, { error: 'one of admin, agent role required' }]);
    expect(out.loaded).toEqual(expect.arrayContaining(['@keyledger/fastify', 'fastify-plugin', 'fastify']));
    for (const server of ['better-sqlite3', '@eventstore/db-client', 'zod', 'fastify-type-provider-zod', 'uuid'])
      expect(out.loaded).not.toContain(server);

    writeFileSync(join(app, 'typed.ts'), TYPED);
    const tsc = require.resolve('typescript/bin/tsc');
    const typeRoots = join(ROOT, 'node_modules', '@types');
    await run(
      process.execPath,
      [tsc, '--noEmit', '--strict', '--esModuleInterop', '--module', 'commonjs', '--moduleResolution', 'node'].concat([
        '--target',
        'es2022',
        '--types',
        'node',
        '--typeRoots',
        typeRoots,
        'typed.ts',
      ]),
      { cwd: app },
    ).catch((error: { stdout?: string }) => {
      throw new Error(`the packed types do not compile:\n${error.stdout}`);
    });
  }, 120_000);
});
