import { presentSummary } from '../../http/presenters';
import type { CliCommand } from '../command';
import { table } from '../table';

export const list: CliCommand = {
  name: 'list',
  summary: 'List keys, newest first (never the keys themselves).',
  options: {},
  details: `Columns: alias, name, roles, status (active, expired, revoked), created, last used (by the service
whose read model this CLI shares; "-" when never seen), expiry and the key's 8-character display prefix.
With --json: the API's list, [{alias, name, roles, is_active, status, expire, key_prefix, created_at, ...}].`,
  async run({ io, json, ledger }) {
    const now = Date.now();
    const keys = (await ledger()).readModel.list().map((v) => presentSummary(v, now));
    if (json) io.out(JSON.stringify(keys, null, 2));
    else if (keys.length === 0) io.out('No keys.');
    else
      io.out(
        table([
          ['ALIAS', 'NAME', 'ROLES', 'STATUS', 'CREATED', 'LAST USED', 'EXPIRE', 'PREFIX'],
          ...keys.map((k) => [
            k.alias,
            k.name,
            k.roles.join(',') || '-',
            k.status,
            k.created_at,
            k.last_used_at ?? '-',
            k.expire,
            k.key_prefix ?? '-',
          ]),
        ]),
      );
    return 0;
  },
};
