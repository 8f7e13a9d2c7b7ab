import type { EventStore, NewEvent } from '../../infrastructure/eventStore/port';
import { openSqliteEventStore } from '../../infrastructure/eventStore/sqlite';
import { createLogger } from '../../api/http/logger';
import { AuthReadModel } from '../../projections/readModel/authReadModel';
import { ProjectionRunner } from '../../projections/readModel/projectionRunner';
import { startTestApp, tempDir, type TestApp } from '../support/testApp';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

const admin = (t: TestApp) => ({ authorization: `Bearer ${t.adminKey}` });
const metadata = {
  actor: 'intruder',
  requestId: 'r',
  correlationId: 'r',
  causationId: 'r',
  at: '2026-01-01T00:00:00.000Z',
};

describe('a malformed stored key event', () => {
  let t: TestApp;
  beforeEach(async () => (t = await startTestApp()));
  afterEach(async () => t.close());

  it('is skipped by every reader, counted in a metric and warned about once', async () => {
    await t.mint('before', ['user']);
    // Written behind the service's back: a type it knows, a body it cannot read.
    const bad = (data: Record<string, unknown>): NewEvent => ({
      id: randomUUID(),
      type: 'ApiKeyCreated.v1',
      data,
      metadata,
    });
    await t.ledger.store.appendToStream('apikey-broken', [bad({ alias: 'broken', roles: 'admin' })], 'no_stream');
    await t.ledger.store.appendToStream('apikey-broken2', [bad({ alias: 7 })], 'no_stream');
    await t.mint('after', ['user']);

    const feed = await t.app.inject({ url: '/api/audit?limit=50', headers: admin(t) });
    expect(feed.statusCode).toBe(200);
    const aliases = (feed.json() as { items: Array<{ alias: string }> }).items.map((i) => i.alias);
    expect(aliases).toEqual(expect.arrayContaining(['before', 'after']));
    const holders = await t.app.inject({ url: '/api/audit/holders?role=user', headers: admin(t) });
    expect(holders.statusCode).toBe(200);
    expect(t.ledger.readModel.findByAlias('broken')).toBeUndefined();
    expect(t.ledger.readModel.findByAlias('after')).toBeDefined();

    const metrics = await t.app.inject({ url: '/metrics' });
    expect(metrics.body).toMatch(/^keyledger_malformed_events_total [1-9]/m);
    const warnings = t.logs.filter((l) => l.includes('cannot be read and is skipped'));
    expect(warnings).toHaveLength(1);
  });
});

/** A store whose log can be swapped under a running projection (a restored backup). */
function swappable(initial: EventStore) {
  let current = initial;
  const store: EventStore = {
    kind: 'sqlite',
    appendToStream: (...a) => current.appendToStream(...a),
    readStream: (...a) => current.readStream(...a),
    readAll: (...a) => current.readAll(...a),
    subscribeToAll: (...a) => current.subscribeToAll(...a),
    headOfLog: () => current.headOfLog(),
    ping: () => current.ping(),
    close: () => current.close(),
  };
  return { store, swap: (next: EventStore) => (current = next) };
}

describe('a log that goes backwards', () => {
  it('is noticed, logged loudly, and the read model is rebuilt from the log it now has', async () => {
    const dir = tempDir();
    const created = (alias: string, keyHash: string): NewEvent => ({
      id: randomUUID(),
      type: 'ApiKeyCreated.v1',
      data: {
        alias,
        name: alias,
        roles: [],
        keyHash,
        keyPrefix: 'ak_x',
        sealedKey: 'v1.x',
        expire: '2099-01-01T00:00:00.000Z',
        createdAt: '2026-01-01T00:00:00.000Z',
      },
      metadata,
    });
    const newer = openSqliteEventStore(join(dir, 'newer.sqlite'));
    const older = openSqliteEventStore(join(dir, 'older.sqlite'));
    for (const alias of ['a', 'b', 'c'])
      await newer.appendToStream(`apikey-${alias}`, [created(alias, `h-${alias}`)], 'no_stream');
    await older.appendToStream('apikey-z', [created('z', 'h-z')], 'no_stream');
    const { store, swap } = swappable(newer);
    const lines: string[] = [];
    const runner = new ProjectionRunner(
      store,
      new AuthReadModel(),
      createLogger('info', { write: (l: string) => void lines.push(l) }),
    );
    runner.start();
    await runner.catchUp(5_000);
    expect(await runner.checkLogNotBehind()).toBe(true);
    expect(runner.readModel.findByHash('h-c')?.alias).toBe('c');

    swap(older);
    expect(await runner.checkLogNotBehind()).toBe(false);
    expect(lines.join('')).toContain('THE EVENT LOG IS BEHIND THE READ MODEL');
    await runner.catchUp(5_000);
    expect(runner.readModel.findByHash('h-c')).toBeUndefined();
    expect(runner.readModel.findByHash('h-z')?.alias).toBe('z');
    expect(runner.readModel.size).toBe(1);

    await runner.stop();
    await newer.close();
    await older.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('a projection stopped while it checks the log at (re)subscription', () => {
  it('stops without subscribing', async () => {
    const dir = tempDir();
    const inner = openSqliteEventStore(join(dir, 'events.sqlite'));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let subscriptions = 0;
    const store: EventStore = {
      ...swappable(inner).store,
      readAll: async (options) => {
        await gate;
        return inner.readAll(options);
      },
      subscribeToAll: (options) => {
        subscriptions++;
        return inner.subscribeToAll(options);
      },
    };
    const model = AuthReadModel.restore(5n, []);
    const runner = new ProjectionRunner(store, model, createLogger('silent'));
    runner.start();
    const stopped = runner.stop();
    release();
    await stopped;
    expect(subscriptions).toBe(0);
    await inner.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('a projection stopped while it waits to resubscribe', () => {
  it('stops at once instead of sitting out the backoff', async () => {
    const dir = tempDir();
    const inner = openSqliteEventStore(join(dir, 'events.sqlite'));
    let attempts = 0;
    const store: EventStore = {
      ...swappable(inner).store,
      subscribeToAll: () => {
        attempts++;
        throw new Error('store unavailable');
      },
    };
    const runner = new ProjectionRunner(store, new AuthReadModel(), createLogger('silent'));
    runner.start();
    // Several failures: the backoff has grown to seconds.
    await new Promise((r) => setTimeout(r, 1_700));
    expect(attempts).toBeGreaterThanOrEqual(4);
    const started = Date.now();
    await runner.stop();
    expect(Date.now() - started).toBeLessThan(500);
    await inner.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
