import { html } from './html';
import { When } from './common';
import { changeText } from './format';
import type { HistoryItem } from './types';

/** "ApiKeyRevoked" -> "Revoked". */
const label = (type: string) => type.replace(/^ApiKey/, '');

/** A key's events, oldest first: what changed, when, by whom, under which request id. */
export function Timeline({ items, onAsOf }: { items: HistoryItem[]; onAsOf: (iso: string) => void }) {
  if (items.length === 0) return html`<p class="muted">No events.</p>`;
  return html`<ol class="timeline">
    ${items.map(
      (item) =>
        html`<li key=${item.position}>
          <h3>
            <span class=${`event event-${label(item.type).toLowerCase()}`}>${label(item.type)}</span>
            <${When} iso=${item.time} />
          </h3>
          <p>by <strong>${item.actor}</strong> · request <code>${item.request_id}</code></p>
          <${Changes} changes=${item.changes} />
          <button type="button" class="link" onClick=${() => onAsOf(item.time)}>Show the key as of this change</button>
        </li>`,
    )}
  </ol>`;
}

export function Changes({ changes }: { changes: Record<string, unknown> }) {
  const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
  if (entries.length === 0) return null;
  return html`<dl class="changes">
    ${entries.map(
      ([name, value]) =>
        html`<dt>${name}</dt>
          <dd>${changeText(value)}</dd>`,
    )}
  </dl>`;
}
