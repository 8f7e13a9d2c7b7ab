import { join } from 'node:path';
import type { Logger } from 'pino';
import { Counter, Registry } from 'prom-client';
import type { Config } from '../infrastructure/config';
import type { EventStore } from '../infrastructure/eventStore/port';
import { openSqliteEventStore } from '../infrastructure/eventStore/sqlite';
import { KeySealer } from '../infrastructure/keys/keyCrypto';
import { KeyService } from '../infrastructure/commands/keyCommands';
import { resolveSealSecret } from '../infrastructure/keys/sealSecret';
import { assertSecretOpensStore } from '../infrastructure/keys/sealCheck';
import { listenForMalformedEvents } from '../infrastructure/eventStore/apiKeyCodec';
import { AuthReadModel, KeyVerifier } from '../projections/readModel/authReadModel';
import { PeriodicSnapshotter } from '../projections/readModel/periodicSnapshotter';
import { ProjectionRunner } from '../projections/readModel/projectionRunner';
import { ReadModelSnapshots } from '../projections/readModel/snapshot';
import { STORE_SNAPSHOT_POLICY, StoreSnapshots } from '../projections/readModel/storeSnapshots';
import { openWebhooks, type Webhooks } from './webhookComposition';
import { LeakService } from '../infrastructure/leaks/leakCommands';
import { loadReportKeys, type ReportKey } from '../infrastructure/leaks/leakReportKeys';

export interface Keyledger {
  config: Config;
  /** Metrics of what the ledger handles, whatever way in sent it (HTTP, CLI, workers). */
  registry: Registry;
  /** Stored key events that could not be read (skipped by every reader). */
  malformedEvents(): number;
  store: EventStore;
  readModel: AuthReadModel;
  projection: ProjectionRunner;
  keys: KeyService;
  verifier: KeyVerifier;
  webhooks: Webhooks;
  leaks: LeakService;
  /** Keys a secret-scanning report may be signed with (LEAK_REPORT_PUBLIC_KEYS); none: every report is refused. */
  leakReportKeys: ReportKey[];
  close(): Promise<void>;
}

export const SQLITE_FILE = 'events.sqlite';

async function openStore(config: Config, logger: Logger): Promise<EventStore> {
  if (!config.EVENTSTORE_CONNECTION_STRING) return openSqliteEventStore(join(config.DATA_DIR, SQLITE_FILE));
  // Loaded on demand so that the embedded mode never pulls in the gRPC client.
  const { openEventStoreDb } = await import('../infrastructure/eventStore/eventStoreDb');
  logger.info({ store: 'eventstoredb' }, 'using EventStoreDB');
  return openEventStoreDb(config.EVENTSTORE_CONNECTION_STRING);
}

/** Wires the store, the read model and its projection, and the command service. */
export async function openKeyledger(
  config: Config,
  logger: Logger,
  options: {
    store?: EventStore;
    clock?: () => Date;
    /** Persist the read model in DATA_DIR (default true). */
    snapshots?: boolean;
    /** Run webhook delivery in this process (default true; the CLI does not). */
    deliverWebhooks?: boolean;
  } = {},
): Promise<Keyledger> {
  let leakReportKeys: ReportKey[] = [];
  try {
    if (config.LEAK_REPORT_PUBLIC_KEYS) leakReportKeys = loadReportKeys(config.LEAK_REPORT_PUBLIC_KEYS);
  } catch (error) {
    throw new Error(`LEAK_REPORT_PUBLIC_KEYS: ${error instanceof Error ? error.message : String(error)}`);
  }
  const store = options.store ?? (await openStore(config, logger));
  let malformed = 0;
  listenForMalformedEvents((recorded) => {
    if (malformed++ === 0)
      logger.warn(
        { streamName: recorded.streamName, position: recorded.position.toString(), type: recorded.type },
        'a stored key event cannot be read and is skipped (counted in keyledger_malformed_events_total; further ones are not logged)',
      );
  });
  const seal = resolveSealSecret(config.KEY_SEAL_SECRET, config.DATA_DIR);
  const sealer = new KeySealer(seal.secret);
  await assertSecretOpensStore(store, sealer).catch(async (error: unknown) => {
    if (!options.store) await store.close();
    throw error;
  });
  if (seal.source === 'file' && store.kind !== 'sqlite')
    logger.warn(
      { variable: 'KEY_SEAL_SECRET' },
      'KEY_SEAL_SECRET is not set: using the secret in DATA_DIR; every instance on this store must share one secret',
    );
  // The read model is loaded from its snapshot when there is a usable one; the projection goes on from its checkpoint.
  const snapshots =
    options.snapshots === false
      ? undefined
      : new ReadModelSnapshots({
          dir: config.DATA_DIR,
          store,
          address:
            store.kind === 'sqlite'
              ? ((store as { file?: string }).file ?? join(config.DATA_DIR, SQLITE_FILE))
              : (config.EVENTSTORE_CONNECTION_STRING ?? 'eventstoredb'),
          sealSecret: seal.secret,
          logger,
        });
  // With no usable local snapshot, EventStoreDB may hold one another instance published.
  const published =
    snapshots && store.kind === 'eventstoredb'
      ? new StoreSnapshots({ store, sealSecret: seal.secret, logger })
      : undefined;
  const readModel = (await snapshots?.load()) ?? (await published?.load()) ?? new AuthReadModel();
  const snapshotter = snapshots && new PeriodicSnapshotter(snapshots, readModel, logger);
  const publisher = published && new PeriodicSnapshotter(published, readModel, logger, STORE_SNAPSHOT_POLICY);
  const projection = new ProjectionRunner(store, readModel, logger);
  const registry = new Registry();
  const commands = new Counter({
    name: 'keyledger_commands_total',
    help: 'Commands handled, by type and outcome (HTTP, CLI and workers alike)',
    labelNames: ['type', 'outcome'],
    registers: [registry],
  });
  const keys = new KeyService(
    store,
    sealer,
    {
      aliasOfKeyHash: (hash) => readModel.aliasOfHash(hash),
      aliasesOfOwner: (owner) =>
        readModel
          .list()
          .filter((view) => view.owner === owner)
          .map((view) => view.alias),
      waitForPosition: (position) => projection.waitForPosition(position, config.READ_YOUR_WRITES_TIMEOUT_MS),
    },
    {
      ttlSeconds: config.KEY_TTL_SECONDS,
      maxTtlSeconds: config.MAX_KEY_TTL_SECONDS,
      keyPrefix: config.APIKEY_PREFIX,
      clock: options.clock,
      onOutcome: (type, outcome) => commands.inc({ type, outcome }),
    },
  );
  projection.start();
  snapshotter?.start();
  publisher?.start();
  const webhooks = openWebhooks({
    store,
    config,
    sealer,
    readModel,
    logger,
    deliver: options.deliverWebhooks !== false,
    clock: options.clock,
  });
  return {
    config,
    registry,
    malformedEvents: () => malformed,
    store,
    readModel,
    projection,
    keys,
    verifier: new KeyVerifier(readModel, config.APIKEY_PREFIX),
    webhooks,
    leaks: new LeakService(keys, { autoRevoke: config.LEAK_AUTO_REVOKE }),
    leakReportKeys,
    async close() {
      await webhooks.stop();
      await projection.stop();
      await snapshotter?.stop();
      await publisher?.stop();
      await store.close();
    },
  };
}
