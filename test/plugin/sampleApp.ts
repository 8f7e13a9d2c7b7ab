import Fastify, { type FastifyInstance } from 'fastify';
import { keyledgerAuth, type KeyledgerAuthOptions } from '../../api/plugin/fastifyPlugin';

/** Another service protecting its routes the way the seed protects markdown, patch and backup. */
export async function sampleApp(options: KeyledgerAuthOptions): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(keyledgerAuth, options);
  app.get('/public', async () => ({ ok: true }));
  app.get('/me', { onRequest: app.requireAuth() }, async (request) => request.keyPrincipal);
  app.get(
    '/markdown',
    { preHandler: app.requireAuth({ roles: ['admin', 'creator', 'user', 'agent'] }) },
    async (r) => ({
      alias: r.keyPrincipal?.alias,
    }),
  );
  app.patch('/markdown', { onRequest: app.requireAuth({ roles: ['admin', 'creator', 'agent'] }) }, async () => ({
    patched: true,
  }));
  app.get('/backup', { onRequest: app.requireAuth({ roles: ['admin', 'agent'] }) }, async () => ({ backup: true }));
  app.get('/config', { onRequest: app.requireAuth({ roles: ['admin'] }) }, async () => ({ config: true }));
  await app.ready();
  return app;
}
