/**
 * What a real node answers instead of serving a call: not ready (election, start-up), not the
 * leader (a follower, for calls that require the leader), access refused (secure mode), in the
 * shapes KurrentDB uses (RpcExceptions.ServerNotReady / LeaderInfo / AccessDenied; BatchAppend's
 * per-request google.rpc.Status).
 */
import * as grpc from '@grpc/grpc-js';
import { grpcError } from './memoryLog';

/** 'black-hole': no answer at all (a partitioned node); the call stays open until the client gives up. */
export type Refusal = 'not-ready' | 'not-leader' | 'access-denied' | 'unauthenticated' | 'black-hole';
export type Operation = 'append' | 'read-stream' | 'read-all';

export interface Gate {
  /** undefined = serve the call; otherwise the refusal to answer with. */
  check(metadata: grpc.Metadata, op: Operation): Refusal | undefined;
  leader(): { host: string; port: number };
}

/** The call-level error of a refusal (reads, subscriptions, the classic Append, a whole BatchAppend call). */
export function refusalError(refusal: Exclude<Refusal, 'black-hole'>, gate: Gate): Error {
  switch (refusal) {
    case 'not-ready':
      return grpcError(grpc.status.UNAVAILABLE, 'Server Is Not Ready');
    case 'not-leader': {
      const { host, port } = gate.leader();
      return grpcError(grpc.status.NOT_FOUND, 'Leader info available', {
        exception: 'not-leader',
        'leader-endpoint-host': host,
        'leader-endpoint-port': String(port),
      });
    }
    case 'access-denied':
      return grpcError(grpc.status.PERMISSION_DENIED, 'Access Denied', { exception: 'access-denied' });
    case 'unauthenticated':
      return grpcError(grpc.status.UNAUTHENTICATED, 'Bad HTTP status code: 401');
  }
}

/** Counts down the first N calls of each kind that get a refusal. */
export class Windows {
  notReadyAppends = 0;
  notReadyReads = 0;
  notLeaderCalls = 0;
  blackHole = false;

  take(op: Operation, requiresLeader: boolean): Refusal | undefined {
    if (this.blackHole) return 'black-hole';
    if (op === 'append' ? this.notReadyAppends > 0 : this.notReadyReads > 0) {
      if (op === 'append') this.notReadyAppends--;
      else this.notReadyReads--;
      return 'not-ready';
    }
    if (requiresLeader && this.notLeaderCalls > 0) {
      this.notLeaderCalls--;
      return 'not-leader';
    }
    return undefined;
  }
}
