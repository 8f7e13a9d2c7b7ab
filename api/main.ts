import { buildApp } from './http/app';
import { openKeyledger } from './composition';
import { ConfigError, loadConfig, type Config } from '../infrastructure/config';
import { createLogger } from './http/logger';

const STARTUP_CATCH_UP_MS = 60_000;
/** A request still running after this long does not hold the process forever. */
const SHUTDOWN_DEADLINE_MS = 30_000;
const FIRST_ADMIN_KEY = 'npm run apikey -- create --alias root --name "Root admin" --roles admin';

/** The exact command that mints the first admin key on the store this service uses. */
function firstKeyCommand(config: Config): string {
  if (config.EVENTSTORE_CONNECTION_STRING)
    return `${FIRST_ADMIN_KEY} (with this service's EVENTSTORE_CONNECTION_STRING and KEY_SEAL_SECRET)`;
  if (config.DATA_DIR === './data') return FIRST_ADMIN_KEY;
  return `DATA_DIR='${config.DATA_DIR.replace(/'/g, `'\\''`)}' ${FIRST_ADMIN_KEY}`;
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`keyledger: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.LOG_LEVEL);
  // As PID 1 (a container) a signal without a handler is ignored: stop at once while starting, when no request
  // is in flight and every append already committed.
  const stopDuringStartUp = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'stopped during start-up');
    process.exit(0);
  };
  process.on('SIGTERM', stopDuringStartUp);
  process.on('SIGINT', stopDuringStartUp);
  const ledger = await openKeyledger(config, logger);
  await ledger.projection.catchUp(STARTUP_CATCH_UP_MS);
  const app = await buildApp({ ledger, logger, trustProxy: config.TRUST_PROXY });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down: draining requests');
    setTimeout(() => {
      logger.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, 'shutdown deadline passed; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    try {
      // Stops accepting, closes idle sockets, answers new requests on open ones with 503,
      // and waits for those in flight (whose commands then reach the store); then the store is closed.
      await app.close();
      await ledger.close();
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
    logger.info('stopped');
    process.exit(0);
  };
  process.off('SIGTERM', stopDuringStartUp);
  process.off('SIGINT', stopDuringStartUp);
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  const address = await app.listen({ host: config.HOST, port: config.PORT });
  logger.info(
    {
      address,
      store: ledger.store.kind,
      keys: ledger.readModel.size,
      checkpoint: ledger.readModel.checkpoint.toString(),
    },
    'keyledger ready',
  );
  if (ledger.readModel.size === 0)
    logger.info(`no keys yet: mint the first admin key with: ${firstKeyCommand(config)}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`keyledger: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
