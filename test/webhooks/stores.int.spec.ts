import { openKeyledger, type Keyledger } from '../../api/composition';
import { createLogger } from '../../api/http/logger';
import { describeEachBackend, type BackendRun } from '../support/reliability';
import { waitFor } from '../support/wait';
import { WebhookReceiver } from '../support/webhookReceiver';

const ENV = { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_BASE_MS: '50', WEBHOOK_RETRY_MAX_MS: '400' };

// Delivery progress lives in the log (webhookdelivery-<id>), so it works on either store and is
// shared by every instance on it.
describeEachBackend('webhook delivery', (backend) => {
  let run: BackendRun;
  let receiver: WebhookReceiver;
  let second: Keyledger | undefined;
  beforeEach(async () => {
    receiver = await new WebhookReceiver().start();
    run = await backend.start({ env: ENV });
  });
  afterEach(async () => {
    await second?.close();
    second = undefined;
    await run.close();
    await receiver.stop();
  });

  it('delivers signed events in order, and a new instance resumes from the progress in the store', async () => {
    const { t } = run;
    const auth = { authorization: `Bearer ${t.adminKey}` };
    const hook = (
      await t.app.inject({ method: 'POST', url: '/api/webhooks', headers: auth, payload: { url: receiver.url } })
    ).json();
    const key = await t.mint('one', ['user']);
    await t.app.inject({ method: 'POST', url: '/api/apikey/one/rotate', headers: auth });
    await t.app.inject({ method: 'POST', url: '/api/apikey/one/revoke', headers: auth });
    await waitFor(() => receiver.received.length >= 3, 'three deliveries');
    expect(receiver.verified(hook.secret).map((d) => d.type)).toEqual(['key.created', 'key.rotated', 'key.revoked']);
    expect(receiver.received.map((r) => r.body).join()).not.toContain(key);

    // Stop delivering here, once the progress is recorded; another instance on the same store
    // delivers only what came after.
    await waitFor(
      async () => (await t.ledger.store.readStream(`webhookdelivery-${hook.id}`)).length >= 3,
      'progress recorded',
    );
    await t.ledger.webhooks.dispatcher!.stop();
    await t.mint('two', ['user']);
    second = await openKeyledger(t.config, createLogger('silent'), { store: await run.openStore(), snapshots: false });
    await waitFor(() => receiver.received.length >= 4, 'the fourth delivery, by the second instance');
    await new Promise((r) => setTimeout(r, 300));
    const deliveries = receiver.verified(hook.secret);
    expect(deliveries.map((d) => [d.type, d.data['alias']])).toEqual([
      ['key.created', 'one'],
      ['key.rotated', 'one'],
      ['key.revoked', 'one'],
      ['key.created', 'two'],
    ]);
  });
});
