/** Streams.Append (client streaming) and Streams.BatchAppend (duplex), as KurrentDB answers them. */
import * as grpc from '@grpc/grpc-js';
import * as streamsPb from '@eventstore/db-client/generated/streams_pb';
import * as sharedPb from '@eventstore/db-client/generated/shared_pb';
import { Status } from '@eventstore/db-client/generated/status_pb';
import { Any } from 'google-protobuf/google/protobuf/any_pb';
import { Empty as PbEmpty } from 'google-protobuf/google/protobuf/empty_pb';
import { refusalError, type Gate } from './gate';
import { fromUuid, grpcError, utf8, type MemoryLog, type ProposedEvent } from './memoryLog';
import { writeEvents, type Expected, type WriteOutcome } from './writes';

const { AppendResp, BatchAppendResp } = streamsPb;

function proposedFrom(
  msg: streamsPb.AppendReq.ProposedMessage | streamsPb.BatchAppendReq.ProposedMessage,
): ProposedEvent {
  const meta = msg.getMetadataMap();
  const type = meta.get('type');
  const contentType = meta.get('content-type');
  if (!type || !contentType) throw grpcError(grpc.status.INVALID_ARGUMENT, 'type and content-type are required');
  return {
    id: fromUuid(msg.getId()),
    type,
    contentType,
    data: msg.getData_asU8(),
    customMetadata: msg.getCustomMetadata_asU8(),
  };
}

// ---- Streams.Append ----
export function appendHandler(
  log: () => MemoryLog,
  gate: Gate,
): grpc.handleClientStreamingCall<streamsPb.AppendReq, streamsPb.AppendResp> {
  return (call, callback) => {
    let options: streamsPb.AppendReq.Options | undefined;
    const proposed: ProposedEvent[] = [];
    let failed = false;
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      callback(error);
    };
    call.on('data', (req: streamsPb.AppendReq) => {
      if (failed) return;
      if (req.hasOptions()) {
        if (options) return fail(grpcError(grpc.status.INVALID_ARGUMENT, 'options sent twice'));
        options = req.getOptions();
        return;
      }
      if (!options) return fail(grpcError(grpc.status.INVALID_ARGUMENT, 'options must be sent first'));
      const msg = req.getProposedMessage();
      if (!msg) return;
      try {
        proposed.push(proposedFrom(msg));
      } catch (error) {
        fail(error as Error);
      }
    });
    call.on('error', () => {
      failed = true;
    });
    call.on('end', () => {
      if (failed) return;
      if (!options || !options.hasStreamIdentifier())
        return fail(grpcError(grpc.status.INVALID_ARGUMENT, 'missing options'));
      const refusal = gate.check(call.metadata, 'append');
      if (refusal === 'black-hole') return;
      if (refusal) return fail(refusalError(refusal, gate));
      const expected: Expected | undefined = options.hasAny()
        ? { kind: 'any' }
        : options.hasNoStream()
          ? { kind: 'no_stream' }
          : options.hasStreamExists()
            ? { kind: 'stream_exists' }
            : options.hasRevision()
              ? { kind: 'revision', revision: BigInt(options.getRevision()) }
              : undefined;
      if (!expected) return fail(grpcError(grpc.status.INVALID_ARGUMENT, 'missing expected stream revision'));
      const outcome = writeEvents(log(), utf8(options.getStreamIdentifier()!.getStreamName()), proposed, expected);
      callback(null, classicResponse(outcome, expected));
    });
  };
}

function classicResponse(outcome: WriteOutcome, expected: Expected): streamsPb.AppendResp {
  if (!outcome.ok) {
    const wev = new AppendResp.WrongExpectedVersion();
    if (expected.kind === 'no_stream') wev.setExpectedNoStream(new sharedPb.Empty());
    if (expected.kind === 'stream_exists') wev.setExpectedStreamExists(new sharedPb.Empty());
    if (expected.kind === 'revision') wev.setExpectedRevision(expected.revision.toString());
    if (outcome.current === null) wev.setCurrentNoStream(new sharedPb.Empty());
    else wev.setCurrentRevision(outcome.current.toString());
    return new AppendResp().setWrongExpectedVersion(wev);
  }
  // Like the real server: commit = the last event's position, prepare = the transaction's (first event's).
  const s = new AppendResp.Success();
  if (outcome.first && outcome.last) {
    s.setCurrentRevision(outcome.last.revision.toString());
    s.setPosition(
      new AppendResp.Position()
        .setCommitPosition(outcome.last.position.toString())
        .setPreparePosition(outcome.first.position.toString()),
    );
  } else {
    if (outcome.current === null) s.setNoStream(new sharedPb.Empty());
    else s.setCurrentRevision(outcome.current.toString());
    s.setNoPosition(new sharedPb.Empty());
  }
  return new AppendResp().setSuccess(s);
}

// ---- Streams.BatchAppend ----

function status(code: grpc.status, message: string, details: Any): Status {
  return new Status()
    .setCode(code as never)
    .setMessage(message)
    .setDetails(details);
}

function packed(message: { serializeBinary(): Uint8Array }, typeName: string): Any {
  const any = new Any();
  any.pack(message.serializeBinary(), typeName);
  return any;
}

function batchError(outcome: WriteOutcome, expected: Expected): Status {
  const wev = new sharedPb.WrongExpectedVersion();
  if (outcome.current === null) wev.setCurrentNoStream(new PbEmpty());
  else wev.setCurrentStreamRevision(outcome.current.toString());
  if (expected.kind === 'any') wev.setExpectedAny(new PbEmpty());
  if (expected.kind === 'no_stream') wev.setExpectedNoStream(new PbEmpty());
  if (expected.kind === 'stream_exists') wev.setExpectedStreamExists(new PbEmpty());
  if (expected.kind === 'revision') wev.setExpectedStreamPosition(expected.revision.toString());
  return status(
    grpc.status.ALREADY_EXISTS,
    'WrongExpectedVersion',
    packed(wev, 'event_store.client.WrongExpectedVersion'),
  );
}

interface PendingBatch {
  streamName: string;
  expected: Expected;
  proposed: ProposedEvent[];
}

/**
 * KurrentDB's BatchAppendWorker: requests carry a correlation id; the first one of a batch
 * carries the options (stream, expected revision, deadline), every one may carry events, the
 * one with is_final writes the batch; each batch is answered on its own (correlation id, stream,
 * success or a google.rpc.Status). "Not ready"/"busy" is a Status with `Empty` details; "not the
 * leader" ends the whole call with the leader's address (the worker's channel fails); access
 * refused is a Status with `AccessDenied` details.
 */
export function batchAppendHandler(
  log: () => MemoryLog,
  gate: Gate,
): grpc.handleBidiStreamingCall<streamsPb.BatchAppendReq, streamsPb.BatchAppendResp> {
  return (call) => {
    const pending = new Map<string, PendingBatch>();
    let ended = false;
    const end = (error?: Error) => {
      if (ended) return;
      ended = true;
      if (error) call.emit('error', error);
      else call.end();
    };
    call.on('data', (req: streamsPb.BatchAppendReq) => {
      if (ended) return;
      const correlation = req.getCorrelationId();
      const key = fromUuid(correlation);
      const answer = (fill: (resp: streamsPb.BatchAppendResp) => void, streamName: string) => {
        const resp = new BatchAppendResp()
          .setCorrelationId(correlation)
          .setStreamIdentifier(new sharedPb.StreamIdentifier().setStreamName(Buffer.from(streamName, 'utf8')));
        fill(resp);
        call.write(resp);
      };
      const options = req.getOptions();
      if (options) {
        const expected: Expected = options.hasStreamPosition()
          ? { kind: 'revision', revision: BigInt(options.getStreamPosition()) }
          : options.hasNoStream()
            ? { kind: 'no_stream' }
            : options.hasStreamExists()
              ? { kind: 'stream_exists' }
              : { kind: 'any' };
        pending.set(key, {
          streamName: utf8(options.getStreamIdentifier()?.getStreamName() ?? ''),
          expected,
          proposed: [],
        });
      }
      const batch = pending.get(key);
      if (!batch) return;
      try {
        batch.proposed.push(...req.getProposedMessagesList().map(proposedFrom));
      } catch (error) {
        pending.delete(key);
        const message = (error as Error).message;
        answer(
          (r) =>
            r.setError(status(grpc.status.INVALID_ARGUMENT, message, packed(new PbEmpty(), 'google.protobuf.Empty'))),
          batch.streamName,
        );
        return;
      }
      if (!req.getIsFinal()) return;
      pending.delete(key);
      const refusal = gate.check(call.metadata, 'append');
      if (refusal === 'black-hole') return;
      if (refusal === 'not-leader' || refusal === 'unauthenticated') return end(refusalError(refusal, gate));
      if (refusal === 'not-ready') {
        // NotHandled(NotReady): no code, `Empty` details; client 6.x surfaces it as UnknownError.
        const notReady = new Status()
          .setMessage('Server Is Not Ready')
          .setDetails(packed(new PbEmpty(), 'google.protobuf.Empty'));
        return answer((r) => r.setError(notReady), batch.streamName);
      }
      if (refusal === 'access-denied') {
        const denied = status(
          grpc.status.PERMISSION_DENIED,
          'AccessDenied',
          packed(new sharedPb.AccessDenied(), 'event_store.client.AccessDenied'),
        );
        return answer((r) => r.setError(denied), batch.streamName);
      }
      const outcome = writeEvents(log(), batch.streamName, batch.proposed, batch.expected);
      answer((r) => {
        if (!outcome.ok) return r.setError(batchError(outcome, batch.expected));
        const s = new BatchAppendResp.Success();
        const last = outcome.last;
        if (last && outcome.first) {
          s.setCurrentRevision(last.revision.toString());
          s.setPosition(
            new sharedPb.AllStreamPosition()
              .setCommitPosition(last.position.toString())
              .setPreparePosition(outcome.first.position.toString()),
          );
        } else {
          if (outcome.current === null) s.setNoStream(new PbEmpty());
          else s.setCurrentRevision(outcome.current.toString());
          s.setNoPosition(new PbEmpty());
        }
        return r.setSuccess(s);
      }, batch.streamName);
    });
    call.on('end', () => end());
    call.on('error', () => {
      ended = true;
    });
    call.on('cancelled', () => {
      ended = true;
    });
  };
}
