import { API_KEY_EVENT_TYPES } from '../../../domain';
import { auditTable } from '../auditTable';
import type { CliCommand } from '../command';
import { RefusedError } from '../errors';

export const audit: CliCommand = {
  name: 'audit',
  summary: 'The audit log: every event of every key, newest first, filtered and paged as GET /api/audit.',
  options: {
    actor: { type: 'string', value: 'Y', help: 'only events sent by this actor (an admin key’s alias, or cli:<user>)' },
    since: { type: 'string', value: 'T', help: 'only events at or after this ISO-8601 time' },
    until: { type: 'string', value: 'T', help: 'only events before this ISO-8601 time' },
    alias: { type: 'string', value: 'A', help: 'only events of this key' },
    type: { type: 'string', value: 'TYPE', help: `only this event type: ${API_KEY_EVENT_TYPES.join(', ')}` },
    limit: { type: 'string', value: 'N', help: 'events per page, 1-500 (default 50)' },
    order: { type: 'string', value: 'desc|asc', help: 'newest first (desc, the default) or oldest first (asc)' },
    cursor: { type: 'string', value: 'C', help: 'the next page: the cursor printed after the previous page' },
  },
  details: `A page that has more after it ends with "More: --cursor C": run the same command with that
--cursor (and the same --order) for the next page. With --json: {items, next_cursor} (null at the end).
Example: keyledger audit --alias billing --type ApiKeyRevoked --since "$(date -u -d '7 days ago' +%FT%TZ)"`,
  async run({ io, json, ledger }, { values }) {
    // Loaded here, so that help answers without zod.
    const { auditQuery } = await import('../../http/auditSchemas');
    const { toFeedQuery } = await import('../../http/auditQuery');
    const { readAuditFeed } = await import('../../../projections/audit/auditFeed');
    const { encodeCursor } = await import('../../../projections/audit/auditCursor');
    const { presentAuditItem } = await import('../../http/auditPresenters');
    const { json: _json, help: _help, ...raw } = values;
    // The HTTP route's own schema: same defaults, same checks, same messages.
    const parsed = auditQuery.safeParse(raw);
    if (!parsed.success) throw new RefusedError(parsed.error.issues[0]?.message ?? 'invalid arguments');
    const query = toFeedQuery(parsed.data);
    const page = await readAuditFeed((await ledger()).store, query);
    const nextCursor = page.next === undefined ? null : encodeCursor(query.order, page.next);
    if (json) io.out(JSON.stringify({ items: page.items.map(presentAuditItem), next_cursor: nextCursor }, null, 2));
    else {
      io.out(page.items.length === 0 ? 'No events.' : auditTable(page.items));
      if (nextCursor) io.out(`More: --cursor ${nextCursor}`);
    }
    return 0;
  },
};
