import { normalizeRoles } from '../../../domain';
import { presentCreated } from '../../http/presenters';
import type { CliCommand } from '../command';
import { KEY_DETAIL_OPTIONS, keyDetailsOf } from '../keyDetails';

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
    ...KEY_DETAIL_OPTIONS,
  },
  details: `A new key is printed once: store it now. Renewing an alias keeps the same key, resets its validity,
reactivates it and replaces its name and roles; the key is printed again so that scripts get it either way.
Owner and meta: absent keeps the stored value on a renewal. After a rotation the key printed is the new one;
a key imported by its SHA-256 only has no known plaintext (the key prints as null).
With --json: the API's answer, {key, alias, name, roles, is_active, expire, created_at, updated_at, owner, meta,
renewed}.`,
  async run({ io, json, ledger, origin }, args) {
    const { values } = args;
    const roles =
      typeof values.roles === 'string'
        ? values.roles
            .split(',')
            .map((r) => r.trim())
            .filter(Boolean)
        : [];
    const outcome = await (
      await ledger()
    ).keys.createOrRenew(
      {
        alias: typeof values.alias === 'string' ? values.alias : '',
        name: typeof values.name === 'string' ? values.name : '',
        roles: normalizeRoles(roles),
        ...keyDetailsOf(args),
      },
      origin,
    );
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
    io.out(body.key ?? '(not known: this key was imported by its SHA-256 only)');
    return 0;
  },
};
