import { useEffect, useState } from 'preact/hooks';
import { api, keyPath, withQuery } from './api';
import { html } from './html';
import { Ago, Expiry, LoadState, Modal, PageTitle, StatusBadge, When } from './common';
import { fromLocalInput, toLocalInput } from './format';
import { KeyForm } from './keyForm';
import { NewKeyDialog, RevokeDialog, RotateDialog } from './dialogs';
import { Timeline } from './timeline';
import type { HistoryItem, IssuedKey, KeySummary } from './types';

type Action = 'renew' | 'rotate' | 'revoke';

/** One key: its summary and actions, what it looked like at any instant (as_of), and its history. */
export function KeyPage({ alias }: { alias: string }) {
  const [summary, setSummary] = useState<KeySummary | undefined>();
  const [history, setHistory] = useState<HistoryItem[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [version, setVersion] = useState(0);
  const [action, setAction] = useState<Action | undefined>();
  const [issued, setIssued] = useState<IssuedKey | undefined>();
  const [notice, setNotice] = useState('');
  const [asOf, setAsOf] = useState('');

  useEffect(() => {
    let live = true;
    Promise.all([api<KeySummary>(keyPath(alias)), api<{ items: HistoryItem[] }>(keyPath(alias, '/history'))])
      .then(([one, changes]) => {
        if (!live) return;
        setSummary(one.body);
        setHistory(changes.body.items);
        setError(undefined);
      })
      .catch((e: Error) => live && setError(e.message));
    return () => void (live = false);
  }, [alias, version]);

  const done = (message: string, key?: IssuedKey) => {
    setAction(undefined);
    setNotice(message);
    if (key) setIssued(key);
    setVersion(version + 1);
  };

  if (!summary) return html`<${PageTitle}>Key ${alias}<//><${LoadState} loading=${!error} error=${error} />`;
  const active = summary.status !== 'revoked';
  return html`<article aria-labelledby="key-title">
    <p><a href="#/keys">← All keys</a></p>
    <div class="title-row">
      <${PageTitle}><span id="key-title">Key ${summary.alias}</span><//>
      <div class="actions">
        <button type="button" onClick=${() => setAction('renew')}>Renew</button>
        ${active ? html`<button type="button" onClick=${() => setAction('rotate')}>Rotate</button>` : null}
        ${active ? html`<button type="button" class="danger" onClick=${() => setAction('revoke')}>Revoke</button>` : null}
      </div>
    </div>
    <p class="notice" role="status">${notice}</p>
    <${Summary} summary=${summary} />
    <section class="panel" aria-labelledby="asof-title">
      <h2 id="asof-title">As of an instant</h2>
      <${AsOf} alias=${alias} value=${asOf} onChange=${setAsOf} />
    </section>
    <section class="panel" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      <${Timeline} items=${history} onAsOf=${(iso: string) => setAsOf(toLocalInput(Date.parse(iso)))} />
    </section>
    ${
      action === 'renew'
        ? html`<${Modal} title=${`Renew ${alias}`} onClose=${() => setAction(undefined)}>
            <${KeyForm}
              renewing=${summary}
              onDone=${(k: IssuedKey) => done(`Renewed: valid until ${new Date(k.expire).toLocaleString()}.`)}
              onCancel=${() => setAction(undefined)}
            />
          <//>`
        : null
    }
    ${
      action === 'rotate'
        ? html`<${RotateDialog}
            alias=${alias}
            onDone=${(k: IssuedKey) => done('Rotated.', k)}
            onClose=${() => setAction(undefined)}
          />`
        : null
    }
    ${
      action === 'revoke'
        ? html`<${RevokeDialog}
            alias=${alias}
            onDone=${() => done('Revoked.')}
            onClose=${() => setAction(undefined)}
          />`
        : null
    }
    ${issued ? html`<${NewKeyDialog} issued=${issued} onClose=${() => setIssued(undefined)} />` : null}
  </article>`;
}

function Summary({ summary }: { summary: KeySummary }) {
  return html`<dl class="summary">
    <dt>Name</dt>
    <dd>${summary.name}</dd>
    <dt>Status</dt>
    <dd><${StatusBadge} status=${summary.status} /></dd>
    <dt>Roles</dt>
    <dd>${summary.roles.join(', ') || '—'}</dd>
    <dt>Owner</dt>
    <dd>${summary.owner ?? '—'}</dd>
    <dt>Expires</dt>
    <dd><${Expiry} iso=${summary.expire} /> (<${When} iso=${summary.expire} />)</dd>
    <dt>Key prefix</dt>
    <dd class="mono">${summary.key_prefix}</dd>
    <dt>Created</dt>
    <dd><${When} iso=${summary.created_at} /></dd>
    <dt>Updated</dt>
    <dd><${When} iso=${summary.updated_at} /></dd>
    <dt>Last used</dt>
    <dd><${Ago} iso=${summary.last_used_at} /></dd>
    ${
      summary.meta
        ? html`<dt>Metadata</dt>
            <dd class="mono">${JSON.stringify(summary.meta)}</dd>`
        : null
    }
  </dl>`;
}

/** GET /api/apikey/:alias?as_of=: the key as it was at the chosen instant, folded from its events. */
function AsOf(props: { alias: string; value: string; onChange: (value: string) => void }) {
  const [state, setState] = useState<KeySummary | undefined>();
  const [error, setError] = useState<string | undefined>();
  const instant = fromLocalInput(props.value);

  useEffect(() => {
    setState(undefined);
    setError(undefined);
    if (!instant) return;
    let live = true;
    api<KeySummary>(withQuery(keyPath(props.alias), { as_of: instant }))
      .then(({ body }) => live && setState(body))
      .catch(
        (e: Error) => live && setError(e.message === 'API key not found' ? 'The key did not exist yet.' : e.message),
      );
    return () => void (live = false);
  }, [props.alias, instant]);

  return html`<form class="filters" onSubmit=${(e: Event) => e.preventDefault()}>
      <div class="field">
        <label for="as-of">Show the key as it was at (your local time)</label>
        <input
          id="as-of"
          type="datetime-local"
          step="0.001"
          value=${props.value}
          onInput=${(e: Event) => props.onChange((e.currentTarget as HTMLInputElement).value)}
        />
      </div>
      <div class="field end">
        <button type="button" onClick=${() => props.onChange(toLocalInput(Date.now()))}>Now</button>
      </div>
    </form>
    ${error ? html`<p class="muted" role="status">${error}</p>` : null}
    ${
      state
        ? html`<div role="region" aria-label=${`${props.alias} as of the chosen instant`} id="as-of-result">
            <p>As of <${When} iso=${instant!} />:</p>
            <${Summary} summary=${state} />
          </div>`
        : null
    }`;
}
