import { useState } from 'preact/hooks';
import { ALLOWED_ROLES } from '../../../domain/roles';
import { api, ApiError } from './api';
import { html } from './html';
import { errorsFrom, FieldError, fieldProps, FormError, type FieldErrors } from './common';
import type { IssuedKey, KeySummary } from './types';

const FIELDS = ['alias', 'name', 'roles', 'owner', 'ttl_seconds', 'meta'] as const;
const UNIT_SECONDS = { minutes: 60, hours: 3600, days: 86_400 } as const;

/** The request body from the form; on a renewal an emptied owner or meta is sent as null (clears it). */
function bodyFrom(data: FormData, renewing?: KeySummary): Record<string, unknown> {
  const body: Record<string, unknown> = {
    alias: renewing?.alias ?? data.get('alias'),
    name: data.get('name'),
    roles: data.getAll('roles'),
  };
  const owner = String(data.get('owner') ?? '').trim();
  if (owner) body['owner'] = owner;
  else if (renewing?.owner) body['owner'] = null;
  const amount = String(data.get('ttl_amount') ?? '').trim();
  if (amount) body['ttl_seconds'] = Number(amount) * UNIT_SECONDS[data.get('ttl_unit') as keyof typeof UNIT_SECONDS];
  const meta = String(data.get('meta') ?? '').trim();
  if (meta) body['meta'] = JSON.parse(meta) as unknown;
  else if (renewing?.meta) body['meta'] = null;
  return body;
}

/**
 * Create a key, or renew one (`renewing`): the API's POST /api/apikey, whose messages are shown by the field they name.
 * A renewal keeps the key string and resets its validity.
 */
export function KeyForm(props: { renewing?: KeySummary; onDone: (issued: IssuedKey) => void; onCancel: () => void }) {
  const { renewing } = props;
  const form = renewing ? 'renew' : 'create';
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    let body: Record<string, unknown>;
    try {
      body = bodyFrom(new FormData(event.currentTarget as HTMLFormElement), renewing);
    } catch {
      setErrors({ meta: 'meta must be a JSON object, e.g. {"team": "billing"}' });
      return;
    }
    setBusy(true);
    try {
      const { body: issued } = await api<IssuedKey>('/api/apikey', { method: 'POST', body });
      props.onDone(issued);
    } catch (error) {
      setErrors(errorsFrom(error, FIELDS));
      if (!(error instanceof ApiError)) throw error;
    } finally {
      setBusy(false);
    }
  };

  const field = (name: string) => fieldProps(form, name, errors);
  return html`<form class="stack" onSubmit=${submit} novalidate>
    <${FormError} errors=${errors} />
    <div class="field">
      <label for=${`${form}-alias`}>Alias</label>
      <input ...${field('alias')} required autocomplete="off" defaultValue=${renewing?.alias} readonly=${!!renewing} />
      <${FieldError} form=${form} name="alias" errors=${errors} />
    </div>
    <div class="field">
      <label for=${`${form}-name`}>Name</label>
      <input ...${field('name')} required autocomplete="off" defaultValue=${renewing?.name} />
      <${FieldError} form=${form} name="name" errors=${errors} />
    </div>
    <fieldset class="field" aria-describedby=${errors['roles'] ? `${form}-roles-error` : undefined}>
      <legend>Roles</legend>
      <div class="checks">
        ${ALLOWED_ROLES.map(
          (role) =>
            html`<label key=${role}
              ><input type="checkbox" name="roles" value=${role} defaultChecked=${renewing?.roles.includes(role)} />
              ${role}</label
            >`,
        )}
      </div>
      <${FieldError} form=${form} name="roles" errors=${errors} />
    </fieldset>
    <div class="field">
      <label for=${`${form}-owner`}>Owner <span class="muted">(optional)</span></label>
      <input ...${field('owner')} autocomplete="off" defaultValue=${renewing?.owner ?? ''} />
      <${FieldError} form=${form} name="owner" errors=${errors} />
    </div>
    <div class="field">
      <label for=${`${form}-ttl_seconds`}>Valid for <span class="muted">(optional; default: the server's)</span></label>
      <div class="row">
        <input ...${field('ttl_seconds')} name="ttl_amount" type="number" min="1" step="1" inputmode="numeric" />
        <select name="ttl_unit" aria-label="Unit of validity">
          <option value="days">days</option>
          <option value="hours">hours</option>
          <option value="minutes">minutes</option>
        </select>
      </div>
      <${FieldError} form=${form} name="ttl_seconds" errors=${errors} />
    </div>
    <div class="field">
      <label for=${`${form}-meta`}>Metadata <span class="muted">(optional JSON object)</span></label>
      <textarea
        ...${field('meta')}
        rows="3"
        spellcheck="false"
        defaultValue=${renewing?.meta ? JSON.stringify(renewing.meta) : ''}
      ></textarea>
      <${FieldError} form=${form} name="meta" errors=${errors} />
    </div>
    <div class="actions">
      <button type="submit" class="primary" disabled=${busy}>${renewing ? 'Renew key' : 'Create key'}</button>
      <button type="button" onClick=${props.onCancel}>Cancel</button>
    </div>
  </form>`;
}
