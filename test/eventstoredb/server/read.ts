/** Streams.Read: one-shot reads of a stream or `$all` (filtered or not), and subscriptions. */
import * as grpc from '@grpc/grpc-js';
import * as streamsPb from '@eventstore/db-client/generated/streams_pb';
import * as sharedPb from '@eventstore/db-client/generated/shared_pb';
import { randomUUID } from 'node:crypto';
import { refusalError, type Gate } from './gate';
import { grpcError, toReadResp, utf8, type MemoryLog, type StoredEvent } from './memoryLog';

const { ReadReq, ReadResp } = streamsPb;
const DEFAULT_FILTER_WINDOW = 32;

/** A call the server can end (stop, restart, log reset): subscribers then see the error. */
export interface OpenCall {
  end(err: Error): void;
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

/** Index of the first event at or after `position` (events are in position order). */
function lowerBound(events: StoredEvent[], position: bigint): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (events[mid]!.position < position) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function notFound(streamName: string): streamsPb.ReadResp {
  return new ReadResp().setStreamNotFound(
    new ReadResp.StreamNotFound().setStreamIdentifier(
      new sharedPb.StreamIdentifier().setStreamName(Buffer.from(streamName, 'utf8')),
    ),
  );
}

function checkpoint(position: bigint): streamsPb.ReadResp {
  const p = position.toString();
  return new ReadResp().setCheckpoint(new ReadResp.Checkpoint().setCommitPosition(p).setPreparePosition(p));
}

/** What the server sent on one-shot reads: shows whether a filter ran on the server. */
export interface ReadStats {
  eventsSent: number;
}

function oneShot(
  call: grpc.ServerWritableStream<streamsPb.ReadReq, streamsPb.ReadResp>,
  log: MemoryLog,
  stats: ReadStats,
): void {
  const options = call.request.getOptions()!;
  const structuredUuid = options.getUuidOption()?.hasStructured() ?? false;
  const backwards = options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS;
  const filter = buildFilter(options);
  const count = options.hasCount() ? BigInt(options.getCount()) : BigInt(Number.MAX_SAFE_INTEGER);
  // Walks the log lazily from the start point, so a read costs what it scans until `count` matches.
  let events: StoredEvent[];
  let index: number;
  const step = backwards ? -1 : 1;
  let matches = (_e: StoredEvent) => true;
  if (options.hasStream()) {
    const so = options.getStream()!;
    const streamName = utf8(so.getStreamIdentifier()?.getStreamName() ?? '');
    const stream = log.streams.get(streamName);
    if (!stream) {
      call.write(notFound(streamName));
      call.end();
      return;
    }
    events = stream;
    const revision = so.hasRevision() ? Number(so.getRevision()) : undefined;
    if (backwards) index = revision ?? (so.hasStart() ? 0 : stream.length - 1);
    else index = revision ?? (so.hasEnd() ? stream.length : 0);
  } else {
    const ao = options.getAll()!;
    events = log.events;
    // Forwards from a position is inclusive, backwards exclusive, like the real server.
    const position = ao.hasPosition() ? BigInt(ao.getPosition()!.getCommitPosition()) : undefined;
    const firstAtOrAfter = position === undefined ? 0 : lowerBound(events, position);
    if (backwards) index = position !== undefined ? firstAtOrAfter - 1 : ao.hasStart() ? -1 : events.length - 1;
    else index = position !== undefined ? firstAtOrAfter : ao.hasEnd() ? events.length : 0;
    // ReadAllForwardsFiltered / BackwardsFiltered: `count` counts matching events only.
    if (filter) matches = (e) => filter.matches(e);
  }
  let sent = 0n;
  for (; index >= 0 && index < events.length && sent < count; index += step) {
    const e = events[index]!;
    if (!matches(e)) continue;
    call.write(toReadResp(e, structuredUuid));
    sent++;
  }
  stats.eventsSent += Number(sent);
  call.end();
}

function subscribe(
  call: grpc.ServerWritableStream<streamsPb.ReadReq, streamsPb.ReadResp>,
  log: MemoryLog,
  openCalls: Set<OpenCall>,
): void {
  const options = call.request.getOptions()!;
  const structuredUuid = options.getUuidOption()?.hasStructured() ?? false;
  const filter = buildFilter(options);
  let accept: (e: StoredEvent) => boolean;
  let cursor = 0;
  if (options.hasStream()) {
    const so = options.getStream()!;
    const streamName = utf8(so.getStreamIdentifier()?.getStreamName() ?? '');
    const after = so.hasRevision() ? BigInt(so.getRevision()) : -1n;
    accept = (e) => e.streamName === streamName && e.revision > after;
    if (so.hasEnd()) cursor = log.events.length;
  } else {
    const ao = options.getAll()!;
    const after = ao.hasPosition() ? BigInt(ao.getPosition()!.getCommitPosition()) : -1n;
    accept = (e) => e.position > after && (!filter || filter.matches(e));
    if (ao.hasEnd()) cursor = log.events.length;
    else if (ao.hasPosition()) {
      // Start scanning right after the position, as the real server does.
      const idx = log.events.findIndex((e) => e.position > after);
      cursor = idx < 0 ? log.events.length : idx;
    }
  }
  const filteredAll = options.hasAll() && filter !== null;
  // Current KurrentDB sends caught_up on filtered $all subscriptions (AllSubscriptionFiltered.GoLive);
  // other subscriptions get it when the client asks for compatibility >= 1.
  const wantsCaughtUp = filteredAll || (options.getControlOption()?.getCompatibility() ?? 0) >= 1;
  const checkpointInterval = filteredAll ? filter.checkpointInterval : 0;

  let done = false;
  let caughtUpSent = false;
  let waitingForDrain = false;
  let pumping = false;
  let scanned = 0;
  let lastConsidered: bigint | undefined;
  const stopListening = log.onAppend(() => pump());
  const entry: OpenCall = {
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
        lastConsidered = e.position;
        let flowing = true;
        if (accept(e)) flowing = call.write(toReadResp(e, structuredUuid));
        if (checkpointInterval > 0 && scanned % checkpointInterval === 0) {
          flowing = call.write(checkpoint(e.position)) && flowing;
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
        // Like AllSubscriptionFiltered.CatchUp: a checkpoint when the catch-up reaches the end.
        if (checkpointInterval > 0 && lastConsidered !== undefined) call.write(checkpoint(lastConsidered));
        if (wantsCaughtUp) call.write(new ReadResp().setCaughtUp(new ReadResp.CaughtUp()));
      }
    } finally {
      pumping = false;
    }
  };

  call.write(new ReadResp().setConfirmation(new ReadResp.SubscriptionConfirmation().setSubscriptionId(randomUUID())));
  pump();
}

export function readHandler(
  log: () => MemoryLog,
  gate: Gate,
  openCalls: Set<OpenCall>,
  stats: ReadStats,
): grpc.handleServerStreamingCall<streamsPb.ReadReq, streamsPb.ReadResp> {
  return (call) => {
    const options = call.request.getOptions();
    if (!options || !(options.hasStream() || options.hasAll())) {
      call.emit('error', grpcError(grpc.status.INVALID_ARGUMENT, 'stream or all required'));
      return;
    }
    const refusal = gate.check(call.metadata, options.hasAll() ? 'read-all' : 'read-stream');
    if (refusal === 'black-hole') return;
    if (refusal) {
      call.emit('error', refusalError(refusal, gate));
      return;
    }
    if (options.hasSubscription()) subscribe(call, log(), openCalls);
    else oneShot(call, log(), stats);
  };
}
