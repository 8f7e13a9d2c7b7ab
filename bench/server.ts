/**
 * Child process of the HTTP benchmarks. argv[2]: `bare` (a Fastify with one route that
 * answers a fixed JSON: the floor) or `service` (keyledger as main.ts builds it, on
 * DATA_DIR). Listens on 127.0.0.1:0 and sends {port, adminKey?} to the parent.
 */
import Fastify from 'fastify';
import { buildApp } from '../api/http/app';
import { openKeyledger } from '../api/composition';
import { createLogger } from '../api/http/logger';
import { loadConfig } from '../infrastructure/config';

export const FIXED_VERIFICATION = {
  valid: true,
  code: 'VALID',
  alias: 'svc-0000001',
  name: 'Service 1',
  roles: ['user'],
  expire: '2030-01-01T00:00:00.000Z',
};

/** The shape of GET /api/apikey/:alias (keySummary). */
export const FIXED_SUMMARY = {
  alias: 'svc-0000001',
  name: 'Service 1',
  roles: ['user'],
  is_active: true,
  status: 'active',
  expire: '2030-01-01T00:00:00.000Z',
  key_prefix: 'ak_3kTMd9',
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  last_used_at: null,
};

async function main(): Promise<void> {
  if (process.argv[2] === 'bare') {
    const app = Fastify();
    app.post('/api/apikey/verify', async () => FIXED_VERIFICATION);
    app.get('/api/apikey/:alias', async () => FIXED_SUMMARY);
    await app.listen({ host: '127.0.0.1', port: 0 });
    process.send!({ port: (app.server.address() as { port: number }).port });
    return;
  }
  const config = loadConfig(process.env);
  const logger = createLogger(config.LOG_LEVEL);
  const ledger = await openKeyledger(config, logger);
  await ledger.projection.catchUp(600_000);
  const admin = await ledger.keys.createOrRenew(
    { alias: 'bench-admin', name: 'Bench admin', roles: ['admin'] },
    { actor: 'bench', requestId: 'bench-admin' },
  );
  const app = await buildApp({ ledger, logger });
  await app.listen({ host: '127.0.0.1', port: 0 });
  process.send!({ port: (app.server.address() as { port: number }).port, adminKey: admin.key });
  process.on('SIGTERM', () => {
    void app
      .close()
      .then(() => ledger.close())
      .then(() => process.exit(0));
  });
}

void main();
