/**
 * Reads through the raw gRPC `Streams.Read` call, on the client's own channel.
 *
 * Why not the client's readAll/readStream: client 6.x has no server-side filter for one-shot
 * reads (it reads and decodes every event of `$all`, then filters), and it gives every read an
 * infinite deadline and no `requires-leader` header unless asked. KurrentDB's Streams.Read takes
 * a filter on one-shot `$all` reads (Enumerator.ReadAllForwardsFiltered / BackwardsFiltered:
 * `count` = matching events to return, the server pages through the log and sends only the
 * matches), honours `requires-leader` (a follower answers NotLeader with the leader's address,
 * and the client reconnects there) and a call deadline.
 *
 * The client's `execute` and `callArguments` (protected in its typings) are used so that
 * credentials, the connection name, TLS and reconnection on NotLeader/UNAVAILABLE are the
 * client's own.
 */
import type { EventStoreDBClient } from '@eventstore/db-client';
import { StreamsClient } from '@eventstore/db-client/generated/streams_grpc_pb';
import { ReadReq, type ReadResp } from '@eventstore/db-client/generated/streams_pb';
import { Empty, StreamIdentifier } from '@eventstore/db-client/generated/shared_pb';
import type { ClientReadableStream, Metadata, CallOptions } from '@grpc/grpc-js';
import type { EventMetadata, RecordedEvent } from './port';

export interface RawReadOptions {
  /** A stream name; omitted = `$all`. */
  stream?: string;
  direction: 'forwards' | 'backwards';
  /** `$all`: a position (forwards inclusive, backwards exclusive, as the server does). Omitted = start/end. */
  fromPosition?: bigint;
  count: number;
  /** `$all` only: the server sends only events of streams starting with one of these. */
  streamPrefixes?: string[];
  requiresLeader: boolean;
  deadlineMs: number;
}

/** One read result: its position, and the event unless it is a system (`$`) event. */
export interface RawReadItem {
  position: bigint;
  event: RecordedEvent | undefined;
}

interface ClientInternals {
  execute<T>(
    Client: typeof StreamsClient,
    debugName: string,
    action: (client: StreamsClient) => Promise<T>,
  ): Promise<T>;
  callArguments(
    base: { requiresLeader?: boolean; deadline?: number },
    callOptions?: CallOptions,
  ): [Metadata, CallOptions];
}

/** Server-side filter window: events the server scans per internal page of a filtered read. */
const FILTER_WINDOW = 4096;
const TICKS_PER_MS = 10_000n;

function parseJson(bytes: Uint8Array): Record<string, unknown> {
  if (bytes.length === 0) return {};
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function isSystemEvent(streamName: string, type: string): boolean {
  return streamName.startsWith('$') || type.startsWith('$');
}

function toItem(resp: ReadResp): RawReadItem | undefined {
  const recorded = resp.getEvent()?.getEvent();
  if (!recorded) return undefined;
  const position = BigInt(recorded.getCommitPosition());
  const streamName = Buffer.from(recorded.getStreamIdentifier()?.getStreamName_asU8() ?? []).toString('utf8');
  const meta = recorded.getMetadataMap();
  const type = meta.get('type') ?? '';
  if (isSystemEvent(streamName, type)) return { position, event: undefined };
  const created = meta.get('created');
  return {
    position,
    event: {
      id: recorded.getId()?.getString() ?? '',
      type,
      data: parseJson(recorded.getData_asU8()),
      metadata: parseJson(recorded.getCustomMetadata_asU8()) as EventMetadata,
      streamName,
      revision: BigInt(recorded.getStreamRevision()),
      position,
      createdAt: new Date(created ? Number(BigInt(created) / TICKS_PER_MS) : 0),
    },
  };
}

function buildRequest(options: RawReadOptions): ReadReq {
  const req = new ReadReq.Options()
    .setReadDirection(
      options.direction === 'backwards'
        ? ReadReq.Options.ReadDirection.BACKWARDS
        : ReadReq.Options.ReadDirection.FORWARDS,
    )
    .setResolveLinks(false)
    .setCount(String(options.count))
    .setUuidOption(new ReadReq.Options.UUIDOption().setString(new Empty()));
  if (options.stream !== undefined) {
    const stream = new ReadReq.Options.StreamOptions().setStreamIdentifier(
      new StreamIdentifier().setStreamName(Buffer.from(options.stream, 'utf8')),
    );
    if (options.direction === 'backwards') stream.setEnd(new Empty());
    else stream.setStart(new Empty());
    req.setStream(stream);
  } else {
    const all = new ReadReq.Options.AllOptions();
    if (options.fromPosition === undefined) {
      if (options.direction === 'backwards') all.setEnd(new Empty());
      else all.setStart(new Empty());
    } else {
      const p = String(options.fromPosition);
      all.setPosition(new ReadReq.Options.Position().setCommitPosition(p).setPreparePosition(p));
    }
    req.setAll(all);
  }
  const prefixes = options.streamPrefixes?.filter((p) => p.length > 0) ?? [];
  if (options.stream === undefined && prefixes.length > 0) {
    req.setFilter(
      new ReadReq.Options.FilterOptions()
        .setStreamIdentifier(new ReadReq.Options.FilterOptions.Expression().setPrefixList(prefixes))
        .setMax(FILTER_WINDOW)
        .setCheckpointintervalmultiplier(1),
    );
  } else {
    req.setNoFilter(new Empty());
  }
  return new ReadReq().setOptions(req);
}

/** One read, collected; rejects with the raw gRPC error (map it with mapError). */
export function rawRead(client: EventStoreDBClient, options: RawReadOptions): Promise<RawReadItem[]> {
  const internals = client as unknown as ClientInternals;
  const request = buildRequest(options);
  return internals.execute(StreamsClient, 'read', (streams) => {
    const [metadata, callOptions] = internals.callArguments({
      requiresLeader: options.requiresLeader,
      deadline: options.deadlineMs,
    });
    return new Promise<RawReadItem[]>((resolve, reject) => {
      const items: RawReadItem[] = [];
      const call: ClientReadableStream<ReadResp> = streams.read(request, metadata, callOptions);
      call.on('data', (resp: ReadResp) => {
        if (resp.hasStreamNotFound()) return;
        const item = toItem(resp);
        if (item) items.push(item);
      });
      // Done when the messages ended AND the status is OK (grpc-js may emit them in either order).
      let ended = false;
      let ok = false;
      const settle = () => ended && ok && resolve(items);
      call.on('error', reject);
      call.on('status', (status: { code: number }) => {
        ok = status.code === 0;
        settle();
      });
      call.on('end', () => {
        ended = true;
        settle();
      });
    });
  });
}
