/**
 * `keyledger/server`: what an app needs to run keyledger in its own process, e.g. to feed the
 * Fastify plugin's in-process mode: `keyledgerAuth` with `{ readModel: ledger.readModel, keyPrefix }`.
 */
export { openKeyledger, type Keyledger } from './composition';
export { loadConfig, ConfigError, type Config } from '../infrastructure/config';
export { createLogger } from './http/logger';
export { buildApp } from './http/app';
