/**
 * A small, in-memory, wire-level EventStoreDB test server.
 *
 * It speaks the real gRPC protocol (the service definitions and protobuf classes shipped with
 * @eventstore/db-client), so the production adapter talks to it through the real client:
 * serialization, positions, revisions, errors and subscription framing are all exercised.
 *
 * Implemented:
 *  - ServerFeatures.GetSupportedMethods: advertises Streams.Read and Streams.Append only
 *    (no BatchAppend, so the client uses the classic client-streaming Append).
 *  - Streams.Append: expected revision any / no_stream / stream_exists / exact; success with the
 *    current revision and position, or wrong_expected_version with the current revision (or
 *    current_no_stream); idempotent retries (same event ids at the same place) succeed without
 *    writing twice.
 *  - Streams.Read: a stream or $all, forwards / backwards, count, from start / end / revision /
 *    position (forwards from a position is inclusive, backwards exclusive, like the real server),
 *    filters on stream name or event type (prefixes or regex) with checkpoints every
 *    window * checkpointIntervalMultiplier scanned events, stream_not_found for a missing stream,
 *    and subscriptions (confirmation, catch-up from an exclusive position / revision or the start
 *    or the end, caught_up when the client asks for compatibility >= 1, then live events, never
 *    ending the call until the client cancels or the server stops).
 *  - UUIDs in string or structured form, `created` as .NET ticks since the Unix epoch.
 *
 * Not implemented: Delete, Tombstone, BatchAppend (UNIMPLEMENTED), stream metadata semantics
 * ($maxAge, $tb...), link resolution, projections, persistent subscriptions, users / ACLs,
 * gossip / clustering, TLS, fell_behind.
 *
 * Positions are byte-offset-like (they grow by an approximate record size, not by 1) and a few
 * system events ($users stream) are written at start-up, as on a fresh real node, so user events
 * never start at position 0 and adapters must skip `$` events.
 */
import * as grpc from '@grpc/grpc-js';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import { ServerFeaturesService } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import * as streamsPb from '@eventstore/db-client/generated/streams_pb';
import * as sharedPb from '@eventstore/db-client/generated/shared_pb';
import * as featuresPb from '@eventstore/db-client/generated/serverfeatures_pb';
import { randomUUID } from 'node:crypto';

const { ReadReq, ReadResp, AppendResp } = streamsPb;
type ReadReqT = streamsPb.ReadReq;
type ReadRespT = streamsPb.ReadResp;
type AppendReqT = streamsPb.AppendReq;
type AppendRespT = streamsPb.AppendResp;

export interface EventStoreDbTestServer {
  connectionString: string;
  port: number;
  /** Ends open calls (subscribers see UNAVAILABLE) and stops listening. Data is kept. */
  stop(): Promise<void>;
  /** Listens again on the same port with the same data (after stop(); stops first if running). */
  restart(): Promise<void>;
  /** Number of non-system events written (system `$` events seeded at start-up excluded). */
  eventCount(): number;
}

interface StoredEvent {
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

const TICKS_PER_MS = 10_000n;
const SERVER_VERSION = '23.10.0';
const DEFAULT_FILTER_WINDOW = 32;

class MemoryLog {
  readonly events: StoredEvent[] = [];
  readonly streams = new Map<string, StoredEvent[]>();
  private nextPosition = 0n;
  private readonly listeners = new Set<() => void>();

  write(
    streamName: string,
    proposed: Array<Omit<StoredEvent, 'streamName' | 'revision' | 'position' | 'created'>>,
  ): StoredEvent[] {
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

function utf8(bytes: Uint8Array | string): string {
  return typeof bytes === 'string'
    ? Buffer.from(bytes, 'base64').toString('utf8')
    : Buffer.from(bytes).toString('utf8');
}

function grpcError(code: grpc.status, details: string): Partial<grpc.StatusObject> & Error {
  return Object.assign(new Error(details), { code, details });
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

function fromUuid(uuid: sharedPb.UUID | undefined): string {
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

function toReadResp(event: StoredEvent, structuredUuid: boolean): ReadRespT {
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

interface Filter {
  matches(event: StoredEvent): boolean;
  /** Checkpoint every this many scanned events (subscriptions only). */
  checkpointInterval: number;
}

function buildFilter(options: streamsPb.ReadReq.Options): Filter | null {
  if (!options.hasFilter()) return null;
  const f = options.getFilter()!;
  const onStream = f.hasStreamIdentifier();
  const expr = onStream ? f.getStreamIdentifier() : f.getEventType();
  const prefixes = expr?.getPrefixList() ?? [];
  const regexSource = expr?.getRegex() ?? '';
  const regex = regexSource ? new RegExp(regexSource) : null;
  const window = f.hasMax() ? f.getMax() : DEFAULT_FILTER_WINDOW;
  const multiplier = Math.max(1, f.getCheckpointintervalmultiplier() || 1);
  return {
    matches(event) {
      const value = onStream ? event.streamName : event.type;
      if (prefixes.length > 0) return prefixes.some((p) => value.startsWith(p));
      if (regex) return regex.test(value);
      return true;
    },
    checkpointInterval: Math.max(1, window) * multiplier,
  };
}

export async function startEventStoreDbTestServer(opts: { port?: number } = {}): Promise<EventStoreDbTestServer> {
  const log = new MemoryLog();
  // A fresh real node writes a few system events before any user event.
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

  const openCalls = new Set<{ end(err: Error): void }>();
  let server: grpc.Server | null = null;
  let port = opts.port ?? 0;

  // ---- ServerFeatures ----
  const getSupportedMethods: grpc.handleUnaryCall<sharedPb.Empty, featuresPb.SupportedMethods> = (_call, callback) => {
    const methods = [
      ['event_store.client.streams.Streams', 'Read'],
      ['event_store.client.streams.Streams', 'Append'],
      ['event_store.client.server_features.ServerFeatures', 'GetSupportedMethods'],
    ].map(([service, method]) =>
      new featuresPb.SupportedMethod().setServiceName(service!.toLowerCase()).setMethodName(method!.toLowerCase()),
    );
    callback(
      null,
      new featuresPb.SupportedMethods().setMethodsList(methods).setEventStoreServerVersion(SERVER_VERSION),
    );
  };

  // ---- Streams.Append ----
  const append: grpc.handleClientStreamingCall<AppendReqT, AppendRespT> = (call, callback) => {
    let options: streamsPb.AppendReq.Options | undefined;
    const proposed: Array<Omit<StoredEvent, 'streamName' | 'revision' | 'position' | 'created'>> = [];
    let failed = false;
    const fail = (code: grpc.status, details: string) => {
      if (failed) return;
      failed = true;
      callback(grpcError(code, details));
    };
    call.on('data', (req: AppendReqT) => {
      if (failed) return;
      if (req.hasOptions()) {
        if (options) return fail(grpc.status.INVALID_ARGUMENT, 'options sent twice');
        options = req.getOptions();
        return;
      }
      if (!options) return fail(grpc.status.INVALID_ARGUMENT, 'options must be sent first');
      const msg = req.getProposedMessage();
      if (!msg) return;
      const meta = msg.getMetadataMap();
      const type = meta.get('type');
      const contentType = meta.get('content-type');
      if (!type || !contentType) return fail(grpc.status.INVALID_ARGUMENT, 'type and content-type are required');
      proposed.push({
        id: fromUuid(msg.getId()),
        type,
        contentType,
        data: msg.getData_asU8(),
        customMetadata: msg.getCustomMetadata_asU8(),
      });
    });
    call.on('error', () => {
      failed = true;
    });
    call.on('end', () => {
      if (failed) return;
      if (!options || !options.hasStreamIdentifier()) return fail(grpc.status.INVALID_ARGUMENT, 'missing options');
      const streamName = utf8(options.getStreamIdentifier()!.getStreamName());
      const stream = log.streams.get(streamName) ?? [];
      const current = stream.length === 0 ? null : BigInt(stream.length - 1);

      // Like the real server: commit = the last event's position, prepare = the transaction's (first event's).
      const success = (first: StoredEvent | undefined, last: StoredEvent | undefined) => {
        const s = new AppendResp.Success();
        if (first && last) {
          s.setCurrentRevision(last.revision.toString());
          s.setPosition(
            new AppendResp.Position()
              .setCommitPosition(last.position.toString())
              .setPreparePosition(first.position.toString()),
          );
        } else {
          if (current === null) s.setNoStream(new sharedPb.Empty());
          else s.setCurrentRevision(current.toString());
          s.setNoPosition(new sharedPb.Empty());
        }
        callback(null, new AppendResp().setSuccess(s));
      };

      // Idempotency: the same ids already written where this batch would have gone.
      if (proposed.length > 0) {
        let start: number | null = null;
        if (options.hasRevision()) start = Number(BigInt(options.getRevision()) + 1n);
        else if (options.hasNoStream()) start = 0;
        else {
          const first = proposed[0]!.id;
          const idx = stream.findIndex((e) => e.id === first);
          start = idx >= 0 ? idx : null;
        }
        if (
          start !== null &&
          start + proposed.length <= stream.length &&
          proposed.every((p, i) => stream[start! + i]!.id === p.id)
        ) {
          return success(stream[start], stream[start + proposed.length - 1]);
        }
      }

      let ok: boolean;
      const wev = new AppendResp.WrongExpectedVersion();
      if (options.hasAny()) {
        ok = true;
      } else if (options.hasNoStream()) {
        ok = current === null;
        wev.setExpectedNoStream(new sharedPb.Empty());
      } else if (options.hasStreamExists()) {
        ok = current !== null;
        wev.setExpectedStreamExists(new sharedPb.Empty());
      } else if (options.hasRevision()) {
        const expected = BigInt(options.getRevision());
        ok = current === expected;
        wev.setExpectedRevision(expected.toString());
      } else {
        return fail(grpc.status.INVALID_ARGUMENT, 'missing expected stream revision');
      }
      if (!ok) {
        if (current === null) wev.setCurrentNoStream(new sharedPb.Empty());
        else wev.setCurrentRevision(current.toString());
        return callback(null, new AppendResp().setWrongExpectedVersion(wev));
      }
      const written = log.write(streamName, proposed);
      success(written[0], written[written.length - 1]);
    });
  };

  // ---- Streams.Read ----
  const read: grpc.handleServerStreamingCall<ReadReqT, ReadRespT> = (call) => {
    const options = call.request.getOptions();
    if (!options) {
      call.emit('error', grpcError(grpc.status.INVALID_ARGUMENT, 'missing options'));
      return;
    }
    const structuredUuid = options.getUuidOption()?.hasStructured() ?? false;
    const backwards = options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS;
    const filter = buildFilter(options);
    const subscription = options.hasSubscription();
    const count = options.hasCount() ? BigInt(options.getCount()) : BigInt(Number.MAX_SAFE_INTEGER);

    // --- one-shot reads ---
    if (!subscription) {
      let candidates: StoredEvent[];
      if (options.hasStream()) {
        const so = options.getStream()!;
        const streamName = utf8(so.getStreamIdentifier()?.getStreamName() ?? '');
        const stream = log.streams.get(streamName);
        if (!stream) {
          const nf = new ReadResp.StreamNotFound().setStreamIdentifier(
            new sharedPb.StreamIdentifier().setStreamName(Buffer.from(streamName, 'utf8')),
          );
          call.write(new ReadResp().setStreamNotFound(nf));
          call.end();
          return;
        }
        if (backwards) {
          const from = so.hasRevision() ? BigInt(so.getRevision()) : so.hasStart() ? 0n : BigInt(stream.length - 1);
          candidates = stream.filter((e) => e.revision <= from).reverse();
        } else {
          const from = so.hasRevision() ? BigInt(so.getRevision()) : so.hasEnd() ? BigInt(stream.length) : 0n;
          candidates = stream.filter((e) => e.revision >= from);
        }
      } else if (options.hasAll()) {
        const ao = options.getAll()!;
        if (backwards) {
          const before = ao.hasPosition() ? BigInt(ao.getPosition()!.getCommitPosition()) : ao.hasStart() ? -1n : null;
          candidates = log.events.filter((e) => before === null || e.position < before).reverse();
        } else {
          const from = ao.hasPosition() ? BigInt(ao.getPosition()!.getCommitPosition()) : ao.hasEnd() ? null : 0n;
          candidates = from === null ? [] : log.events.filter((e) => e.position >= from);
        }
        if (filter) candidates = candidates.filter((e) => filter.matches(e));
      } else {
        call.emit('error', grpcError(grpc.status.INVALID_ARGUMENT, 'stream or all required'));
        return;
      }
      let sent = 0n;
      for (const e of candidates) {
        if (sent >= count) break;
        call.write(toReadResp(e, structuredUuid));
        sent++;
      }
      call.end();
      return;
    }

    // --- subscriptions ---
    let accept: (e: StoredEvent) => boolean;
    let cursor = 0;
    if (options.hasStream()) {
      const so = options.getStream()!;
      const streamName = utf8(so.getStreamIdentifier()?.getStreamName() ?? '');
      const after = so.hasRevision() ? BigInt(so.getRevision()) : -1n;
      accept = (e) => e.streamName === streamName && e.revision > after;
      if (so.hasEnd()) cursor = log.events.length;
    } else if (options.hasAll()) {
      const ao = options.getAll()!;
      const after = ao.hasPosition() ? BigInt(ao.getPosition()!.getCommitPosition()) : -1n;
      accept = (e) => e.position > after && (!filter || filter.matches(e));
      if (ao.hasEnd()) cursor = log.events.length;
      else if (ao.hasPosition()) {
        // Start scanning right after the position, as the real server does.
        const idx = log.events.findIndex((e) => e.position > after);
        cursor = idx < 0 ? log.events.length : idx;
      }
    } else {
      call.emit('error', grpcError(grpc.status.INVALID_ARGUMENT, 'stream or all required'));
      return;
    }
    const wantsCaughtUp = (options.getControlOption()?.getCompatibility() ?? 0) >= 1;
    const checkpointInterval = options.hasAll() && filter ? filter.checkpointInterval : 0;

    let done = false;
    let caughtUpSent = false;
    let waitingForDrain = false;
    let pumping = false;
    let scanned = 0;
    const stopListening = log.onAppend(() => pump());
    const entry = {
      end(err: Error) {
        if (done) return;
        finish();
        call.emit('error', err);
      },
    };
    const finish = () => {
      done = true;
      stopListening();
      openCalls.delete(entry);
    };
    openCalls.add(entry);
    call.on('cancelled', finish);
    call.on('close', finish);
    call.on('error', finish);

    const pump = () => {
      if (done || waitingForDrain || pumping) return;
      pumping = true;
      try {
        while (cursor < log.events.length) {
          const e = log.events[cursor++]!;
          scanned++;
          let flowing = true;
          if (accept(e)) flowing = call.write(toReadResp(e, structuredUuid));
          if (checkpointInterval > 0 && scanned % checkpointInterval === 0) {
            const cp = new ReadResp.Checkpoint()
              .setCommitPosition(e.position.toString())
              .setPreparePosition(e.position.toString());
            flowing = call.write(new ReadResp().setCheckpoint(cp)) && flowing;
          }
          if (!flowing) {
            waitingForDrain = true;
            call.once('drain', () => {
              waitingForDrain = false;
              pump();
            });
            return;
          }
        }
        if (!caughtUpSent) {
          caughtUpSent = true;
          if (wantsCaughtUp) call.write(new ReadResp().setCaughtUp(new ReadResp.CaughtUp()));
        }
      } finally {
        pumping = false;
      }
    };

    call.write(new ReadResp().setConfirmation(new ReadResp.SubscriptionConfirmation().setSubscriptionId(randomUUID())));
    pump();
  };

  const listen = async (): Promise<void> => {
    const s = new grpc.Server();
    s.addService(StreamsService, { read, append } as unknown as grpc.UntypedServiceImplementation);
    s.addService(ServerFeaturesService, { getSupportedMethods } as unknown as grpc.UntypedServiceImplementation);
    port = await new Promise<number>((resolve, reject) =>
      s.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, boundPort) =>
        err ? reject(err) : resolve(boundPort),
      ),
    );
    server = s;
  };

  const stop = async (): Promise<void> => {
    const s = server;
    if (!s) return;
    server = null;
    for (const c of [...openCalls]) c.end(grpcError(grpc.status.UNAVAILABLE, 'Server is shutting down'));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        s.forceShutdown();
        resolve();
      }, 300);
      s.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  };

  await listen();

  return {
    get connectionString() {
      return `esdb://127.0.0.1:${port}?tls=false`;
    },
    get port() {
      return port;
    },
    stop,
    async restart() {
      await stop();
      await listen();
    },
    eventCount: () => log.events.filter((e) => !e.streamName.startsWith('$')).length,
  };
}
