import { keyHistory } from '../../../projections/audit/history';
import { presentHistoryItem } from '../../http/auditPresenters';
import { auditTable } from '../auditTable';
import type { CliCommand } from '../command';
import { RefusedError } from '../errors';

export const history: CliCommand = {
  name: 'history',
  summary: 'Every change of one key, oldest first.',
  args: '<alias>',
  options: {},
  details: `Columns: log position, time, alias, event type, actor, request id and the changes.
With --json: the API's answer of GET /api/apikey/:alias/history, {alias, items}.`,
  async run({ io, json, ledger }, { positionals }) {
    const alias = positionals[0]!.trim();
    const entries = await keyHistory((await ledger()).store, alias);
    if (!entries) throw new RefusedError('API key not found');
    if (json) io.out(JSON.stringify({ alias, items: entries.map(presentHistoryItem) }, null, 2));
    else io.out(auditTable(entries));
    return 0;
  },
};
