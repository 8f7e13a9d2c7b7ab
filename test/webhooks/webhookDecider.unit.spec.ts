import { InvalidCommandError } from '../../domain';
import {
  expiringNoticeDecider,
  WEBHOOK_EVENTS_MESSAGE,
  WEBHOOK_EVENT_TYPES,
  webhookDecider,
  WebhookNotFoundError,
  type WebhookEvent,
} from '../../domain/webhooks';
import { deciderSpecification } from '../support/deciderSpecification';

const NOW = new Date('2026-12-01T10:00:00.000Z');
const at = NOW.toISOString();
const spec = deciderSpecification(webhookDecider, () => ({ now: NOW }));
const register = (data: Record<string, unknown>) =>
  ({ type: 'RegisterWebhook' as const, data: { id: 'w1', sealedSecret: 'v1.s', ...data } }) as never;
const registered: WebhookEvent = {
  type: 'WebhookRegistered',
  data: {
    id: 'w1',
    url: 'https://siem.example.com/hooks',
    events: [...WEBHOOK_EVENT_TYPES],
    description: null,
    sealedSecret: 'v1.s',
    registeredAt: at,
  },
};
const failing: WebhookEvent = { type: 'WebhookFailing', data: { id: 'w1', failingAt: at, reason: 'HTTP 500' } };
const deleted: WebhookEvent = { type: 'WebhookDeleted', data: { id: 'w1', deletedAt: at } };

describe('webhook decider', () => {
  it('registers an endpoint for every event type by default', () => {
    spec
      .given([])
      .when(register({ url: 'https://siem.example.com/hooks' }))
      .then([registered]);
  });

  it('keeps a subset of event types in the canonical order, without duplicates', () => {
    spec
      .given([])
      .when(
        register({
          url: 'http://siem.example.com/hooks#frag',
          events: ['key.revoked', 'key.created', 'key.revoked'],
          description: ' SIEM ',
        }),
      )
      .then([
        {
          type: 'WebhookRegistered',
          data: {
            ...registered.data,
            url: 'http://siem.example.com/hooks',
            events: ['key.created', 'key.revoked'],
            description: 'SIEM',
          },
        } as WebhookEvent,
      ]);
  });

  it.each([
    [{ url: 'ftp://x.example.com/' }, 'url must be an absolute http(s) URL'],
    [{ url: 'not a url' }, 'url must be an absolute http(s) URL'],
    [{ url: 'https://user:pw@x.example.com/' }, 'url must not contain credentials'],
    [{ url: '' }, 'url is required'],
    [{ url: 'https://x.example.com/', events: [] }, WEBHOOK_EVENTS_MESSAGE],
    [{ url: 'https://x.example.com/', events: ['key.exploded'] }, WEBHOOK_EVENTS_MESSAGE],
    [{ url: 'https://x.example.com/', description: 'd'.repeat(257) }, 'description must be at most 256 characters'],
  ])('refuses %j', (data, message) => {
    spec.given([]).when(register(data)).thenThrows(InvalidCommandError, message);
  });

  it('marks failing once, re-enables, deletes', () => {
    spec
      .given([registered])
      .when({ type: 'MarkWebhookFailing', data: { id: 'w1', reason: 'HTTP 500' } })
      .then([failing]);
    spec
      .given([registered, failing])
      .when({ type: 'MarkWebhookFailing', data: { id: 'w1', reason: 'again' } })
      .then([]);
    spec
      .given([registered, failing])
      .when({ type: 'ReenableWebhook', data: { id: 'w1' } })
      .then([{ type: 'WebhookReenabled', data: { id: 'w1', reenabledAt: at } }]);
    spec
      .given([registered])
      .when({ type: 'ReenableWebhook', data: { id: 'w1' } })
      .then([]);
    spec
      .given([registered])
      .when({ type: 'DeleteWebhook', data: { id: 'w1' } })
      .then([deleted]);
  });

  it('knows no deleted or unknown endpoint', () => {
    for (const given of [[], [registered, deleted]])
      for (const command of [
        { type: 'DeleteWebhook' as const, data: { id: 'w1' } },
        { type: 'ReenableWebhook' as const, data: { id: 'w1' } },
      ])
        spec.given(given).when(command).thenThrows(WebhookNotFoundError);
    spec
      .given([registered, deleted])
      .when({ type: 'MarkWebhookFailing', data: { id: 'w1', reason: 'x' } })
      .then([]);
  });
});

describe('key.expiring notices', () => {
  const notices = deciderSpecification(expiringNoticeDecider, () => ({ now: NOW }));
  const notice = (expire: string) => ({ type: 'NoticeKeyExpiring' as const, data: { alias: 'k', expire } });
  const noticed = (expire: string) => ({
    type: 'KeyExpiringNoticed' as const,
    data: { alias: 'k', expire, noticedAt: at },
  });

  it('notices each expiry of a key once', () => {
    notices
      .given([])
      .when(notice('2026-12-03T00:00:00.000Z'))
      .then([noticed('2026-12-03T00:00:00.000Z')]);
    notices
      .given([noticed('2026-12-03T00:00:00.000Z')])
      .when(notice('2026-12-03T00:00:00.000Z'))
      .then([]);
    // A renewal moved the expiry: a new notice.
    notices
      .given([noticed('2026-12-03T00:00:00.000Z')])
      .when(notice('2026-12-18T00:00:00.000Z'))
      .then([noticed('2026-12-18T00:00:00.000Z')]);
  });
});
