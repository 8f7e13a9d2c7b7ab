import { postWebhook } from '../../infrastructure/webhooks/sender';
import { WebhookReceiver } from '../support/webhookReceiver';

describe('delivery to private addresses', () => {
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
  });
  afterAll(async () => {
    await receiver.stop();
  });
  const send = (url: string, allowPrivate: boolean) =>
    postWebhook(url, { 'webhook-id': 'msg_1' }, '{}', { timeoutMs: 2_000, allowPrivate });

  it('is refused at delivery time, for a literal address and for a name that resolves to one', async () => {
    for (const url of [receiver.url, receiver.url.replace('127.0.0.1', 'localhost')]) {
      const result = await send(url, false);
      expect(result).toMatchObject({ error: 'webhook URL resolves to a private or loopback address' });
      expect(result.statusCode).toBeUndefined();
    }
    expect(receiver.received).toHaveLength(0);
  });

  it('goes through when WEBHOOK_ALLOW_PRIVATE is on', async () => {
    expect(await send(receiver.url, true)).toMatchObject({ statusCode: 204 });
    expect(receiver.received).toHaveLength(1);
  });
});
