import { z } from 'zod';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { CONSOLE_FILES, loadConsoleAssets, packageVersion, type ConsoleFile } from './assets';

/**
 * Only the service's own origin: no CDN, no inline script or style, no framing. The console talks to the
 * public REST API with the admin key in the Authorization header, like curl; nothing here bypasses the admin check.
 */
export const CONSOLE_CSP = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const VERSION_PLACEHOLDER = '__KEYLEDGER_VERSION__';
const ASSET_NAMES: ReadonlySet<string> = new Set(Object.keys(CONSOLE_FILES));
const NOT_BUILT = 'console not built: run npm run build';

const html = z.string().meta({ description: 'The console page (text/html)', example: '<!doctype html>...' });
const notBuilt = z.object({ error: z.string() }).meta({ example: { error: NOT_BUILT } });

function securityHeaders(reply: FastifyReply, type: string): FastifyReply {
  return reply
    .header('content-type', type)
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-cache');
}

/** The admin console: static files built by `npm run build` into dist/console, served with a strict CSP. */
export const consoleRoutes: FastifyPluginAsyncZod<{ dir?: string }> = async (app, { dir }) => {
  const assets = loadConsoleAssets(dir);
  const page = assets?.get('index.html')?.toString('utf8').replace(VERSION_PLACEHOLDER, packageVersion());

  const sendFile = (reply: FastifyReply, name: ConsoleFile, body: string | Buffer | undefined) => {
    if (body === undefined) return reply.code(404).send({ error: NOT_BUILT });
    return securityHeaders(reply, CONSOLE_FILES[name]).send(body);
  };

  app.get(
    '/console',
    {
      schema: {
        tags: ['console'],
        summary: 'The admin console (a page in the browser; sign in with an admin key)',
        response: { 200: html, 404: notBuilt },
      },
    },
    async (_request, reply) => sendFile(reply, 'index.html', page),
  );

  app.get(
    '/console/:file',
    {
      schema: {
        tags: ['console'],
        summary: "The console's script, style sheet and icon (app.js, app.css, favicon.svg)",
        params: z.object({ file: z.string().meta({ example: 'app.js' }) }),
        response: { 200: z.string().meta({ description: 'The file', example: '...' }), 404: notBuilt },
      },
    },
    async (request, reply) => {
      const name = request.params.file;
      if (name === '' || name === 'index.html') return sendFile(reply, 'index.html', page);
      if (!ASSET_NAMES.has(name)) return reply.code(404).send({ error: 'not found' });
      return sendFile(reply, name as ConsoleFile, assets?.get(name as ConsoleFile));
    },
  );
};
