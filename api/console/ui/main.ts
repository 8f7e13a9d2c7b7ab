import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { onAuthLost } from './api';
import { html } from './html';
import { clearKey, readKey } from './session';
import { SignIn } from './signIn';
import { KeysPage } from './keysPage';
import { KeyPage } from './keyPage';
import { AuditPage } from './auditPage';

const READY_POLL_MS = 15_000;

/** The route in the location hash: #/keys, #/keys/<alias>, #/audit. */
function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return hash;
}

const navigate = (hash: string) => void (location.hash = hash);

/** GET /readyz, polled: the service is ready when its store answers and its read model caught up. */
function Readiness() {
  const [ready, setReady] = useState<{ ok: boolean; detail: string } | undefined>();
  useEffect(() => {
    const poll = () =>
      fetch('/readyz', { cache: 'no-store' })
        .then(async (r) => {
          const body = (await r.json()) as { status: string; reasons?: string[] };
          setReady({ ok: r.ok, detail: body.reasons?.join('; ') ?? body.status });
        })
        .catch(() => setReady({ ok: false, detail: 'unreachable' }));
    void poll();
    const timer = setInterval(poll, READY_POLL_MS);
    return () => clearInterval(timer);
  }, []);
  if (!ready) return null;
  return html`<span class=${`readiness ${ready.ok ? 'ok' : 'bad'}`} title=${ready.detail} id="readiness" role="status">
    ${ready.ok ? 'ready' : 'not ready'}
  </span>`;
}

function Page({ hash }: { hash: string }) {
  const keyRoute = /^#\/keys\/(.+)$/.exec(hash);
  if (keyRoute) return html`<${KeyPage} key=${keyRoute[1]} alias=${decodeURIComponent(keyRoute[1]!)} />`;
  if (hash === '#/audit') return html`<${AuditPage} />`;
  return html`<${KeysPage} navigate=${navigate} />`;
}

function App() {
  const [signedIn, setSignedIn] = useState(readKey() !== undefined);
  const [message, setMessage] = useState<string | undefined>();
  const hash = useHash();
  const version = document.querySelector<HTMLMetaElement>('meta[name="keyledger-version"]')?.content;

  useEffect(
    () =>
      onAuthLost((reason) => {
        clearKey();
        setMessage(reason);
        setSignedIn(false);
      }),
    [],
  );
  const signOut = () => {
    clearKey();
    setMessage(undefined);
    setSignedIn(false);
  };
  const current = (route: string) =>
    hash.startsWith(route) || (route === '#/keys' && hash === '') ? 'page' : undefined;

  // The skip link moves the focus without touching the hash, which holds the route.
  const skip = (event: Event) => {
    event.preventDefault();
    document.getElementById('main')?.focus();
  };
  return html`<a class="skip" href="#main" onClick=${skip}>Skip to content</a>
    <header class="top">
      <a class="brand" href="#/keys">keyledger <span class="muted">console</span></a>
      ${
        signedIn
          ? html`<nav aria-label="Sections">
              <a href="#/keys" aria-current=${current('#/keys')}>Keys</a>
              <a href="#/audit" aria-current=${current('#/audit')}>Audit</a>
            </nav>`
          : null
      }
      <div class="status">
        <${Readiness} />
        ${version ? html`<span class="muted" id="version">v${version}</span>` : null}
        ${signedIn ? html`<button type="button" onClick=${signOut}>Sign out</button>` : null}
      </div>
    </header>
    <main id="main" tabindex="-1">
      ${
        signedIn
          ? html`<${Page} hash=${hash} />`
          : html`<${SignIn} message=${message} onSignedIn=${() => (setMessage(undefined), setSignedIn(true))} />`
      }
    </main>`;
}

render(html`<${App} />`, document.getElementById('app')!);
