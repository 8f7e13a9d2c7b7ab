import type { Decider } from '../decider';
import { InvalidCommandError } from '../validation';
import type { RegisteredWebhook, WebhookCommand, WebhookDecideContext, WebhookState } from './commands';
import type { WebhookEvent } from './events';
import { normalizeWebhookDescription, normalizeWebhookEvents, normalizeWebhookUrl } from './validation';

export class WebhookNotFoundError extends Error {
  constructor() {
    super('webhook not found');
    this.name = 'WebhookNotFoundError';
  }
}

export const initialWebhookState = (): WebhookState => ({ status: 'absent' });

function existing(state: WebhookState): RegisteredWebhook {
  if (state.status === 'absent' || state.status === 'deleted') throw new WebhookNotFoundError();
  return state;
}

export function decideWebhook(command: WebhookCommand, state: WebhookState, ctx: WebhookDecideContext): WebhookEvent[] {
  const at = ctx.now.toISOString();
  switch (command.type) {
    case 'RegisterWebhook': {
      if (state.status !== 'absent') throw new InvalidCommandError('webhook exists');
      const { id, sealedSecret } = command.data;
      const url = normalizeWebhookUrl(command.data.url);
      const events = normalizeWebhookEvents(command.data.events);
      const description = normalizeWebhookDescription(command.data.description);
      return [{ type: 'WebhookRegistered', data: { id, url, events, description, sealedSecret, registeredAt: at } }];
    }
    case 'DeleteWebhook':
      return [{ type: 'WebhookDeleted', data: { id: existing(state).id, deletedAt: at } }];
    case 'MarkWebhookFailing': {
      // Already failing or gone: nothing more to record.
      if (state.status !== 'enabled') return [];
      return [{ type: 'WebhookFailing', data: { id: state.id, failingAt: at, reason: command.data.reason } }];
    }
    case 'ReenableWebhook': {
      const webhook = existing(state);
      if (webhook.status === 'enabled') return [];
      return [{ type: 'WebhookReenabled', data: { id: webhook.id, reenabledAt: at } }];
    }
  }
}

export function evolveWebhook(state: WebhookState, event: WebhookEvent): WebhookState {
  if (event.type === 'WebhookRegistered') {
    const d = event.data;
    return {
      status: 'enabled',
      id: d.id,
      url: d.url,
      events: d.events,
      description: d.description,
      sealedSecret: d.sealedSecret,
      registeredAt: Date.parse(d.registeredAt),
      failingSince: null,
      failingReason: null,
    };
  }
  if (state.status === 'absent') return state;
  switch (event.type) {
    case 'WebhookDeleted':
      return { ...state, status: 'deleted' };
    case 'WebhookFailing':
      return {
        ...state,
        status: 'failing',
        failingSince: Date.parse(event.data.failingAt),
        failingReason: event.data.reason,
      };
    case 'WebhookReenabled':
      return { ...state, status: 'enabled', failingSince: null, failingReason: null };
  }
}

export const webhookDecider: Decider<WebhookCommand, WebhookEvent, WebhookState, WebhookDecideContext> = {
  decide: decideWebhook,
  evolve: evolveWebhook,
  initialState: initialWebhookState,
};
