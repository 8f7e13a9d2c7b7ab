import { presentCreated } from '../../http/presenters';
import type { CliCommand } from '../command';

export const create: CliCommand = {
  name: 'create',
  summary: 'Create a key, or renew the key of an existing alias.',
  options: {
    alias: { type: 'string', value: 'A', help: 'the key’s alias (unique; the same alias again renews)' },
    name: { type: 'string', value: 'N', help: 'a human-readable name' },
    roles: {
      type: 'string',
      value: 'R,...',
      help: 'comma-separated roles: admin, agent, creator, user (default none)',
    },
  },
  details: `A new key is printed once: store it now. Renewing an alias keeps the same key, resets its validity,
reactivates it and replaces its name and roles; the key is printed again so that scripts get it either way.
With --json: the API's answer, {key, alias, name, roles, is_active, expire, created_at, updated_at, renewed}.`,
  async run({ io, json, ledger, origin }, { values }) {
    const roles =
      typeof values.roles === 'string'
        ? values.roles
            .split(',')
            .map((r) => r.trim())
            .filter(Boolean)
        : [];
    const outcome = await (
      await ledger()
    ).keys.createOrRenew({ alias: values.alias, name: values.name, roles }, origin);
    const body = presentCreated(outcome);
    if (json) {
      io.out(JSON.stringify(body, null, 2));
      return 0;
    }
    const what = `"${body.alias}" (${body.name}; roles: ${body.roles.join(', ') || 'none'}; expires ${body.expire})`;
    if (outcome.renewed) {
      io.out(`Renewed API key ${what}: the same key as before, valid again until ${body.expire}.`);
      io.out('Key (unchanged):');
    } else {
      io.out(`Created API key ${what}.`);
      io.out('Key (shown once, store it now):');
    }
    io.out(body.key);
    return 0;
  },
};
