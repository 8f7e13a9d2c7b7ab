import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { SQLITE_FILE } from '../../api/composition';
import { EventStoreUnavailableError, type EventStore } from '../../infrastructure/eventStore/port';
import { openSqliteEventStore } from '../../infrastructure/eventStore/sqlite';
import { startTestApp, tempDir, type TestApp } from '../support/testApp';

let t: TestApp;
afterEach(async () => {
  await t.close();
});

const metricValue = (text: string, series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no ${series} in metrics`);
  return Number(line.slice(series.length + 1));
};

/** Appends a key event behind the projection's back, as another process would. */
async function appendForeignEvent(store: EventStore): Promise<void> {
  await store.appendToStream(
    `apikey-ghost-${randomUUID()}`,
    [
      {
        id: randomUUID(),
        type: 'ApiKeyCreated',
        data: {},
        metadata: { actor: 't', requestId: 'r', correlationId: 'r', causationId: 'r', at: new Date().toISOString() },
      },
    ],
    'no_stream',
  );
}

describe('GET /healthz and /readyz', () => {
  it('answers ok and ready when the store answers and the read model is caught up', async () => {
    t = await startTestApp();
    expect((await t.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready' });
    expect(ready.json().checkpoint).toBe(ready.json().head);
  });

  it('answers 503 with the reasons when the projection stopped and the read model is behind the store', async () => {
    t = await startTestApp();
    await t.ledger.projection.stop();
    await appendForeignEvent(t.ledger.store);
    const res = await t.app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      status: 'not ready',
      reasons: ['projection_not_subscribed', 'read_model_behind'],
    });
    expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200);

    const metrics = (await t.app.inject({ url: '/metrics' })).body;
    expect(metricValue(metrics, 'keyledger_projection_lag_events')).toBe(1);
    expect(metricValue(metrics, 'keyledger_projection_lag_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('answers 503 when the store does not answer', async () => {
    const dataDir = tempDir();
    const real = openSqliteEventStore(join(dataDir, SQLITE_FILE));
    let down = false;
    const store = new Proxy(real, {
      get(target, prop) {
        if (prop === 'ping' && down)
          return () => Promise.reject(new EventStoreUnavailableError(new Error('disk I/O error at /srv/secret/path')));
        const value: unknown = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    t = await startTestApp({ store, dataDir });
    expect((await t.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    down = true;
    const res = await t.app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(503);
    // A reason code for anyone; the internal details only in the log.
    expect(res.json()).toEqual({ status: 'not ready', reasons: ['store_unreachable'] });
    expect(res.body).not.toContain('/srv/secret/path');
    expect(t.logs.join('')).toContain('/srv/secret/path');
  });
});

describe('GET /readyz without reading the log', () => {
  it('is not ready until the store confirmed the subscription and the model caught up, whatever the log size', async () => {
    const dataDir = tempDir();
    const real = openSqliteEventStore(join(dataDir, SQLITE_FILE));
    const reads: string[] = [];
    const store = new Proxy(real, {
      get(target, prop) {
        // A store whose subscriptions never say they were confirmed or caught up.
        if (prop === 'subscribeToAll')
          return (options: Parameters<EventStore['subscribeToAll']>[0]) =>
            real.subscribeToAll({
              ...options,
              onConfirmed: undefined,
              onCaughtUp: undefined,
            });
        if (prop === 'readAll') reads.push('readAll');
        const value: unknown = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    t = await startTestApp({ store, dataDir });
    reads.length = 0;
    const res = await t.app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'not ready', reasons: ['projection_not_subscribed', 'read_model_behind'] });
    // The answer came from the subscription's own signals and one read of the log's head.
    expect(reads).toEqual([]);
  });
});

describe('GET /metrics', () => {
  it('exposes verifications by code, commands by type and outcome, latency, lag and read-model size', async () => {
    t = await startTestApp();
    const admin = { authorization: `Bearer ${t.adminKey}` };
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/apikey',
      headers: admin,
      payload: { alias: 'a', name: 'A' },
    });
    await t.app.inject({ method: 'POST', url: '/api/apikey', headers: admin, payload: { alias: 'a', name: 'A' } });
    await t.app.inject({ method: 'POST', url: '/api/apikey', headers: admin, payload: { alias: '', name: 'A' } });
    await t.app.inject({ method: 'POST', url: '/api/apikey', payload: { alias: 'b', name: 'B' } }); // 401: no command
    const key: string = created.json().key;
    await t.app.inject({ method: 'POST', url: '/api/apikey/verify', payload: { key } });
    await t.app.inject({ method: 'POST', url: '/api/apikey/verify', payload: { key: 'ak_nope' } });
    await t.app.inject({ method: 'POST', url: '/api/apikey/verify', payload: { key: 'ak_nope' } });
    await t.app.inject({ method: 'DELETE', url: `/api/apikey/${key}`, headers: admin });
    await t.app.inject({ method: 'DELETE', url: `/api/apikey/${key}`, headers: admin });

    const res = await t.app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const m = res.body;
    expect(metricValue(m, 'keyledger_verifications_total{code="VALID"}')).toBe(1);
    expect(metricValue(m, 'keyledger_verifications_total{code="MALFORMED"}')).toBe(2);
    // Counted where commands are handled: the admin key minted straight through the service
    // (as the CLI does) counts as well as the one created over HTTP.
    expect(metricValue(m, 'keyledger_commands_total{type="CreateOrRenewKey",outcome="created"}')).toBe(2);
    expect(metricValue(m, 'keyledger_commands_total{type="CreateOrRenewKey",outcome="renewed"}')).toBe(1);
    // A body refused when parsed never became a command.
    expect(m).not.toMatch(/keyledger_commands_total\{[^}]*outcome="rejected"/);
    expect(metricValue(m, 'keyledger_commands_total{type="RevokeKey",outcome="revoked"}')).toBe(1);
    expect(metricValue(m, 'keyledger_commands_total{type="RevokeKey",outcome="not_found"}')).toBe(1);
    expect(m).not.toMatch(/outcome="(error|unauthorized)"/);
    expect(
      metricValue(
        m,
        'keyledger_http_request_duration_seconds_count{method="POST",route="/api/apikey/verify",status_code="200"}',
      ),
    ).toBe(3);
    expect(metricValue(m, 'keyledger_read_model_keys')).toBe(2);
    expect(metricValue(m, 'keyledger_projection_lag_events')).toBe(0);
    expect(metricValue(m, 'keyledger_projection_lag_seconds')).toBe(0);
  });

  it('keeps one registry per app, so two apps count separately', async () => {
    t = await startTestApp();
    const other = await startTestApp();
    try {
      await other.app.inject({ method: 'POST', url: '/api/apikey/verify', payload: { key: 'ak_x' } });
      const mine = (await t.app.inject({ url: '/metrics' })).body;
      const theirs = (await other.app.inject({ url: '/metrics' })).body;
      expect(mine).not.toContain('keyledger_verifications_total{code="MALFORMED"}');
      expect(metricValue(theirs, 'keyledger_verifications_total{code="MALFORMED"}')).toBe(1);
    } finally {
      await other.close();
    }
  });
});
