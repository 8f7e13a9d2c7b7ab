/**
 * Store outage on EventStoreDB (through the wire-level test server): stop the server mid-run.
 * Commands answer 503 (with Retry-After) quickly; verification and admin reads keep answering
 * from the read model; readiness says not ready. Restart the server while another instance
 * writes: the projection resubscribes from its checkpoint and receives every event once, in
 * order (no gap, no duplicate), and the read model equals a rebuild from the log.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { openKeyledger, type Keyledger } from '../../api/composition';
import type { EventStore, RecordedEvent, SubscribeOptions, Subscription } from '../../infrastructure/eventStore/port';
import { startTestApp, type TestApp } from '../support/testApp';
import { rebuild, snapshot, waitFor } from '../support/reliability';

const ready =
  existsSync(join(__dirname, '..', 'eventstoredb', 'testServer.ts')) &&
  existsSync(join(__dirname, '..', '..', 'infrastructure', 'eventStore', 'eventStoreDb.ts'));

/** Records every subscription's start and every event it delivers. */
function spyOnSubscriptions(store: EventStore) {
  const starts: Array<bigint | undefined> = [];
  const delivered: bigint[] = [];
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      if (prop !== 'subscribeToAll') return (value as (...a: unknown[]) => unknown).bind(target);
      return (options: SubscribeOptions = {}): Subscription => {
        starts.push(options.after);
        const sub = target.subscribeToAll(options);
        return {
          [Symbol.asyncIterator]() {
            const it = sub[Symbol.asyncIterator]();
            return {
              async next() {
                const r = await it.next();
                if (!r.done) delivered.push((r.value as RecordedEvent).position);
                return r;
              },
              return: (v?: unknown) => it.return?.(v) ?? Promise.resolve({ done: true as const, value: undefined }),
              throw: (e?: unknown) => it.throw?.(e) ?? Promise.reject(e),
            };
          },
          close: () => sub.close(),
        };
      };
    },
  });
  return { store: proxy, starts, delivered };
}

(ready ? describe : describe.skip)('store outage (EventStoreDB test server)', () => {
  const SECRET = 'outage-suite-seal-secret-0123456789abcdef-xyz';
  let server: Awaited<ReturnType<typeof import('../eventstoredb/testServer').startEventStoreDbTestServer>>;
  let t: TestApp;
  let other: Keyledger | undefined;
  let spy: ReturnType<typeof spyOnSubscriptions>;

  beforeAll(async () => {
    const { startEventStoreDbTestServer } = await import('../eventstoredb/testServer');
    const { openEventStoreDb } = await import('../../infrastructure/eventStore/eventStoreDb');
    server = await startEventStoreDbTestServer();
    spy = spyOnSubscriptions(openEventStoreDb(server.connectionString));
    t = await startTestApp({
      store: spy.store,
      env: { KEY_SEAL_SECRET: SECRET, READ_YOUR_WRITES_TIMEOUT_MS: '3000', VERIFY_RATE_LIMIT_MAX: '1000000' },
    });
  });
  afterAll(async () => {
    await other?.close();
    await t?.close();
    await server?.stop();
  });

  it('answers 503 fast while the store is down, keeps verifying, and resumes with no gap and no duplicate', async () => {
    const admin = { authorization: `Bearer ${t.adminKey}` };
    const create = (alias: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/apikey',
        headers: admin,
        payload: { alias, name: alias, roles: ['user'] },
      });
    const kept = (await create('kept')).json<{ key: string }>().key;
    const gone = (await create('gone')).json<{ key: string }>().key;
    expect((await t.app.inject({ method: 'DELETE', url: `/api/apikey/${gone}`, headers: admin })).statusCode).toBe(200);
    const checkpointBefore = t.ledger.readModel.checkpoint;

    await server.stop();

    // Commands: 503 with Retry-After, quickly.
    for (const attempt of [
      () => create('during-outage'),
      () => create('kept'),
      () => t.app.inject({ method: 'DELETE', url: `/api/apikey/${kept}`, headers: admin }),
    ]) {
      const started = Date.now();
      const res = await attempt();
      const took = Date.now() - started;
      expect({ status: res.statusCode, body: res.json<object>() }).toEqual({
        status: 503,
        body: { error: expect.any(String) as string },
      });
      expect(res.headers['retry-after']).toBeDefined();
      expect(took).toBeLessThan(5_000);
    }
    // Verification and admin reads: from the read model, as before the outage.
    const verify = (key: string) => t.app.inject({ method: 'POST', url: '/api/apikey/verify', payload: { key } });
    expect((await verify(kept)).json()).toMatchObject({ valid: true, code: 'VALID', alias: 'kept' });
    expect((await verify(gone)).json()).toMatchObject({ valid: false, code: 'REVOKED' });
    expect(t.ledger.verifier.verify(kept).code).toBe('VALID');
    const list = await t.app.inject({ method: 'GET', url: '/api/apikey', headers: admin });
    expect(list.statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    expect(t.ledger.readModel.findByAlias('during-outage')).toBeUndefined();
    expect(t.ledger.readModel.checkpoint).toBe(checkpointBefore);

    // Back up; another instance writes at once, before this one has resubscribed.
    await server.restart();
    const { openEventStoreDb } = await import('../../infrastructure/eventStore/eventStoreDb');
    other = await openKeyledger(t.config, pino({ level: 'silent' }), {
      store: openEventStoreDb(server.connectionString),
    });
    await other.projection.catchUp(10_000);
    const origin = { actor: 'other', requestId: 'other-1' };
    const fromOther = (await other.keys.createOrRenew({ alias: 'from-other', name: 'x', roles: [] }, origin)).key!;
    await other.keys.revoke(kept, { actor: 'other', requestId: 'other-2' });

    // This instance resubscribes from its checkpoint and catches up.
    await waitFor(
      () => t.ledger.readModel.findByAlias('from-other') !== undefined,
      'events of the other instance',
      20_000,
    );
    await waitFor(
      () => t.ledger.verifier.verify(kept).code === 'REVOKED',
      'revocation from the other instance',
      10_000,
    );
    expect(t.ledger.verifier.verify(fromOther).code).toBe('VALID');
    const after = await create('after-outage');
    expect(after.statusCode).toBe(201);
    await waitFor(
      async () => (await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200,
      'ready again',
    );

    // No gap, no duplicate: every key event delivered exactly once, in order, across subscriptions.
    const keyEvents = (await t.ledger.store.readAll({ streamPrefixes: ['apikey-'] })).map((e) => e.position);
    expect(spy.delivered).toEqual(keyEvents);
    expect(spy.starts.length).toBeGreaterThan(1);
    // Each resubscription started from the checkpoint the model had reached.
    expect(spy.starts.slice(1)).toContain(checkpointBefore);
    expect(snapshot(t.ledger.readModel)).toEqual(snapshot(await rebuild(t.ledger.store)));
  });
});
