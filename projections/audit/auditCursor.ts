import type { AuditOrder } from './auditFeed';

/**
 * Cursors are opaque to clients: base64url of `<order>:<global position>`. The order is
 * kept in the cursor so that a cursor cannot be replayed in the other direction.
 */
export function encodeCursor(order: AuditOrder, position: bigint): string {
  return Buffer.from(`${order}:${position.toString()}`, 'utf8').toString('base64url');
}

/** undefined when the cursor is not one of ours or belongs to the other order. */
export function decodeCursor(order: AuditOrder, cursor: string): bigint | undefined {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) return undefined;
  const match = /^(asc|desc):(0|[1-9][0-9]{0,30})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || match[1] !== order) return undefined;
  return BigInt(match[2]!);
}
