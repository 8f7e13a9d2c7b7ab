/** "45 s", "12 min", "5 h", "3 days": a duration rounded to its largest sensible unit. */
export function span(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  const days = Math.round(hours / 24);
  return `${days} days`;
}

/** "in 3 days" or "expired 2 h ago". */
export function expiryText(iso: string, now = Date.now()): string {
  const left = Date.parse(iso) - now;
  return left >= 0 ? `in ${span(left)}` : `expired ${span(left)} ago`;
}

/** "5 min ago", or "never". */
export function agoText(iso: string | null | undefined, now = Date.now()): string {
  return iso ? `${span(now - Date.parse(iso))} ago` : 'never';
}

/** A readable local date and time. */
export function dateTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** The value of a datetime-local input (local time, to the millisecond) for an instant. */
export function toLocalInput(ms: number): string {
  const local = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 23);
}

/** An ISO-8601 UTC instant from a datetime-local value, or undefined when it is empty or invalid. */
export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** A value of an event's changes, as text. */
export function changeText(value: unknown): string {
  if (Array.isArray(value)) return value.length ? value.join(', ') : '(none)';
  if (value === null) return 'none';
  if (typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT/.test(value)) return dateTime(value);
  return String(value);
}
