/**
 * Projection properties (fast-check): the read model is a pure function of the log.
 * Replaying the whole log twice, re-applying from any checkpoint, resuming from a checkpoint
 * with overlap, or rebuilding into a fresh model all give the same read model, and that model
 * agrees with the aggregate's own fold of every stream.
 */
import fc from 'fast-check';
import {
  decide,
  initialState,
  evolve,
  storedEventType,
  ALLOWED_ROLES,
  type ApiKeyEvent,
  type ApiKeyState,
  type Role,
} from '../../domain';
import { keyStreamName } from '../../infrastructure/eventStore/apiKeyCodec';
import { hashKey } from '../../infrastructure/keys/keyCrypto';
import type { RecordedEvent } from '../../infrastructure/eventStore/port';
import { AuthReadModel } from '../../projections/readModel/authReadModel';
import { decodeSnapshot, encodeSnapshot, snapshotMacKey } from '../../projections/readModel/snapshot';
import { foldStreams, snapshot, SLOW } from '../support/reliability';

const RUNS = Number(process.env.FUZZ_RUNS ?? (SLOW ? 2_000 : 200));

type Op =
  | { kind: 'create'; alias: string; name: string; roles: Role[]; dt: number }
  | { kind: 'revoke'; alias: string; dt: number; wrongKey: boolean }
  | { kind: 'rotate'; alias: string; dt: number; graceSeconds: number; owner: string | null }
  | { kind: 'import'; alias: string; dt: number; active: boolean }
  | { kind: 'foreign'; dt: number };

const aliasArb = fc.constantFrom('a', 'b', 'c', 'd', 'svc-e');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('create' as const),
      alias: aliasArb,
      name: fc.string({ minLength: 1, maxLength: 8 }).map((s) => `n${s.replace(/\s/g, '')}`),
      roles: fc.subarray([...ALLOWED_ROLES]),
      dt: fc.integer({ min: 0, max: 86_400_000 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('revoke' as const),
      alias: aliasArb,
      dt: fc.integer({ min: 0, max: 86_400_000 }),
      wrongKey: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('rotate' as const),
      alias: aliasArb,
      dt: fc.integer({ min: 0, max: 7_200_000 }),
      graceSeconds: fc.constantFrom(0, 60, 3600),
      owner: fc.constantFrom(null, 'team-a'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('import' as const),
      alias: aliasArb,
      dt: fc.nat(1000),
      active: fc.boolean(),
    }),
  },
  // Events of other streams/types share the log (other services, system events).
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('foreign' as const), dt: fc.nat(1000) }) },
);

/**
 * Runs the commands through the real decider (so the log is one the service could write),
 * and records them with strictly increasing global positions that have random gaps.
 */
function buildLog(ops: Op[], gaps: number[]): RecordedEvent[] {
  const states = new Map<string, ApiKeyState>();
  const revisions = new Map<string, bigint>();
  const log: RecordedEvent[] = [];
  let now = Date.parse('2026-01-01T00:00:00Z');
  let position = 0n;
  let keyCounter = 0;
  ops.forEach((op, i) => {
    now += op.dt;
    position += BigInt(1 + (gaps[i % gaps.length] ?? 0));
    const metadata = { actor: 't', requestId: `r${i}`, correlationId: `r${i}`, causationId: `r${i}`, at: '' };
    if (op.kind === 'foreign') {
      log.push({
        id: `f${i}`,
        type: i % 2 ? 'SomethingElse.v1' : 'ApiKeyCreated.v9',
        data: { alias: 'a' },
        metadata,
        streamName: i % 2 ? 'orders-1' : keyStreamName('a'),
        revision: 0n,
        position,
        createdAt: new Date(now),
      });
      if (i % 2 === 0) {
        // An unknown version on a key stream still takes a revision there.
        revisions.set('a', (revisions.get('a') ?? -1n) + 1n);
        log[log.length - 1]!.revision = revisions.get('a')!;
      }
      return;
    }
    const state = states.get(op.alias) ?? initialState();
    let events: ApiKeyEvent[];
    try {
      const ctx = {
        now: new Date(now),
        defaultTtlSeconds: 15 * 86_400,
        maxTtlSeconds: 365 * 86_400,
      };
      keyCounter++;
      // Real SHA-256 digests, so the model's digest index (not its odd-hash fallback) is used.
      const candidate = {
        keyHash: hashKey(`key-${keyCounter}`),
        keyPrefix: `ak_${keyCounter}`,
        sealedKey: `sealed-${keyCounter}`,
      };
      events =
        op.kind === 'create'
          ? decide(
              { type: 'CreateOrRenewKey', data: { alias: op.alias, name: op.name, roles: op.roles, candidate } },
              state,
              ctx,
            )
          : op.kind === 'rotate'
            ? decide(
                {
                  type: 'RotateKey',
                  data: { alias: op.alias, newKey: candidate, graceSeconds: op.graceSeconds, owner: op.owner },
                },
                state,
                ctx,
              )
            : op.kind === 'import'
              ? decide(
                  {
                    type: 'ImportKey',
                    data: {
                      alias: op.alias,
                      name: 'imported',
                      roles: ['user'],
                      keyHash: hashKey(`imported-${op.alias}`),
                      keyPrefix: null,
                      sealedKey: null,
                      isActive: op.active,
                    },
                  },
                  state,
                  ctx,
                )
              : decide(
                  {
                    type: 'RevokeKey',
                    data: {
                      alias: op.alias,
                      keyHash: op.wrongKey || state.status === 'absent' ? 'nope' : state.keyHash,
                    },
                  },
                  state,
                  ctx,
                );
    } catch {
      return; // a refused command writes nothing
    }
    for (const e of events) {
      const revision = (revisions.get(op.alias) ?? -1n) + 1n;
      revisions.set(op.alias, revision);
      states.set(op.alias, evolve(states.get(op.alias) ?? initialState(), e));
      log.push({
        id: `e${i}`,
        type: storedEventType(e.type),
        data: { ...e.data },
        metadata,
        streamName: keyStreamName(op.alias),
        revision,
        position,
        createdAt: new Date(now),
      });
    }
  });
  return log;
}

function project(events: RecordedEvent[], model = new AuthReadModel()): AuthReadModel {
  for (const e of events) model.apply(e);
  return model;
}

/** Everything observable: keys by alias, lookups by hash, and the checkpoint. */
function observe(model: AuthReadModel, log: RecordedEvent[]) {
  const hashes = log.flatMap((e) => (typeof e.data['keyHash'] === 'string' ? [e.data['keyHash']] : []));
  return {
    keys: snapshot(model),
    byHash: hashes.map((h) => [h, model.findByHash(h)?.alias ?? null]),
    checkpoint: model.checkpoint,
    size: model.size,
  };
}

const logArb = fc
  .tuple(fc.array(opArb, { minLength: 0, maxLength: 60 }), fc.array(fc.nat(5), { minLength: 1, maxLength: 10 }))
  .map(([ops, gaps]) => buildLog(ops, gaps));

describe('projection properties (fast-check)', () => {
  it('replaying the whole log twice gives the same read model as once', () => {
    fc.assert(
      fc.property(logArb, (log) => {
        const once = project(log);
        const twice = project(log, project(log));
        expect(observe(twice, log)).toEqual(observe(once, log));
      }),
      { numRuns: RUNS },
    );
  });

  it('applying everything, then re-applying from any position, changes nothing', () => {
    fc.assert(
      fc.property(
        logArb.chain((log) => fc.tuple(fc.constant(log), fc.nat(log.length))),
        ([log, from]) => {
          const once = project(log);
          const again = project(log.slice(from), project(log));
          expect(observe(again, log)).toEqual(observe(once, log));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('stopping at any checkpoint and resuming (with any overlap) equals one pass', () => {
    fc.assert(
      fc.property(
        logArb.chain((log) =>
          fc.tuple(
            fc.constant(log),
            fc.nat(log.length).chain((stop) => fc.tuple(fc.constant(stop), fc.nat(stop))),
          ),
        ),
        ([log, [stop, overlapFrom]]) => {
          const once = project(log);
          const first = project(log.slice(0, stop));
          // The checkpoint a resumed subscription starts from is the last position applied.
          expect(first.checkpoint).toBe(log[stop - 1]?.position ?? 0n);
          // A resumed subscription delivers from the checkpoint on; an at-least-once feed may
          // also redeliver a tail of what was applied before.
          const resumed = project(log.slice(overlapFrom), first);
          expect(observe(resumed, log)).toEqual(observe(once, log));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a snapshot of the model at any checkpoint (encoded and decoded), resumed from there, equals one pass', () => {
    const macKey = snapshotMacKey('property-test-sealing-secret-0123456789');
    fc.assert(
      fc.property(
        logArb.chain((log) => fc.tuple(fc.constant(log), fc.nat(log.length))),
        ([log, stop]) => {
          const once = project(log);
          const saved = encodeSnapshot(project(log.slice(0, stop)), 'store', macKey);
          const restored = decodeSnapshot(saved, 'store', macKey);
          expect(restored.checkpoint).toBe(log[stop - 1]?.position ?? 0n);
          const resumed = project(
            log.filter((e) => e.position > restored.checkpoint),
            restored,
          );
          expect(observe(resumed, log)).toEqual(observe(once, log));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a rebuild from the log agrees with the aggregate fold of every stream', () => {
    fc.assert(
      fc.property(logArb, (log) => {
        const model = project(log);
        const folded = foldStreams(log);
        for (const [alias, state] of folded) {
          const view = model.findByAlias(alias);
          if (state.status === 'absent') {
            expect(view).toBeUndefined();
            continue;
          }
          expect(view).toMatchObject({
            alias: state.alias,
            name: state.name,
            roles: state.roles,
            status: state.status,
            expire: state.expire,
            createdAt: state.createdAt,
            updatedAt: state.updatedAt,
            keyPrefix: state.keyPrefix,
            owner: state.owner,
            meta: state.meta,
            previousKey: state.previousKey,
          });
          expect(model.findByHash(state.keyHash)?.alias).toBe(alias);
          if (state.previousKey) expect(model.findByHash(state.previousKey.keyHash)?.alias).toBe(alias);
        }
        expect(model.size).toBe([...folded.values()].filter((s) => s.status !== 'absent').length);
        // Order of listing: newest first.
        const created = model.list().map((v) => v.createdAt);
        expect(created).toEqual([...created].sort((a, b) => b - a));
      }),
      { numRuns: RUNS },
    );
  });

  it('out-of-order redelivery of an older event of a key is ignored', () => {
    fc.assert(
      fc.property(
        logArb.filter((l) => l.length > 1),
        fc.nat(),
        (log, pick) => {
          const model = project(log);
          const before = observe(model, log);
          // A stale event (position already passed) must never be applied.
          model.apply(log[pick % log.length]!);
          expect(observe(model, log)).toEqual(before);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('sanity: the generated logs exercise creates, renewals, reactivations and revocations', () => {
    const types = new Set<string>();
    fc.assert(
      fc.property(logArb, (log) => {
        for (const e of log) types.add(e.type);
      }),
      { numRuns: 100, seed: 42 },
    );
    const reactivations = new Set<boolean>();
    fc.assert(
      fc.property(logArb, (log) => {
        for (const e of log) if (e.type === 'ApiKeyRenewed.v2') reactivations.add(e.data['reactivated'] === true);
      }),
      { numRuns: 100, seed: 42 },
    );
    expect(reactivations).toEqual(new Set([true, false]));
    expect(types).toEqual(
      new Set([
        'ApiKeyCreated.v2',
        'ApiKeyRenewed.v2',
        'ApiKeyRevoked.v1',
        'ApiKeyRotated.v1',
        'ApiKeyImported.v1',
        'SomethingElse.v1',
        'ApiKeyCreated.v9',
      ]),
    );
  });
});
