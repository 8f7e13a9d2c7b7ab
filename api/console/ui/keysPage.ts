import { useEffect, useState } from 'preact/hooks';
import { ALLOWED_ROLES } from '../../../domain/roles';
import { api, withQuery } from './api';
import { html } from './html';
import { Ago, Expiry, LoadState, Modal, PageTitle, StatusBadge } from './common';
import { KeyForm } from './keyForm';
import { NewKeyDialog } from './dialogs';
import type { IssuedKey, KeySummary } from './types';

const PAGE_SIZE = 25;

const FILTERS = ['q', 'status', 'role', 'owner'] as const;

const firstPage = (filters: Record<string, string> = {}) => withQuery('/api/apikey', { ...filters, limit: PAGE_SIZE });

/** The keys list: GET /api/apikey with q, status, role, owner and limit, paged by its Link rel="next" header. */
export function KeysPage({ navigate }: { navigate: (hash: string) => void }) {
  // Paths of the pages seen so far: the last is shown, the ones before it are "previous".
  const [pages, setPages] = useState<string[]>([firstPage()]);
  const [keys, setKeys] = useState<KeySummary[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | undefined>();
  const [creating, setCreating] = useState(false);
  const [issued, setIssued] = useState<IssuedKey | undefined>();
  const current = pages[pages.length - 1]!;

  useEffect(() => {
    let live = true;
    setLoading(true);
    api<KeySummary[]>(current)
      .then(({ body, next: nextPage }) => {
        if (!live) return;
        setKeys(body);
        setNext(nextPage);
        setError(undefined);
      })
      .catch((e: Error) => live && setError(e.message))
      .finally(() => live && setLoading(false));
    return () => void (live = false);
  }, [current]);

  const apply = (event: Event) => {
    event.preventDefault();
    const data = new FormData((event.currentTarget as HTMLElement).closest('form')!);
    setPages([firstPage(Object.fromEntries(FILTERS.map((name) => [name, String(data.get(name) ?? '').trim()])))]);
  };
  const created = (key: IssuedKey) => {
    setCreating(false);
    setIssued(key);
  };

  return html`<section aria-labelledby="keys-title">
    <div class="title-row">
      <${PageTitle}><span id="keys-title">Keys</span><//>
      <button type="button" class="primary" onClick=${() => setCreating(true)}>New key</button>
    </div>
    <form class="filters" role="search" aria-label="Filter keys" onSubmit=${apply}>
      <div class="field grow">
        <label for="keys-q">Search alias or name</label>
        <input id="keys-q" name="q" type="search" autocomplete="off" />
      </div>
      <div class="field">
        <label for="keys-status">Status</label>
        <select id="keys-status" name="status" onChange=${apply}>
          <option value="">any</option>
          <option value="active">active</option>
          <option value="expired">expired</option>
          <option value="revoked">revoked</option>
        </select>
      </div>
      <div class="field">
        <label for="keys-role">Role</label>
        <select id="keys-role" name="role" onChange=${apply}>
          <option value="">any</option>
          ${ALLOWED_ROLES.map((role) => html`<option key=${role} value=${role}>${role}</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="keys-owner">Owner</label>
        <input id="keys-owner" name="owner" autocomplete="off" />
      </div>
      <div class="field end"><button type="submit">Search</button></div>
    </form>
    <${LoadState} loading=${loading} error=${error} />
    ${!loading && !error && keys.length === 0 ? html`<p class="muted">No key matches.</p>` : null}
    ${keys.length > 0 ? html`<${KeyTable} keys=${keys} />` : null}
    <nav class="pager" aria-label="Pages of keys">
      <button type="button" disabled=${pages.length < 2} onClick=${() => setPages(pages.slice(0, -1))}>
        Previous page
      </button>
      <span class="muted">Page ${pages.length}</span>
      <button type="button" disabled=${!next} onClick=${() => next && setPages([...pages, next])}>Next page</button>
    </nav>
    ${creating ? html`<${CreateDialog} onDone=${created} onClose=${() => setCreating(false)} />` : null}
    ${
      issued
        ? html`<${NewKeyDialog}
            issued=${issued}
            onClose=${() => {
              setIssued(undefined);
              navigate(`#/keys/${encodeURIComponent(issued.alias)}`);
            }}
          />`
        : null
    }
  </section>`;
}

function CreateDialog({ onDone, onClose }: { onDone: (key: IssuedKey) => void; onClose: () => void }) {
  return html`<${Modal} title="New key" onClose=${onClose}><${KeyForm} onDone=${onDone} onCancel=${onClose} /><//>`;
}

function KeyTable({ keys }: { keys: KeySummary[] }) {
  return html`<table class="cards">
    <caption class="visually-hidden">
      Keys, newest first
    </caption>
    <thead>
      <tr>
        <th scope="col">Alias</th>
        <th scope="col">Name</th>
        <th scope="col">Status</th>
        <th scope="col">Roles</th>
        <th scope="col">Owner</th>
        <th scope="col">Expires</th>
        <th scope="col">Last used</th>
      </tr>
    </thead>
    <tbody>
      ${keys.map(
        (k) =>
          html`<tr key=${k.alias}>
            <th scope="row" data-label="Alias"><a href=${`#/keys/${encodeURIComponent(k.alias)}`}>${k.alias}</a></th>
            <td data-label="Name">${k.name}</td>
            <td data-label="Status"><${StatusBadge} status=${k.status} /></td>
            <td data-label="Roles">${k.roles.join(', ') || '—'}</td>
            <td data-label="Owner">${k.owner ?? '—'}</td>
            <td data-label="Expires"><${Expiry} iso=${k.expire} /></td>
            <td data-label="Last used"><${Ago} iso=${k.last_used_at} /></td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}
