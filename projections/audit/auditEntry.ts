import type { ApiKeyEvent, KeyMeta, Role } from '../../domain';
import { parseStoredEventType } from '../../domain';
import { aliasOfStream } from '../../infrastructure/eventStore/apiKeyCodec';
import type { RecordedEvent } from '../../infrastructure/eventStore/port';
import type { KeyEvent } from './keyEvents';

/** What an event changed, as an auditor may see it: never the key hash or the sealed key. */
export interface AuditChanges {
  name?: string;
  roles?: Role[];
  /** Epoch milliseconds. */
  expire?: number;
  active?: boolean;
  keyPrefix?: string;
  reactivated?: boolean;
  owner?: string | null;
  meta?: KeyMeta | null;
  /** Epoch milliseconds, or null: when the key a rotation replaced stops working. */
  previousKeyValidUntil?: number | null;
}

/** One event of the log, in the audit view. */
export interface AuditEntry {
  alias: string;
  type: string;
  version: number;
  /** Epoch milliseconds: when the command was decided. */
  time: number;
  actor: string;
  requestId: string;
  correlationId: string;
  causationId: string;
  changes: AuditChanges;
  revision: bigint;
  position: bigint;
}

/**
 * When an event happened: the command's decision time from its metadata (driven by the
 * service clock), else the time the store recorded it.
 */
export function eventTime(recorded: RecordedEvent): number {
  const at = typeof recorded.metadata?.at === 'string' ? Date.parse(recorded.metadata.at) : NaN;
  return Number.isFinite(at) ? at : recorded.createdAt.getTime();
}

/**
 * What an event changed, the one place that says so: a whitelist, field by field, so that
 * whatever else an event holds never reaches an answer.
 */
function changesOf(event: ApiKeyEvent | undefined): AuditChanges {
  if (!event) return {};
  switch (event.type) {
    case 'ApiKeyCreated':
      return {
        name: event.data.name,
        roles: event.data.roles,
        expire: Date.parse(event.data.expire),
        active: true,
        keyPrefix: event.data.keyPrefix,
        owner: event.data.owner,
        meta: event.data.meta,
      };
    case 'ApiKeyImported':
      return {
        name: event.data.name,
        roles: event.data.roles,
        expire: Date.parse(event.data.expire),
        active: event.data.active,
        ...(event.data.keyPrefix !== null && { keyPrefix: event.data.keyPrefix }),
        owner: event.data.owner,
        meta: event.data.meta,
      };
    case 'ApiKeyRotated': {
      const until = event.data.previousKeyValidUntil;
      return {
        expire: Date.parse(event.data.expire),
        keyPrefix: event.data.keyPrefix,
        previousKeyValidUntil: until === null ? null : Date.parse(until),
        owner: event.data.owner,
        meta: event.data.meta,
      };
    }
    case 'ApiKeyRenewed':
      return {
        name: event.data.name,
        roles: event.data.roles,
        expire: Date.parse(event.data.expire),
        active: true,
        reactivated: event.data.reactivated,
        owner: event.data.owner,
        meta: event.data.meta,
      };
    case 'ApiKeyRevoked':
      return { active: false };
    case 'ApiKeyLeakReported':
      return {};
  }
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

export function toAuditEntry({ recorded, event }: KeyEvent): AuditEntry {
  const parsed = parseStoredEventType(recorded.type);
  const dot = recorded.type.lastIndexOf('.v');
  return {
    alias: aliasOfStream(recorded.streamName),
    type: parsed?.type ?? (dot > 0 ? recorded.type.slice(0, dot) : recorded.type),
    version: parsed?.version ?? 0,
    time: eventTime(recorded),
    actor: text(recorded.metadata?.actor),
    requestId: text(recorded.metadata?.requestId),
    correlationId: text(recorded.metadata?.correlationId),
    causationId: text(recorded.metadata?.causationId),
    changes: changesOf(event),
    revision: recorded.revision,
    position: recorded.position,
  };
}
