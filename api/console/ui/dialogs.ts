import { useRef, useState } from 'preact/hooks';
import { api, keyPath } from './api';
import { html } from './html';
import { errorsFrom, FieldError, fieldProps, FormError, Modal, When, type FieldErrors } from './common';
import type { IssuedKey } from './types';

/** The one time a new key string is shown: copy it now, keyledger keeps only its digest. */
export function NewKeyDialog({ issued, onClose }: { issued: IssuedKey; onClose: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState('');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(issued.key ?? '');
      setCopied('Copied to the clipboard.');
    } catch {
      input.current?.select();
      setCopied('The browser refused the clipboard: the key is selected, copy it with Ctrl+C.');
    }
  };
  return html`<${Modal}
    title=${issued.rotated ? `New key for ${issued.alias}` : `Key ${issued.alias} created`}
    onClose=${onClose}
    wide
  >
    <p class="warning" role="alert">
      <strong>Copy this key now.</strong> It is shown only this once: keyledger stores a digest, and this page forgets
      it when you close this dialog.
    </p>
    <div class="field">
      <label for="new-key-value">API key for ${issued.alias}</label>
      <div class="row">
        <input
          id="new-key-value"
          ref=${input}
          class="mono"
          readonly
          value=${issued.key ?? ''}
          onFocus=${() => input.current?.select()}
        />
        <button type="button" class="primary" onClick=${copy}>Copy</button>
      </div>
      <p class="muted" role="status">${copied}</p>
    </div>
    <p>Valid until <${When} iso=${issued.expire} />.</p>
    ${
      issued.rotated
        ? html`<p>
            ${
              issued.previous_key_valid_until
                ? html`The previous key keeps working until <${When} iso=${issued.previous_key_valid_until} />.`
                : 'The previous key stopped working now.'
            }
          </p>`
        : null
    }
    <div class="actions"><button type="button" onClick=${onClose} autofocus>I have stored the key</button></div>
  <//>`;
}

const GRACE_UNITS = { seconds: 1, minutes: 60, hours: 3600, days: 86_400 } as const;

/** Rotate: a new key string for the alias; the previous one keeps verifying for the grace period. */
export function RotateDialog(props: { alias: string; onDone: (issued: IssuedKey) => void; onClose: () => void }) {
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const amount = Number(data.get('grace_amount') || 0);
    const unit = GRACE_UNITS[data.get('grace_unit') as keyof typeof GRACE_UNITS];
    setBusy(true);
    try {
      const path = keyPath(props.alias, '/rotate');
      const { body } = await api<IssuedKey>(path, { method: 'POST', body: { grace_seconds: amount * unit } });
      props.onDone(body);
    } catch (error) {
      setErrors(errorsFrom(error, ['grace_seconds']));
    } finally {
      setBusy(false);
    }
  };
  const field = fieldProps('rotate', 'grace_seconds', errors);
  return html`<${Modal} title=${`Rotate ${props.alias}`} onClose=${props.onClose}>
    <form class="stack" onSubmit=${submit} novalidate>
      <p>A new key string replaces the current one. Give the services using it time to switch:</p>
      <${FormError} errors=${errors} />
      <div class="field">
        <label for=${field.id}>Grace period for the previous key</label>
        <div class="row">
          <input ...${field} name="grace_amount" type="number" min="0" step="1" defaultValue="0" inputmode="numeric" />
          <select name="grace_unit" aria-label="Unit of the grace period">
            <option value="hours">hours</option>
            <option value="minutes">minutes</option>
            <option value="days">days</option>
            <option value="seconds">seconds</option>
          </select>
        </div>
        <p class="muted">0: the previous key stops at once. At most 7 days.</p>
        <${FieldError} form="rotate" name="grace_seconds" errors=${errors} />
      </div>
      <div class="actions">
        <button type="submit" class="primary" disabled=${busy}>Rotate key</button>
        <button type="button" onClick=${props.onClose}>Cancel</button>
      </div>
    </form>
  <//>`;
}

/** Revoke by alias, after a confirmation that names it. */
export function RevokeDialog(props: { alias: string; onDone: () => void; onClose: () => void }) {
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const revoke = async () => {
    setBusy(true);
    try {
      await api(keyPath(props.alias, '/revoke'), { method: 'POST' });
      props.onDone();
    } catch (error) {
      setErrors(errorsFrom(error, []));
    } finally {
      setBusy(false);
    }
  };
  return html`<${Modal} title=${`Revoke ${props.alias}?`} onClose=${props.onClose}>
    <p>
      Every string of the key <strong>${props.alias}</strong> stops verifying at once, including one still in its grace
      period.
    </p>
    <${FormError} errors=${errors} />
    <div class="actions">
      <button type="button" class="danger" disabled=${busy} onClick=${revoke}>Revoke ${props.alias}</button>
      <button type="button" onClick=${props.onClose} autofocus>Cancel</button>
    </div>
  <//>`;
}
