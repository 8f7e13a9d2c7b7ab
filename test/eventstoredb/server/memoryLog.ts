/** The test server's in-memory log, and the conversions between it and the wire messages. */
import * as grpc from '@grpc/grpc-js';
import * as streamsPb from '@eventstore/db-client/generated/streams_pb';
import * as sharedPb from '@eventstore/db-client/generated/shared_pb';
import { randomUUID } from 'node:crypto';

const { ReadResp } = streamsPb;

export interface StoredEvent {
  streamName: string;
  revision: bigint;
  id: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  customMetadata: Uint8Array;
  position: bigint;
  /** .NET ticks (100 ns) since the Unix epoch. */
  created: bigint;
}

export type ProposedEvent = Omit<StoredEvent, 'streamName' | 'revision' | 'position' | 'created'>;

const TICKS_PER_MS = 10_000n;

export class MemoryLog {
  readonly events: StoredEvent[] = [];
  readonly streams = new Map<string, StoredEvent[]>();
  private nextPosition = 0n;
  private readonly listeners = new Set<() => void>();

  /** A fresh node: a few system events are written before any user event, as on a real one. */
  static fresh(): MemoryLog {
    const log = new MemoryLog();
    const seed = (stream: string, type: string, data: unknown) =>
      log.write(stream, [
        {
          id: randomUUID(),
          type,
          contentType: 'application/json',
          data: Buffer.from(JSON.stringify(data)),
          customMetadata: new Uint8Array(),
        },
      ]);
    seed('$users', '$UserCreated', { LoginName: 'admin' });
    seed('$user-admin', '$UserCreated', { LoginName: 'admin', FullName: 'Event Store Administrator' });
    seed('$users', '$UserCreated', { LoginName: 'ops' });
    return log;
  }

  write(streamName: string, proposed: ProposedEvent[]): StoredEvent[] {
    let stream = this.streams.get(streamName);
    if (!stream) {
      stream = [];
      this.streams.set(streamName, stream);
    }
    const written: StoredEvent[] = [];
    const created = BigInt(Date.now()) * TICKS_PER_MS;
    for (const p of proposed) {
      const event: StoredEvent = {
        ...p,
        streamName,
        revision: BigInt(stream.length),
        position: this.nextPosition,
        created,
      };
      // Roughly the size of a prepare record, so positions look like the real log's byte offsets.
      this.nextPosition += BigInt(
        96 + Buffer.byteLength(streamName) + Buffer.byteLength(p.type) + p.data.length + p.customMetadata.length,
      );
      stream.push(event);
      this.events.push(event);
      written.push(event);
    }
    for (const listener of [...this.listeners]) listener();
    return written;
  }

  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export function utf8(bytes: Uint8Array | string): string {
  return typeof bytes === 'string'
    ? Buffer.from(bytes, 'base64').toString('utf8')
    : Buffer.from(bytes).toString('utf8');
}

export function grpcError(
  code: grpc.status,
  details: string,
  trailers: Record<string, string> = {},
): Partial<grpc.StatusObject> & Error {
  const metadata = new grpc.Metadata();
  for (const [k, v] of Object.entries(trailers)) metadata.set(k, v);
  return Object.assign(new Error(details), { code, details, metadata });
}

function toUuid(id: string, structured: boolean): sharedPb.UUID {
  const uuid = new sharedPb.UUID();
  if (!structured) return uuid.setString(id);
  const hex = id.replace(/-/g, '');
  const s = new sharedPb.UUID.Structured();
  s.setMostSignificantBits(BigInt.asIntN(64, BigInt(`0x${hex.slice(0, 16)}`)).toString());
  s.setLeastSignificantBits(BigInt.asIntN(64, BigInt(`0x${hex.slice(16, 32)}`)).toString());
  return uuid.setStructured(s);
}

export function fromUuid(uuid: sharedPb.UUID | undefined): string {
  if (!uuid) return randomUUID();
  if (uuid.hasStructured()) {
    const s = uuid.getStructured()!;
    const msb = BigInt.asUintN(64, BigInt(s.getMostSignificantBits())).toString(16).padStart(16, '0');
    const lsb = BigInt.asUintN(64, BigInt(s.getLeastSignificantBits())).toString(16).padStart(16, '0');
    const hex = msb + lsb;
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  return uuid.getString();
}

export function toReadResp(event: StoredEvent, structuredUuid: boolean): streamsPb.ReadResp {
  const recorded = new ReadResp.ReadEvent.RecordedEvent();
  recorded.setId(toUuid(event.id, structuredUuid));
  recorded.setStreamIdentifier(new sharedPb.StreamIdentifier().setStreamName(Buffer.from(event.streamName, 'utf8')));
  recorded.setStreamRevision(event.revision.toString());
  recorded.setPreparePosition(event.position.toString());
  recorded.setCommitPosition(event.position.toString());
  const metadata = recorded.getMetadataMap();
  metadata.set('type', event.type);
  metadata.set('content-type', event.contentType);
  metadata.set('created', event.created.toString());
  recorded.setCustomMetadata(event.customMetadata);
  recorded.setData(event.data);
  const readEvent = new ReadResp.ReadEvent();
  readEvent.setEvent(recorded);
  readEvent.setCommitPosition(event.position.toString());
  return new ReadResp().setEvent(readEvent);
}
