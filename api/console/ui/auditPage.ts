import { useEffect, useState } from 'preact/hooks';
import { API_KEY_EVENT_TYPES } from '../../../domain/events';
import { api, withQuery } from './api';
import { html } from './html';
import { Expiry, LoadState, PageTitle, StatusBadge, When } from './common';
import { fromLocalInput } from './format';
import { Changes } from './timeline';
import type { AuditItem, AuditPage as Page, ExpiringKeys } from './types';

const FILTERS = ['actor', 'type', 'alias', 'since', 'until', 'limit'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;
const NO_FILTERS: Filters = { actor: '', type: '', alias: '', since: '', until: '', limit: '50' };

/** The audit feed (GET /api/audit: filters and cursor paging) and the keys expiring soon. */
export function AuditPage() {
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  // Cursors of the pages seen so far ('' is the newest page); the last one is shown.
  const [cursors, setCursors] = useState<string[]>(['']);
  const [page, setPage] = useState<Page | undefined>();
  const [error, setError] = useState<string | undefined>();
  const cursor = cursors[cursors.length - 1];

  useEffect(() => {
    let live = true;
    setPage(undefined);
    const query = {
      ...filters,
      since: fromLocalInput(filters.since),
      until: fromLocalInput(filters.until),
      cursor,
    };
    api<Page>(withQuery('/api/audit', query))
      .then(({ body }) => {
        if (!live) return;
        setPage(body);
        setError(undefined);
      })
      .catch((e: Error) => live && setError(e.message));
    return () => void (live = false);
  }, [filters, cursor]);

  const apply = (event: Event) => {
    event.preventDefault();
    const data = new FormData((event.currentTarget as HTMLElement).closest('form')!);
    setFilters(Object.fromEntries(FILTERS.map((k) => [k, String(data.get(k) ?? '').trim()])) as Filters);
    setCursors(['']);
  };

  return html`<section aria-labelledby="audit-title">
    <${PageTitle}><span id="audit-title">Audit</span><//>
    <form class="filters" role="search" aria-label="Filter the audit feed" onSubmit=${apply}>
      <div class="field">
        <label for="audit-actor">Actor</label>
        <input id="audit-actor" name="actor" autocomplete="off" />
      </div>
      <div class="field">
        <label for="audit-type">Event type</label>
        <select id="audit-type" name="type">
          <option value="">any</option>
          ${API_KEY_EVENT_TYPES.map((type) => html`<option key=${type} value=${type}>${type}</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="audit-alias">Alias</label>
        <input id="audit-alias" name="alias" autocomplete="off" />
      </div>
      <div class="field">
        <label for="audit-since">From (local time)</label>
        <input id="audit-since" name="since" type="datetime-local" step="0.001" />
      </div>
      <div class="field">
        <label for="audit-until">Until (local time)</label>
        <input id="audit-until" name="until" type="datetime-local" step="0.001" />
      </div>
      <div class="field">
        <label for="audit-limit">Per page</label>
        <select id="audit-limit" name="limit">
          <option value="10">10</option>
          <option value="50">50</option>
          <option value="200">200</option>
        </select>
      </div>
      <div class="field end"><button type="submit">Apply</button></div>
    </form>
    <${LoadState} loading=${!page && !error} error=${error} />
    ${page ? html`<${Feed} items=${page.items} />` : null}
    <nav class="pager" aria-label="Pages of the audit feed">
      <button type="button" disabled=${cursors.length < 2} onClick=${() => setCursors(cursors.slice(0, -1))}>
        Newer
      </button>
      <span class="muted">Page ${cursors.length}</span>
      <button
        type="button"
        disabled=${!page?.next_cursor}
        onClick=${() => page?.next_cursor && setCursors([...cursors, page.next_cursor])}
      >
        Older
      </button>
    </nav>
    <${Expiring} />
  </section>`;
}

function Feed({ items }: { items: AuditItem[] }) {
  if (items.length === 0) return html`<p class="muted">No event matches.</p>`;
  return html`<table class="cards" id="audit-feed">
    <caption class="visually-hidden">
      Audit events, newest first
    </caption>
    <thead>
      <tr>
        <th scope="col">Time</th>
        <th scope="col">Event</th>
        <th scope="col">Alias</th>
        <th scope="col">Actor</th>
        <th scope="col">Request id</th>
        <th scope="col">Changes</th>
      </tr>
    </thead>
    <tbody>
      ${items.map(
        (item) =>
          html`<tr key=${item.position}>
            <td data-label="Time"><${When} iso=${item.time} /></td>
            <td data-label="Event">${item.type}</td>
            <td data-label="Alias"><a href=${`#/keys/${encodeURIComponent(item.alias)}`}>${item.alias}</a></td>
            <td data-label="Actor">${item.actor}</td>
            <td data-label="Request id"><code>${item.request_id}</code></td>
            <td data-label="Changes"><${Changes} changes=${item.changes} /></td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

const WINDOWS = [
  [24, 'the next 24 hours'],
  [72, 'the next 3 days'],
  [168, 'the next 7 days'],
  [720, 'the next 30 days'],
  [8784, 'the next year'],
] as const;

/** GET /api/audit/expiring: keys not revoked whose expiry falls within the chosen window, soonest first. */
function Expiring() {
  const [hours, setHours] = useState('72');
  const [answer, setAnswer] = useState<ExpiringKeys | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    let live = true;
    api<ExpiringKeys>(withQuery('/api/audit/expiring', { within_hours: hours }))
      .then(({ body }) => live && (setAnswer(body), setError(undefined)))
      .catch((e: Error) => live && setError(e.message));
    return () => void (live = false);
  }, [hours]);

  return html`<section class="panel" aria-labelledby="expiring-title">
    <h2 id="expiring-title">Expiring soon</h2>
    <div class="field narrow">
      <label for="expiring-window">Expiring within</label>
      <select
        id="expiring-window"
        value=${hours}
        onChange=${(e: Event) => setHours((e.currentTarget as HTMLSelectElement).value)}
      >
        ${WINDOWS.map(([h, text]) => html`<option key=${h} value=${h}>${text}</option>`)}
      </select>
    </div>
    <${LoadState} loading=${!answer && !error} error=${error} />
    ${answer && answer.keys.length === 0 ? html`<p class="muted">No key expires in this window.</p>` : null}
    ${
      answer && answer.keys.length > 0
        ? html`<ul class="expiring" id="expiring-list">
            ${answer.keys.map(
              (k) =>
                html`<li key=${k.alias}>
                  <a href=${`#/keys/${encodeURIComponent(k.alias)}`}>${k.alias}</a>
                  <${StatusBadge} status=${k.status} />
                  <span>expires <${Expiry} iso=${k.expire} /></span>
                  ${k.owner ? html`<span>owner ${k.owner}</span>` : null}
                </li>`,
            )}
          </ul>`
        : null
    }
  </section>`;
}
