import { statusAt, type KeyStatus, type Role } from '../../domain';
import type { KeyView } from './authReadModel';

export interface KeyListFilter {
  limit: number;
  status?: KeyStatus;
  role?: Role;
  owner?: string;
  /** Case-insensitive substring of the alias or the name. */
  q?: string;
  /** From a previous page: the list goes on after this key. */
  cursor?: string;
}

/** A place in the list's order (newest first, then alias), safe to hand out. */
interface Position {
  createdAt: number;
  alias: string;
}

export class InvalidCursorError extends Error {
  constructor() {
    super('invalid cursor');
    this.name = 'InvalidCursorError';
  }
}

const encode = (p: Position) => Buffer.from(JSON.stringify([p.createdAt, p.alias])).toString('base64url');

function decode(cursor: string): Position {
  try {
    const [createdAt, alias] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'number' && typeof alias === 'string') return { createdAt, alias };
  } catch {
    // falls through
  }
  throw new InvalidCursorError();
}

/** Newest first; keys created at the same instant by alias. */
const before = (a: Position, b: Position) =>
  a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.alias < b.alias);

/**
 * One page of keys matching the filter, and the cursor of the next page when more remain.
 * Positions only move forwards in that order, so a key created while someone pages (it is
 * newer than any cursor) never shifts the pages still to come.
 */
export function pageOfKeys(
  views: Iterable<KeyView>,
  filter: KeyListFilter,
  nowMs: number,
): { keys: KeyView[]; next: string | undefined } {
  const after = filter.cursor === undefined ? undefined : decode(filter.cursor);
  const q = filter.q?.toLowerCase();
  const matching: KeyView[] = [];
  for (const view of views) {
    if (after && !before(after, view)) continue;
    if (filter.owner !== undefined && view.owner !== filter.owner) continue;
    if (filter.role !== undefined && !view.roles.includes(filter.role)) continue;
    if (filter.status !== undefined && statusAt(view, nowMs) !== filter.status) continue;
    if (q && !view.alias.toLowerCase().includes(q) && !view.name.toLowerCase().includes(q)) continue;
    matching.push(view);
  }
  matching.sort((a, b) => (before(a, b) ? -1 : 1));
  const keys = matching.slice(0, filter.limit);
  const last = keys[keys.length - 1];
  return { keys, next: matching.length > filter.limit && last ? encode(last) : undefined };
}
