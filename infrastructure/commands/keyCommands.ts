import type { ApiKeyEvent, ApiKeyState, DecideContext, Role } from '../../domain';
import { apiKeyDecider, decide, KeyNotFoundError, normalizeAlias } from '../../domain';
import { apiKeyCodec, keyStreamName } from '../eventStore/apiKeyCodec';
import { CommandHandler } from './commandHandler';
import type { EventMetadata, EventStore } from '../eventStore/port';
import { displayPrefix, generateKey, hashKey, isWellFormedKey } from '../keys/keyFormat';
import type { KeySealer } from '../keys/keySeal';

/** Who sent a command, for the events' metadata. */
export interface CommandOrigin {
  actor: string;
  requestId: string;
  correlationId?: string;
  causationId?: string;
}

/** What the service needs from the read model, without depending on it. */
export interface KeyDirectory {
  aliasOfKeyHash(keyHash: string): string | undefined;
  /** Resolves once this instance's read model holds the position (read-your-writes). */
  waitForPosition(position: bigint): Promise<void>;
}

export type ActiveKeyState = Exclude<ApiKeyState, { status: 'absent' }>;

export interface CreateOrRenewOutcome {
  renewed: boolean;
  /** The plaintext key: returned to the caller once, never stored. */
  key: string;
  state: ActiveKeyState;
  position: bigint;
}

export interface KeyServiceSettings {
  ttlMs: number;
  keyPrefix: string;
  clock?: () => Date;
}

export class KeyService {
  private readonly handler: CommandHandler<ApiKeyState, ApiKeyEvent>;
  private readonly clock: () => Date;

  constructor(
    store: EventStore,
    private readonly sealer: KeySealer,
    private readonly directory: KeyDirectory,
    private readonly settings: KeyServiceSettings,
  ) {
    this.handler = new CommandHandler(store, apiKeyDecider, apiKeyCodec);
    this.clock = settings.clock ?? (() => new Date());
  }

  private metadata(origin: CommandOrigin, now: Date): EventMetadata {
    return {
      actor: origin.actor,
      requestId: origin.requestId,
      correlationId: origin.correlationId ?? origin.requestId,
      causationId: origin.causationId ?? origin.requestId,
      at: now.toISOString(),
    };
  }

  async createOrRenew(
    input: { alias: unknown; name: unknown; roles?: unknown },
    origin: CommandOrigin,
  ): Promise<CreateOrRenewOutcome> {
    const alias = normalizeAlias(input.alias);
    let issuedPlaintext: string | undefined;
    // One instant per command: the events and their metadata tell the same time.
    const now = this.clock();
    const context: DecideContext = {
      now,
      ttlMs: this.settings.ttlMs,
      issueKey: () => {
        const key = generateKey(this.settings.keyPrefix);
        const keyHash = hashKey(key);
        issuedPlaintext = key;
        return { keyHash, keyPrefix: displayPrefix(key), sealedKey: this.sealer.seal(key, keyHash) };
      },
    };
    const command = {
      type: 'CreateOrRenewKey' as const,
      data: { alias, name: input.name as string, roles: (input.roles ?? []) as Role[] },
    };
    const result = await this.handler.handle(
      keyStreamName(alias),
      (state) => decide(command, state, context),
      this.metadata(origin, now),
    );
    const state = result.newState as ActiveKeyState;
    const renewed = result.newEvents[0]?.type === 'ApiKeyRenewed';
    const key = renewed ? this.sealer.open(state.sealedKey, state.keyHash) : issuedPlaintext!;
    const position = result.appended!.position;
    await this.directory.waitForPosition(position);
    return { renewed, key, state, position };
  }

  /** Throws KeyNotFoundError when the key is malformed, unknown or not active. */
  async revoke(key: string, origin: CommandOrigin): Promise<{ alias: string; position: bigint }> {
    if (!isWellFormedKey(key, this.settings.keyPrefix)) throw new KeyNotFoundError();
    const keyHash = hashKey(key);
    const alias = this.directory.aliasOfKeyHash(keyHash);
    if (alias === undefined) throw new KeyNotFoundError();
    const now = this.clock();
    const result = await this.handler.handle(
      keyStreamName(alias),
      (state) =>
        decide({ type: 'RevokeKey', data: { alias, keyHash } }, state, {
          now,
          ttlMs: this.settings.ttlMs,
          issueKey: () => {
            throw new Error('revoke issues no key');
          },
        }),
      this.metadata(origin, now),
    );
    const position = result.appended!.position;
    await this.directory.waitForPosition(position);
    return { alias, position };
  }

  /** The key's history folded with the aggregate's own evolve, for as-of queries. */
  load(alias: string): Promise<{ state: ApiKeyState }> {
    return this.handler.load(keyStreamName(alias));
  }
}
