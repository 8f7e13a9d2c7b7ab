/** Expected-revision checks and idempotent writes, shared by Streams.Append and Streams.BatchAppend. */
import type { MemoryLog, ProposedEvent, StoredEvent } from './memoryLog';

export type Expected =
  { kind: 'any' } | { kind: 'no_stream' } | { kind: 'stream_exists' } | { kind: 'revision'; revision: bigint };

export type WriteOutcome =
  | { ok: true; first: StoredEvent | undefined; last: StoredEvent | undefined; current: bigint | null }
  | { ok: false; current: bigint | null };

/**
 * Like the real server: the same event ids already written where this batch would have gone
 * (right after the expected revision, or anywhere for `any`) answer success again without
 * writing twice; otherwise the expected revision is checked, then the events are written.
 */
export function writeEvents(
  log: MemoryLog,
  streamName: string,
  proposed: ProposedEvent[],
  expected: Expected,
): WriteOutcome {
  const stream = log.streams.get(streamName) ?? [];
  const current = stream.length === 0 ? null : BigInt(stream.length - 1);
  if (proposed.length > 0) {
    let start: number | null;
    if (expected.kind === 'revision') start = Number(expected.revision + 1n);
    else if (expected.kind === 'no_stream') start = 0;
    else {
      const idx = stream.findIndex((e) => e.id === proposed[0]!.id);
      start = idx >= 0 ? idx : null;
    }
    if (
      start !== null &&
      start + proposed.length <= stream.length &&
      proposed.every((p, i) => stream[start! + i]!.id === p.id)
    ) {
      return { ok: true, first: stream[start], last: stream[start + proposed.length - 1], current };
    }
  }
  const ok =
    expected.kind === 'any' ||
    (expected.kind === 'no_stream' && current === null) ||
    (expected.kind === 'stream_exists' && current !== null) ||
    (expected.kind === 'revision' && current === expected.revision);
  if (!ok) return { ok: false, current };
  const written = log.write(streamName, proposed);
  return { ok: true, first: written[0], last: written[written.length - 1], current };
}
