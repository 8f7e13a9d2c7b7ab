import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import type { EventMetadata } from '../../infrastructure/eventStore/port';
import { describeEachBackend, waitFor, type BackendRun } from '../support/reliability';
import type { TestApp } from '../support/testApp';

interface Fixture {
  sealSecret: string;
  keys: Record<string, string>;
  events: { streamName: string; type: string; data: Record<string, unknown>; metadata: EventMetadata }[];
}
/** A log written by the first release (every event .v1), with the secret that sealed its keys. */
const fixture = JSON.parse(readFileSync(join(__dirname, '../fixtures/v1-log.json'), 'utf8')) as Fixture;

describeEachBackend('a committed v1 log', (backend) => {
  let run: BackendRun;
  let t: TestApp;
  beforeEach(async () => {
    run = await backend.start({ env: { KEY_SEAL_SECRET: fixture.sealSecret } });
    t = run.t;
    for (const e of fixture.events)
      await t.ledger.store.appendToStream(
        e.streamName,
        [{ id: uuidv7(), type: e.type, data: e.data, metadata: e.metadata }],
        'any',
      );
    await waitFor(() => t.ledger.readModel.findByAlias('old-agent')?.status === 'revoked', 'the v1 log in the model');
  });
  afterEach(async () => {
    await run.close();
  });

  const admin = () => ({ authorization: `Bearer ${t.adminKey}` });
  const verify = async (key: string) =>
    (await t.app.inject({ method: 'POST', url: '/api/apikey/verify', payload: { key } })).json();

  it('loads: keys, renewals and revocations as they were, owner and meta null', async () => {
    const billing = await t.app.inject({ url: '/api/apikey/billing', headers: admin() });
    expect(billing.json()).toMatchObject({
      name: 'Billing',
      roles: ['user', 'agent'],
      expire: '2026-01-20T10:00:00.000Z',
      owner: null,
      meta: null,
      key_prefix: fixture.keys.billing!.slice(0, 8),
    });
    expect(await verify(fixture.keys['old-agent']!)).toMatchObject({ code: 'REVOKED', alias: 'old-agent' });
    const history = (await t.app.inject({ url: '/api/apikey/billing/history', headers: admin() })).json();
    expect(history.items.map((i: { type: string; version: number }) => `${i.type}.v${i.version}`)).toEqual([
      'ApiKeyCreated.v1',
      'ApiKeyRenewed.v1',
    ]);
  });

  it('renews (handing back the sealed v1 key) and revokes', async () => {
    const renewed = await t.app.inject({
      method: 'POST',
      url: '/api/apikey',
      headers: admin(),
      payload: { alias: 'billing', name: 'Billing', roles: ['user'], owner: 'finance' },
    });
    expect(renewed.statusCode).toBe(200);
    expect(renewed.json()).toMatchObject({ key: fixture.keys.billing, renewed: true, owner: 'finance' });
    expect(await verify(fixture.keys.billing!)).toMatchObject({ valid: true, owner: 'finance' });

    const reactivated = await t.app.inject({
      method: 'POST',
      url: '/api/apikey',
      headers: admin(),
      payload: { alias: 'old-agent', name: 'Old agent', roles: ['agent'] },
    });
    expect(reactivated.json()).toMatchObject({ key: fixture.keys['old-agent'], is_active: true });

    const revoked = await t.app.inject({ method: 'POST', url: '/api/apikey/billing/revoke', headers: admin() });
    expect(revoked.statusCode).toBe(200);
    expect((await verify(fixture.keys.billing!)).code).toBe('REVOKED');
    const byKey = await t.app.inject({
      method: 'DELETE',
      url: `/api/apikey/${fixture.keys['ops-admin']}`,
      headers: admin(),
    });
    expect(byKey.statusCode).toBe(200);
    const types = (await t.ledger.store.readStream('apikey-billing')).map((e) => e.type);
    expect(types).toEqual(['ApiKeyCreated.v1', 'ApiKeyRenewed.v1', 'ApiKeyRenewed.v2', 'ApiKeyRevoked.v1']);
  });
});
