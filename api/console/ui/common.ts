import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import { html } from './html';
import { agoText, dateTime, expiryText } from './format';
import type { KeyStatus } from './types';

/** Error messages by form field name; `form` holds a message that names no field. */
export type FieldErrors = Record<string, string>;

/** Puts the API's message next to the field it names ("alias is required" -> alias), else at the form's top. */
export function errorsFrom(error: unknown, fields: readonly string[]): FieldErrors {
  const message = error instanceof Error ? error.message : String(error);
  const named = message.split(/[\s:]/, 1)[0]!.toLowerCase();
  return fields.includes(named) ? { [named]: message } : { form: message };
}

/** id, name and the ARIA wiring of an input whose error, if any, is shown by FieldError. */
export function fieldProps(form: string, name: string, errors: FieldErrors) {
  return {
    id: `${form}-${name}`,
    name,
    'aria-invalid': errors[name] ? 'true' : undefined,
    'aria-describedby': errors[name] ? `${form}-${name}-error` : undefined,
  };
}

export function FieldError({ form, name, errors }: { form: string; name: string; errors: FieldErrors }) {
  const message = errors[name];
  return message ? html`<p class="field-error" id=${`${form}-${name}-error`}>${message}</p>` : null;
}

export function FormError({ errors }: { errors: FieldErrors }) {
  return errors['form'] ? html`<p class="form-error" role="alert">${errors['form']}</p>` : null;
}

export function StatusBadge({ status }: { status: KeyStatus }) {
  return html`<span class=${`badge badge-${status}`}>${status}</span>`;
}

export function Expiry({ iso }: { iso: string }) {
  return html`<time datetime=${iso} title=${dateTime(iso)}>${expiryText(iso)}</time>`;
}

export function Ago({ iso }: { iso: string | null | undefined }) {
  return iso ? html`<time datetime=${iso} title=${dateTime(iso)}>${agoText(iso)}</time>` : html`<span>never</span>`;
}

export function When({ iso }: { iso: string }) {
  return html`<time datetime=${iso}>${dateTime(iso)}</time>`;
}

/** A page title that takes the focus when the page opens, so keyboard and screen-reader users start there. */
export function PageTitle({ children }: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return html`<h1 tabindex="-1" ref=${ref}>${children}</h1>`;
}

/** A modal <dialog> (focus kept inside, Escape closes), open while rendered. */
export function Modal(props: { title: string; onClose: () => void; children: ComponentChildren; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current!;
    if (!dialog.open) dialog.showModal();
    return () => dialog.open && dialog.close();
  }, []);
  return html`<dialog ref=${ref} class=${props.wide ? 'wide' : ''} aria-labelledby=${titleId} onClose=${props.onClose}>
    <h2 id=${titleId}>${props.title}</h2>
    ${props.children}
  </dialog>`;
}

/** Loading and error lines for a list or a panel. */
export function LoadState({ loading, error }: { loading: boolean; error?: string }) {
  if (error) return html`<p class="form-error" role="alert">${error}</p>`;
  return loading ? html`<p class="muted" role="status">Loading…</p>` : null;
}
