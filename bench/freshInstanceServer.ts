/**
 * The EventStoreDB test server in a process of its own (a child of bench/freshInstance.ts), so
 * that its CPU is not the measured process's. Secure mode, BatchAppend, as in production.
 * Seeding goes straight into its in-memory log (the bulk-load hook): appending a million
 * one-event streams over gRPC is not what is measured. Each event is what the service writes
 * for a new key (a real key, its SHA-256, a copy sealed with the bench's secret).
 *
 * IPC: sends { ready, connectionString }; on { seed: n, from: i } writes n ApiKeyCreated.v1 events
 * (one key each, aliases from index i) and answers { seeded, head }.
 */
import { randomUUID } from 'node:crypto';
import { storedEventType } from '../domain';
import { keyStreamName } from '../infrastructure/eventStore/apiKeyCodec';
import { displayPrefix, generateKey, hashKey, KeySealer } from '../infrastructure/keys/keyCrypto';
import { startEventStoreDbTestServer } from '../test/eventstoredb/testServer';
import { BENCH_SEAL_SECRET, DAY_MS, rolesFor } from './seed';

async function main(): Promise<void> {
  const server = await startEventStoreDbTestServer({ secure: true });
  const sealer = new KeySealer(BENCH_SEAL_SECRET);
  const type = storedEventType('ApiKeyCreated');
  process.on('message', (message: { seed?: number; from?: number }) => {
    if (message.seed === undefined) return;
    const start = Date.now() - 30 * DAY_MS;
    for (let i = message.from ?? 0; i < (message.from ?? 0) + message.seed; i++) {
      const alias = `svc-${i.toString().padStart(7, '0')}`;
      const key = generateKey('ak');
      const keyHash = hashKey(key);
      const at = new Date(start + i).toISOString();
      const data = {
        alias,
        name: `Service ${i}`,
        roles: rolesFor(i),
        keyHash,
        keyPrefix: displayPrefix(key),
        sealedKey: sealer.seal(key, keyHash),
        expire: new Date(start + i + 365 * DAY_MS).toISOString(),
        createdAt: at,
        owner: null,
        meta: null,
      };
      const metadata = {
        actor: 'bench',
        requestId: `seed-${i}`,
        correlationId: `seed-${i}`,
        causationId: `seed-${i}`,
        at,
      };
      server.bulkLoad(keyStreamName(alias), [
        {
          id: randomUUID(),
          type,
          contentType: 'application/json',
          data: Buffer.from(JSON.stringify(data)),
          customMetadata: Buffer.from(JSON.stringify(metadata)),
        },
      ]);
    }
    process.send!({ seeded: message.seed, head: server.headPosition().toString() });
  });
  process.on('disconnect', () => void server.stop().then(() => process.exit(0)));
  process.send!({ ready: true, connectionString: server.connectionString });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
