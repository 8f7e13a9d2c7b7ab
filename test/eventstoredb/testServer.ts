/**
 * A small, in-memory, wire-level EventStoreDB test server.
 *
 * It speaks the real gRPC protocol (the service definitions and protobuf classes shipped with
 * @eventstore/db-client), so the production adapter talks to it through the real client:
 * serialization, positions, revisions, errors and subscription framing are all exercised.
 * What it does, each part checked against KurrentDB's source (src/KurrentDB.Core/Services/
 * Transport/Grpc and .../Enumerators):
 *  - ServerFeatures: advertises Streams.Read, Streams.Append and, by default, Streams.BatchAppend
 *    (as real servers do; client 6.x then appends only through BatchAppend).
 *  - Append and BatchAppend (server/append.ts): expected revision any / no_stream / stream_exists /
 *    exact, wrong_expected_version with the current revision, idempotent retries (same ids at the
 *    same place succeed again without writing twice); BatchAppend's correlation ids, per-batch
 *    answers, is_final.
 *  - Read (server/read.ts): stream or `$all`, forwards / backwards, from start / end / revision /
 *    position (forwards inclusive, backwards exclusive), server-side filters on one-shot `$all`
 *    reads (count = matching events) and on subscriptions (checkpoints every window x multiplier
 *    scanned events and when the catch-up reaches the end, then caught_up), stream_not_found.
 *  - Switchable behaviours of a production node: secure mode (TLS with a CA made for the test,
 *    credentials required, `$all` for `$admins` only: server/security.ts), "Server Is Not Ready"
 *    for the first N appends / reads, NotLeader for the next N calls that require the leader,
 *    a black hole (no answer at all), a log reset (the log replaced by an empty or shorter one; positions restart).
 *
 * Not implemented: Delete, Tombstone, stream metadata / ACL streams, link resolution,
 * projections, persistent subscriptions, gossip, fell_behind, deadlines.
 *
 * Positions are byte-offset-like (they grow by an approximate record size, not by 1) and a few
 * system events ($users stream) are written at start-up, as on a fresh real node, so user events
 * never start at position 0 and adapters must skip `$` events.
 */
import * as grpc from '@grpc/grpc-js';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import { ServerFeaturesService } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import type * as sharedPb from '@eventstore/db-client/generated/shared_pb';
import * as featuresPb from '@eventstore/db-client/generated/serverfeatures_pb';
import { appendHandler, batchAppendHandler } from './server/append';
import { Windows, type Gate } from './server/gate';
import { grpcError, MemoryLog, type ProposedEvent } from './server/memoryLog';
import { readHandler, type OpenCall, type ReadStats } from './server/read';
import { checkCredentials, DEFAULT_USERS, testCertificates, type TestUser } from './server/security';

export interface TestServerOptions {
  port?: number;
  /** Advertise and serve Streams.BatchAppend (default true, as real servers do). */
  batchAppend?: boolean;
  /** TLS with a test CA, credentials required, `$all` for admins only (default false). */
  secure?: boolean;
  /** Secure mode's users (default: admin/changeit in `$admins`, keyledger/keyledger-secret not). */
  users?: Record<string, TestUser>;
  /** "Server Is Not Ready" for the first N appends / reads (default 0). */
  notReady?: { appends?: number; reads?: number };
}

export interface EventStoreDbTestServer {
  /** Insecure: `esdb://127.0.0.1:<port>?tls=false`; secure: the admin's credentials and the CA file. */
  connectionString: string;
  /** Secure mode: the same as another user (or anonymous, user undefined). */
  connectionStringAs(user?: string, password?: string): string;
  port: number;
  /** Secure mode: the CA certificate file clients must trust. */
  caFile: string | undefined;
  /** Ends open calls (subscribers see UNAVAILABLE) and stops listening. Data is kept. */
  stop(): Promise<void>;
  /** Listens again on the same port with the same data (after stop(); stops first if running). */
  restart(): Promise<void>;
  /** Number of non-system events written (system `$` events seeded at start-up excluded). */
  eventCount(): number;
  /** "Server Is Not Ready" for the next N appends / reads. */
  notReadyFor(window: { appends?: number; reads?: number }): void;
  /** NotLeader (with this node as the leader's address) for the next N calls that require the leader. */
  notLeaderFor(calls: number): void;
  /** While on, reads and appends get no answer at all (a node cut off by the network). */
  blackHole(on: boolean): void;
  /**
   * The log replaced by a fresh one (a restored backup, a recreated database): the first
   * `keepUserEvents` user events are written again, positions restart; open calls end with UNAVAILABLE.
   */
  resetLog(keepUserEvents?: number): void;
  /** Position of the newest event in the log (system events included), 0n when empty. */
  headPosition(): bigint;
  /** Events sent so far by one-shot reads (not subscriptions). */
  eventsSent(): number;
  /**
   * Seeding for benches only: writes events straight into the in-memory log, as appends would
   * (revisions and positions included), without the gRPC round trips or any check.
   */
  bulkLoad(streamName: string, events: ProposedEvent[]): void;
}

const SERVER_VERSION = '24.10.0';
const HOST = { insecure: '127.0.0.1', secure: 'localhost' };

export async function startEventStoreDbTestServer(opts: TestServerOptions = {}): Promise<EventStoreDbTestServer> {
  let log = MemoryLog.fresh();
  const secure = opts.secure ?? false;
  const batchAppend = opts.batchAppend ?? true;
  const users = opts.users ?? DEFAULT_USERS;
  const certificates = secure ? testCertificates() : undefined;
  const host = secure ? HOST.secure : HOST.insecure;
  const windows = new Windows();
  windows.notReadyAppends = opts.notReady?.appends ?? 0;
  windows.notReadyReads = opts.notReady?.reads ?? 0;
  const openCalls = new Set<OpenCall>();
  const stats: ReadStats = { eventsSent: 0 };
  let server: grpc.Server | null = null;
  let port = opts.port ?? 0;

  const gate: Gate = {
    check(metadata, op) {
      const refused = secure ? checkCredentials(metadata, op, users) : undefined;
      if (refused) return refused;
      return windows.take(op, String(metadata.get('requires-leader')[0] ?? '') === 'true');
    },
    leader: () => ({ host, port }),
  };
  const currentLog = () => log;

  const getSupportedMethods: grpc.handleUnaryCall<sharedPb.Empty, featuresPb.SupportedMethods> = (_call, callback) => {
    const methods = [
      ['event_store.client.streams.Streams', 'Read'],
      ['event_store.client.streams.Streams', 'Append'],
      ...(batchAppend ? [['event_store.client.streams.Streams', 'BatchAppend']] : []),
      ['event_store.client.server_features.ServerFeatures', 'GetSupportedMethods'],
    ].map(([service, method]) =>
      new featuresPb.SupportedMethod().setServiceName(service!.toLowerCase()).setMethodName(method!.toLowerCase()),
    );
    callback(
      null,
      new featuresPb.SupportedMethods().setMethodsList(methods).setEventStoreServerVersion(SERVER_VERSION),
    );
  };

  const endOpenCalls = (details: string) => {
    for (const c of [...openCalls]) c.end(grpcError(grpc.status.UNAVAILABLE, details));
  };

  const listen = async (): Promise<void> => {
    const s = new grpc.Server();
    const streams: Record<string, unknown> = {
      read: readHandler(currentLog, gate, openCalls, stats),
      append: appendHandler(currentLog, gate),
    };
    if (batchAppend) streams.batchAppend = batchAppendHandler(currentLog, gate);
    s.addService(StreamsService, streams as grpc.UntypedServiceImplementation);
    s.addService(ServerFeaturesService, { getSupportedMethods } as unknown as grpc.UntypedServiceImplementation);
    const credentials = certificates
      ? grpc.ServerCredentials.createSsl(
          null,
          [{ private_key: certificates.key, cert_chain: certificates.cert }],
          false,
        )
      : grpc.ServerCredentials.createInsecure();
    port = await new Promise<number>((resolve, reject) =>
      s.bindAsync(`${host}:${port}`, credentials, (err, boundPort) => (err ? reject(err) : resolve(boundPort))),
    );
    server = s;
  };

  const stop = async (): Promise<void> => {
    const s = server;
    if (!s) return;
    server = null;
    endOpenCalls('Server is shutting down');
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

  const connectionStringAs = (user?: string, password?: string) => {
    if (!certificates) return `esdb://${host}:${port}?tls=false`;
    const credentials = user === undefined ? '' : `${user}:${password ?? users[user]?.password ?? ''}@`;
    return `esdb://${credentials}${host}:${port}?tls=true&tlsCAFile=${encodeURIComponent(certificates.caFile)}`;
  };

  await listen();

  return {
    get connectionString() {
      return connectionStringAs(secure ? 'admin' : undefined);
    },
    connectionStringAs,
    get port() {
      return port;
    },
    caFile: certificates?.caFile,
    stop,
    async restart() {
      await stop();
      await listen();
    },
    eventCount: () => log.events.filter((e) => !e.streamName.startsWith('$')).length,
    notReadyFor(window) {
      windows.notReadyAppends = window.appends ?? 0;
      windows.notReadyReads = window.reads ?? 0;
    },
    notLeaderFor(calls) {
      windows.notLeaderCalls = calls;
    },
    blackHole(on) {
      windows.blackHole = on;
    },
    resetLog(keepUserEvents = 0) {
      const kept = log.events.filter((e) => !e.streamName.startsWith('$')).slice(0, keepUserEvents);
      log = MemoryLog.fresh();
      for (const e of kept) log.write(e.streamName, [e]);
      endOpenCalls('Server restarted');
    },
    headPosition: () => log.events[log.events.length - 1]?.position ?? 0n,
    eventsSent: () => stats.eventsSent,
    bulkLoad: (streamName, events) => void log.write(streamName, events),
  };
}
