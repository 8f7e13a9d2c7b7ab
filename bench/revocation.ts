/**
 * Benchmark 7: how long after a revocation is sent to keyledger a remote-plugin app refuses the
 * key, with the plugin's cache TTL at 60 s (the change feed evicts). keyledger runs as a child
 * process; the plugin app runs here and is polled over HTTP, one request at a time.
 */
import Fastify from 'fastify';
import { keyledgerAuth } from '../api/plugin/fastifyPlugin';
import { startServer, stopServer } from './httpProbe';
import { seedSqlite } from './seed';

export interface RevocationFigures {
  ms: number[];
  deleteMs: number[];
  feedCacheTtlMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function measureRevocations(
  env: NodeJS.ProcessEnv,
  count: number,
  dbFile: string,
): Promise<RevocationFigures> {
  const seeded = await seedSqlite(dbFile, { keys: count, returnKeys: count, aliasPrefix: 'rev-' });
  const service = await startServer('service', env);
  const base = `http://127.0.0.1:${service.port}`;
  const feedCacheTtlMs = 60_000;
  const app = Fastify();
  await app.register(keyledgerAuth, {
    verifyUrl: `${base}/api/apikey/verify`,
    changesKey: service.adminKey!, // admin (or agent) may read the feed
    feedCacheTtlMs,
  });
  app.get('/protected', { onRequest: app.requireAuth() }, async () => ({ ok: true }));
  const appUrl = `${await app.listen({ host: '127.0.0.1', port: 0 })}/protected`;
  const status = async (key: string) =>
    (
      await fetch(appUrl, { headers: { authorization: `Bearer ${key}` } }).then(async (r) => {
        await r.arrayBuffer();
        return r;
      })
    ).status;
  const figures: RevocationFigures = { ms: [], deleteMs: [], feedCacheTtlMs };
  try {
    await sleep(1_000); // the plugin's feed connects
    for (const { key } of seeded) {
      if ((await status(key)) !== 200) throw new Error('a seeded key was refused before its revocation');
      if ((await status(key)) !== 200) throw new Error('a seeded key was refused before its revocation');
      const start = performance.now();
      const revoked = fetch(`${base}/api/apikey/${key}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${service.adminKey!}` },
      }).then(async (r) => {
        await r.arrayBuffer();
        if (r.status !== 200) throw new Error(`revoke answered ${r.status}`);
        return performance.now() - start;
      });
      for (;;) {
        const s = await status(key);
        if (s === 401) break;
        if (s !== 200) throw new Error(`the plugin app answered ${s}`);
        if (performance.now() - start > 5_000) throw new Error('a revoked key was still accepted after 5 s');
      }
      figures.ms.push(performance.now() - start);
      figures.deleteMs.push(await revoked);
    }
  } finally {
    await app.close();
    await stopServer(service.child);
  }
  return figures;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}
