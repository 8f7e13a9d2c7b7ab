import { useState } from 'preact/hooks';
import { api } from './api';
import { html } from './html';
import { PageTitle } from './common';
import { storeKey } from './session';

/** Sign in with an admin key: checked against an admin endpoint, then kept in sessionStorage only. */
export function SignIn({ message, onSignedIn }: { message?: string; onSignedIn: () => void }) {
  const [error, setError] = useState(message);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const key = String(new FormData(form).get('key') ?? '').trim();
    if (!key) return setError('Enter an admin key.');
    setBusy(true);
    try {
      await api('/api/apikey?limit=1', { key });
      storeKey(key);
      form.reset();
      onSignedIn();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return html`<section class="sign-in panel" aria-labelledby="sign-in-title">
    <${PageTitle}><span id="sign-in-title">Sign in</span><//>
    <p>
      Use a key that holds the <strong>admin</strong> role. It stays in this tab (session storage) until you sign out or
      close the tab, and is sent only to this keyledger, in the Authorization header.
    </p>
    <form class="stack" onSubmit=${submit} novalidate>
      ${error ? html`<p class="form-error" role="alert" id="sign-in-error">${error}</p>` : null}
      <div class="field">
        <label for="admin-key">Admin key</label>
        <input
          id="admin-key"
          name="key"
          type="password"
          autocomplete="off"
          spellcheck="false"
          required
          aria-describedby=${error ? 'sign-in-error' : undefined}
        />
      </div>
      <div class="actions"><button type="submit" class="primary" disabled=${busy}>Sign in</button></div>
    </form>
  </section>`;
}
