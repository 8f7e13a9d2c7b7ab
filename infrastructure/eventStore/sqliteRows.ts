import type { RecordedEvent } from './port';

/** One row of the events table. */
export interface Row {
  position: bigint;
  event_id: string;
  stream_name: string;
  revision: bigint;
  type: string;
  data: string;
  metadata: string;
  created_at: bigint;
}

export const COLUMNS = 'position, event_id, stream_name, revision, type, data, metadata, created_at';

/** A row whose JSON does not parse reads as empty: the codec then reports and skips it. */
function parseJson<T>(text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return {} as T;
  }
}

export function toRecorded(row: Row): RecordedEvent {
  return {
    id: row.event_id,
    type: row.type,
    data: parseJson<RecordedEvent['data']>(row.data),
    metadata: parseJson<RecordedEvent['metadata']>(row.metadata),
    streamName: row.stream_name,
    revision: row.revision,
    position: row.position,
    createdAt: new Date(Number(row.created_at)),
  };
}

/** A row in COLUMNS order, as a raw statement returns it (arrays build faster than objects). */
export type RawRow = [bigint, string, string, bigint, string, string, string, bigint];

/**
 * An event of a page read. Page reads feed projections, which never look at metadata or
 * createdAt: metadata is parsed and the Date built on first access (then kept), so a
 * catch-up pays neither per event. A class (accessors on the prototype, state in private
 * fields) rather than an object literal with accessors: no closures per event. toJSON gives
 * the plain shape. It pays: a 1,000,000-event rebuild runs at 220-245k events/s with it against
 * 169-211k with plain events built eagerly (bench 4, 3 runs each, 2026-12-01).
 */
class PageEvent implements RecordedEvent {
  id: string;
  type: string;
  data: RecordedEvent['data'];
  streamName: string;
  revision: bigint;
  position: bigint;
  #metadataText: string;
  #metadata: RecordedEvent['metadata'] | undefined = undefined;
  #createdAtMs: bigint;
  #createdAt: Date | undefined = undefined;

  constructor(row: RawRow) {
    this.id = row[1];
    this.type = row[4];
    this.data = parseJson<RecordedEvent['data']>(row[5]);
    this.streamName = row[2];
    this.revision = row[3];
    this.position = row[0];
    this.#metadataText = row[6];
    this.#createdAtMs = row[7];
  }

  get metadata(): RecordedEvent['metadata'] {
    return (this.#metadata ??= parseJson<RecordedEvent['metadata']>(this.#metadataText));
  }

  set metadata(value: RecordedEvent['metadata']) {
    this.#metadata = value;
  }

  get createdAt(): Date {
    return (this.#createdAt ??= new Date(Number(this.#createdAtMs)));
  }

  set createdAt(value: Date) {
    this.#createdAt = value;
  }

  toJSON(): RecordedEvent {
    return {
      id: this.id,
      type: this.type,
      data: this.data,
      metadata: this.metadata,
      streamName: this.streamName,
      revision: this.revision,
      position: this.position,
      createdAt: this.createdAt,
    };
  }
}

export function fromRawRow(row: RawRow): RecordedEvent {
  return new PageEvent(row);
}
