import { Webhook } from 'standardwebhooks';
import { createHmac } from 'node:crypto';
import { isPrivateAddress } from '../../infrastructure/webhooks/addressGuard';
import { retryDelay } from '../../infrastructure/webhooks/endpointWorker';
import { messageId } from '../../infrastructure/webhooks/messages';

describe('webhook signature', () => {
  it('is v1, base64 HMAC-SHA256 over id.timestamp.body with the secret bytes', () => {
    const raw = Buffer.alloc(32, 7);
    const secret = `whsec_${raw.toString('base64')}`;
    const at = new Date('2026-12-01T10:00:00.000Z');
    const body = '{"type":"key.revoked"}';
    const expected = createHmac('sha256', raw)
      .update(`msg_1.${at.getTime() / 1000}.${body}`)
      .digest('base64');
    expect(new Webhook(secret).sign('msg_1', at, body)).toBe(`v1,${expected}`);
  });

  it('gives each event a webhook-id that is stable per endpoint and differs between endpoints', () => {
    expect(messageId('endpoint-a', 'event-1')).toBe(messageId('endpoint-a', 'event-1'));
    expect(messageId('endpoint-a', 'event-1')).not.toBe(messageId('endpoint-b', 'event-1'));
    expect(messageId('endpoint-a', 'event-1')).toMatch(/^msg_[A-Za-z0-9_-]{27}$/);
  });
});

describe('retry delay', () => {
  it('doubles per attempt, with jitter in the upper half, up to the cap', () => {
    const settings = { retryBaseMs: 1_000, retryMaxMs: 60_000 };
    for (let i = 0; i < 50; i++) {
      const first = retryDelay(1, settings);
      expect(first).toBeGreaterThanOrEqual(500);
      expect(first).toBeLessThanOrEqual(1_000);
      const fourth = retryDelay(4, settings);
      expect(fourth).toBeGreaterThanOrEqual(4_000);
      expect(fourth).toBeLessThanOrEqual(8_000);
      expect(retryDelay(100, settings)).toBeLessThanOrEqual(60_000);
    }
  });
});

describe('private addresses', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.20.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '224.0.0.1',
  ])('refuses %s', (address) => expect(isPrivateAddress(address)).toBe(true));
  it.each(['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8'])('allows %s', (address) =>
    expect(isPrivateAddress(address)).toBe(false),
  );
});
