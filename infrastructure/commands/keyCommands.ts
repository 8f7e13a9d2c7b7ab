import type { ApiKeyCommand, ApiKeyEvent, ApiKeyState, DecideContext, IssuedKey, KeyState, Role } from '../../domain';
import type { KeyDetailsInput } from '../../domain';
import { apiKeyDecider, decide, InvalidCommandError, KeyNotFoundError, normalizeAlias } from '../../domain';
import { apiKeyCodec, keyStreamName } from '../eventStore/apiKeyCodec';
import { CommandHandler, type HandleResult } from './commandHandler';
import {
  type EventMetadata,
  type EventStore,
  EventStoreUnavailableError,
  WrongExpectedRevisionError,
} from '../eventStore/port';
import { displayPrefix, generateKey, hashKey, type KeySealer } from '../keys/keyCrypto';

/** Hears the outcome of every command where it is handled (HTTP, CLI and workers alike). */
export type CommandOutcomeListener = (commandType: string, outcome: string) => void;

const BY_EVENT: Record<string, string> = {
  ApiKeyCreated: 'created',
  ApiKeyRenewed: 'renewed',
  ApiKeyRotated: 'rotated',
  ApiKeyRevoked: 'revoked',
  ApiKeyImported: 'imported',
  ApiKeyLeakReported: 'leak_reported',
};

/** What a handled command came to: named by its first event, or by why it was refused. */
export function commandOutcome(result: { newEvents: ReadonlyArray<{ type: string }> } | { error: unknown }): string {
  if ('newEvents' in result) {
    const first = result.newEvents[0];
    return first ? (BY_EVENT[first.type] ?? 'accepted') : 'unchanged';
  }
  const { error } = result;
  if (error instanceof KeyNotFoundError) return 'not_found';
  if (error instanceof InvalidCommandError) return 'rejected';
  if (error instanceof EventStoreUnavailableError) return 'unavailable';
  if (error instanceof WrongExpectedRevisionError) return 'conflict';
  return 'error';
}

/** Who sent a command, for the events' metadata. */
export interface CommandOrigin {
  actor: string;
  requestId: string;
  correlationId?: string;
  causationId?: string;
  /** More for the events' metadata (e.g. where a reported leak was found). */
  details?: Record<string, unknown>;
}

/** What the service needs from the read model, without depending on it. */
export interface KeyDirectory {
  /** The alias whose current key (or rotated-out key) has this digest. */
  aliasOfKeyHash(keyHash: string): string | undefined;
  /** Aliases whose key belongs to `owner`, whatever their status. */
  aliasesOfOwner(owner: string): string[];
  /** Resolves once this instance's read model holds the position (read-your-writes). */
  waitForPosition(position: bigint): Promise<void>;
}

/** A parsed create-or-renew request. */
export interface CreateOrRenewInput extends KeyDetailsInput {
  alias: string;
  name: string;
  roles: Role[];
}

/** A parsed rotate request. */
export interface RotateInput extends KeyDetailsInput {
  alias: string;
  graceSeconds?: number;
}

export interface CreateOrRenewOutcome {
  renewed: boolean;
  /** The plaintext key, returned to the caller and never stored; null for a key imported by digest. */
  key: string | null;
  state: KeyState;
  position: bigint;
}

export interface RotateOutcome {
  key: string;
  state: KeyState;
  /** Epoch milliseconds; null when the previous key stopped at once. */
  previousKeyValidUntil: number | null;
  position: bigint;
}

export interface KeyServiceSettings {
  ttlSeconds: number;
  maxTtlSeconds: number;
  keyPrefix: string;
  clock?: () => Date;
  onOutcome?: CommandOutcomeListener;
}

export class KeyService {
  private readonly handler: CommandHandler<ApiKeyState, ApiKeyEvent>;
  private readonly clock: () => Date;

  constructor(
    store: EventStore,
    readonly sealer: KeySealer,
    readonly directory: KeyDirectory,
    private readonly settings: KeyServiceSettings,
  ) {
    this.handler = new CommandHandler(store, apiKeyDecider, apiKeyCodec);
    this.clock = settings.clock ?? (() => new Date());
  }

  /** A new key string, and what the domain may know of it. */
  private issue(): { plaintext: string; issued: IssuedKey } {
    const plaintext = generateKey(this.settings.keyPrefix);
    const keyHash = hashKey(plaintext);
    return {
      plaintext,
      issued: { keyHash, keyPrefix: displayPrefix(plaintext), sealedKey: this.sealer.seal(plaintext, keyHash) },
    };
  }

  /** The stored key's plaintext; throws (before anything is appended) when this instance's secret cannot open it. */
  private unseal(state: ApiKeyState): string | null {
    if (state.status === 'absent' || state.sealedKey === null) return null;
    return this.sealer.open(state.sealedKey, state.keyHash);
  }

  /**
   * Load, decide, append. `beforeAppend` runs on the loaded state once decide accepted the
   * command, so whatever it throws leaves the log untouched. One instant per command: the
   * events and their metadata tell the same time.
   */
  async execute(
    command: ApiKeyCommand,
    origin: CommandOrigin,
    beforeAppend: (state: ApiKeyState, events: ApiKeyEvent[]) => void = () => undefined,
  ): Promise<HandleResult<ApiKeyState, ApiKeyEvent>> {
    const now = this.clock();
    const context: DecideContext = {
      now,
      defaultTtlSeconds: this.settings.ttlSeconds,
      maxTtlSeconds: this.settings.maxTtlSeconds,
    };
    const metadata: EventMetadata = {
      ...origin.details,
      actor: origin.actor,
      requestId: origin.requestId,
      correlationId: origin.correlationId ?? origin.requestId,
      causationId: origin.causationId ?? origin.requestId,
      at: now.toISOString(),
    };
    const report = this.settings.onOutcome ?? (() => undefined);
    try {
      // Revoke and rotate name a stored alias, which later alias rules must not lock out.
      const existing = command.type === 'RevokeKey' || command.type === 'RotateKey';
      const alias = existing ? command.data.alias.trim() : normalizeAlias(command.data.alias);
      const result = await this.handler.handle(
        keyStreamName(alias),
        (state) => {
          const events = decide(command, state, context);
          if (events.length > 0) beforeAppend(state, events);
          return events;
        },
        metadata,
      );
      report(command.type, commandOutcome(result));
      return result;
    } catch (error) {
      report(command.type, commandOutcome({ error }));
      throw error;
    }
  }

  /** Waits until this instance's read model shows the command's events. */
  private async appended(result: HandleResult<ApiKeyState, ApiKeyEvent>): Promise<bigint> {
    const position = result.appended!.position;
    await this.directory.waitForPosition(position);
    return position;
  }

  async createOrRenew(input: CreateOrRenewInput, origin: CommandOrigin): Promise<CreateOrRenewOutcome> {
    const candidate = this.issue();
    let stored: string | null = null;
    const result = await this.execute(
      { type: 'CreateOrRenewKey', data: { ...input, candidate: candidate.issued } },
      origin,
      (state) => {
        stored = this.unseal(state);
      },
    );
    const renewed = result.newEvents[0]?.type === 'ApiKeyRenewed';
    const position = await this.appended(result);
    return { renewed, key: renewed ? stored : candidate.plaintext, state: result.newState as KeyState, position };
  }

  /** Throws KeyNotFoundError when the alias is unknown or revoked. */
  async rotate(input: RotateInput, origin: CommandOrigin): Promise<RotateOutcome> {
    const next = this.issue();
    // Opening the stored copy proves this instance seals with the secret the others share.
    const result = await this.execute({ type: 'RotateKey', data: { ...input, newKey: next.issued } }, origin, (state) =>
      this.unseal(state),
    );
    const event = result.newEvents[0];
    if (event?.type !== 'ApiKeyRotated') throw new Error('rotation decided no rotation');
    const until = event.data.previousKeyValidUntil;
    const position = await this.appended(result);
    return {
      key: next.plaintext,
      state: result.newState as KeyState,
      previousKeyValidUntil: until === null ? null : Date.parse(until),
      position,
    };
  }

  /** Revokes the key presented (current, or rotated-out in grace); KeyNotFoundError when unknown or not active. */
  async revoke(key: string, origin: CommandOrigin): Promise<{ alias: string; position: bigint }> {
    const keyHash = hashKey(key);
    const alias = this.directory.aliasOfKeyHash(keyHash);
    if (alias === undefined) {
      this.settings.onOutcome?.('RevokeKey', 'not_found');
      throw new KeyNotFoundError();
    }
    const position = await this.appended(await this.execute({ type: 'RevokeKey', data: { alias, keyHash } }, origin));
    return { alias, position };
  }

  /** KeyNotFoundError when the alias is unknown or not active. */
  async revokeAlias(alias: string, origin: CommandOrigin): Promise<{ alias: string; position: bigint }> {
    const position = await this.appended(await this.execute({ type: 'RevokeKey', data: { alias } }, origin));
    return { alias, position };
  }

  /** Revokes every active key of `owner`; answers how many it revoked. */
  async revokeOwner(owner: string, origin: CommandOrigin): Promise<{ revoked: number }> {
    let revoked = 0;
    let last: bigint | undefined;
    for (const alias of this.directory.aliasesOfOwner(owner)) {
      try {
        const result = await this.execute({ type: 'RevokeKey', data: { alias } }, origin, (state) => {
          // The read model may lag: the log's state decides whose key it is.
          if (state.status === 'absent' || state.owner !== owner) throw new KeyNotFoundError();
        });
        last = result.appended!.position;
        revoked++;
      } catch (error) {
        if (!(error instanceof KeyNotFoundError)) throw error;
      }
    }
    if (last !== undefined) await this.directory.waitForPosition(last);
    return { revoked };
  }
}
