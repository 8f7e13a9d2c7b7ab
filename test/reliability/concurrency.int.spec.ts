/**
 * Concurrency: racing commands on one alias never produce two keys, lost updates or 5xx,
 * within one instance (the in-process lock) and across two instances on one store
 * (only the store's optimistic concurrency check keeps them honest).
 */
import type { FastifyInstance } from 'fastify';
import type { LightMyRequestResponse } from 'fastify';
import { rmSync } from 'node:fs';
import pino from 'pino';
import { buildApp } from '../../api/http/app';
import { openKeyledger, type Keyledger } from '../../api/composition';
import { keyStreamName } from '../../infrastructure/eventStore/apiKeyCodec';
import {
  authHeader,
  describeEachBackend,
  foldStreams,
  rebuild,
  snapshot,
  SLOW,
  type BackendRun,
} from '../support/reliability';

const N = 100;
const RACE_ROUNDS = SLOW ? 20 : 4;

function createOrRenew(app: FastifyInstance, adminKey: string, alias: string, i: number) {
  return app.inject({
    method: 'POST',
    url: '/api/apikey',
    headers: authHeader(adminKey),
    payload: { alias, name: `name ${i}`, roles: i % 2 ? ['user'] : ['agent', 'creator'] },
  });
}

function expectNo5xx(responses: LightMyRequestResponse[], logs: string[] = []): void {
  const bad = responses.filter((r) => r.statusCode >= 500).map((r) => `${r.statusCode} ${r.body}`);
  // On failure, show what the service logged about it.
  const errors = bad.length ? logs.filter((l) => /"level":(50|40)/.test(l)).slice(0, 3) : [];
  expect({ bad, errors }).toEqual({ bad: [], errors: [] });
}

describeEachBackend('concurrency', (backend) => {
  let run: BackendRun;
  let second: { ledger: Keyledger; app: FastifyInstance } | undefined;

  beforeEach(async () => {
    run = await backend.start();
  });
  afterEach(async () => {
    await second?.app.close();
    await second?.ledger.close();
    second = undefined;
    await run.close();
  });

  /** A second instance on the same store, as another process would be. */
  async function startSecondInstance() {
    const ledger = await openKeyledger(run.t.config, pino({ level: 'silent' }), { store: await run.openStore() });
    await ledger.projection.catchUp(10_000);
    const app = await buildApp({ ledger, logger: pino({ level: 'silent' }) });
    second = { ledger, app };
    return second;
  }

  async function checkCreateRace(apps: FastifyInstance[], alias: string) {
    const responses = await Promise.all(
      Array.from({ length: N }, (_, i) => createOrRenew(apps[i % apps.length]!, run.t.adminKey, alias, i)),
    );
    expectNo5xx(responses, run.t.logs);
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(N - 1);
    const keys = new Set(responses.map((r) => (r.json() as { key: string }).key));
    expect(keys.size).toBe(1);
    expect(responses.filter((r) => (r.json() as { renewed: boolean }).renewed)).toHaveLength(N - 1);

    const stream = await run.t.ledger.store.readStream(keyStreamName(alias));
    expect(stream.map((e) => e.type)).toEqual(['ApiKeyCreated.v2', ...Array<string>(N - 1).fill('ApiKeyRenewed.v2')]);
    expect(stream.map((e) => Number(e.revision))).toEqual(Array.from({ length: N }, (_, i) => i));
    // Every answer is one of the appended events (its request id is in the metadata, once).
    const requestIds = stream.map((e) => e.metadata.requestId);
    expect(new Set(requestIds).size).toBe(N);
    // The key answered is the key the read model authenticates.
    const [key] = [...keys];
    expect(run.t.ledger.verifier.verify(key!).code).toBe('VALID');
  }

  it(`${N} concurrent create-or-renew of one alias on one instance: one key, one creation, ${N - 1} renewals`, async () => {
    await checkCreateRace([run.t.app], 'hot-alias');
  });

  it(`${N} concurrent create-or-renew of one alias split over two instances on one store`, async () => {
    const other = await startSecondInstance();
    await checkCreateRace([run.t.app, other.app], 'hot-alias-2');
    // The in-process lock cannot serialize two instances: the store's revision check must have.
    expect(run.conflicts()).toBeGreaterThan(0);
    // Each instance also applies the other's events (by polling / its subscription).
    await other.ledger.projection.catchUp(10_000);
    await run.t.ledger.projection.catchUp(10_000);
    expect(snapshot(other.ledger.readModel)).toEqual(snapshot(run.t.ledger.readModel));
  });

  async function raceRevokeAndRenew(apps: FastifyInstance[], round: number) {
    const alias = `race-${round}`;
    const key = await run.t.mint(alias, ['user']);
    for (const l of [run.t.ledger, second?.ledger]) await l?.projection.catchUp(10_000);
    const ops = Array.from({ length: 20 }, (_, i) => {
      const app = apps[i % apps.length]!;
      return i % 2 === 0
        ? app.inject({ method: 'DELETE', url: `/api/apikey/${key}`, headers: authHeader(run.t.adminKey) })
        : createOrRenew(app, run.t.adminKey, alias, i);
    });
    const responses = await Promise.all(ops);
    expectNo5xx(responses, run.t.logs);
    for (const r of responses) expect([200, 404]).toContain(r.statusCode);

    const stream = await run.t.ledger.store.readStream(keyStreamName(alias));
    const types = stream.map((e) => e.type);
    const revokesAnswered = responses.filter((r, i) => i % 2 === 0 && r.statusCode === 200).length;
    const renewsAnswered = responses.filter((r, i) => i % 2 === 1 && r.statusCode === 200).length;
    expect(renewsAnswered).toBe(10);
    // Every 200 is exactly one event, and no event was written for a 404.
    expect(types.filter((t) => t === 'ApiKeyRevoked.v1')).toHaveLength(revokesAnswered);
    expect(types.filter((t) => t === 'ApiKeyRenewed.v2')).toHaveLength(renewsAnswered);

    const last = types[types.length - 1];
    const folded = foldStreams(stream).get(alias);
    for (const l of [run.t.ledger, second?.ledger]) {
      if (!l) continue;
      await l.projection.catchUp(10_000);
      const view = l.readModel.findByAlias(alias)!;
      expect(view.status === 'active').toBe(last !== 'ApiKeyRevoked.v1');
      expect(folded?.status).toBe(last === 'ApiKeyRevoked.v1' ? 'revoked' : 'active');
      if (folded?.status !== 'absent') {
        expect(view.expire).toBe(folded!.expire);
        expect(view.updatedAt).toBe(folded!.updatedAt);
        expect(view.name).toBe(folded!.name);
        expect(view.roles).toEqual(folded!.roles);
      }
      expect(l.verifier.verify(key).code).toBe(last === 'ApiKeyRevoked.v1' ? 'REVOKED' : 'VALID');
    }
    return last;
  }

  it(`concurrent revoke and renew of one key end in the state of the stream's last event (${RACE_ROUNDS} rounds)`, async () => {
    for (let round = 0; round < RACE_ROUNDS; round++) await raceRevokeAndRenew([run.t.app], round);
    expect(snapshot(run.t.ledger.readModel)).toEqual(snapshot(await rebuild(run.t.ledger.store)));
  });

  it(`concurrent revoke and renew across two instances on one store (${RACE_ROUNDS} rounds)`, async () => {
    const other = await startSecondInstance();
    for (let round = 0; round < RACE_ROUNDS; round++) await raceRevokeAndRenew([run.t.app, other.app], round);
    const rebuilt = snapshot(await rebuild(run.t.ledger.store));
    expect(snapshot(run.t.ledger.readModel)).toEqual(rebuilt);
    expect(snapshot(other.ledger.readModel)).toEqual(rebuilt);
  });
});

describe('contention that outlasts the retries', () => {
  it('answers 409 with Retry-After (not 500) and appends nothing', async () => {
    const { openSqliteEventStore } = await import('../../infrastructure/eventStore/sqlite');
    const { WrongExpectedRevisionError } = await import('../../infrastructure/eventStore/port');
    const { startTestApp, tempDir } = await import('../support/testApp');
    const dataDir = tempDir();
    let conflicting = false;
    const real = openSqliteEventStore(`${dataDir}/events.sqlite`);
    // Another writer always wins the race: every append meets a newer revision.
    const store = new Proxy(real, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        if (prop === 'appendToStream' && conflicting)
          return async (stream: string) => {
            throw new WrongExpectedRevisionError(stream, 'no_stream', 0n);
          };
        return (value as (...a: unknown[]) => unknown).bind(target);
      },
    });
    const t = await startTestApp({ store, dataDir });
    try {
      const head = real.lastPosition();
      conflicting = true;
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/apikey',
        headers: authHeader(t.adminKey),
        payload: { alias: 'contended', name: 'c' },
      });
      expect(res.statusCode).toBe(409);
      expect(res.headers['retry-after']).toBeDefined();
      expect(res.json()).toEqual({ error: expect.any(String) as string });
      expect(real.lastPosition()).toBe(head);
    } finally {
      conflicting = false;
      await t.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
