import type { KeyExpiringNoticed, NoticeKeyExpiring } from '../../domain/webhooks';
import { expiringNoticeDecider, type ExpiringNoticeState } from '../../domain/webhooks';
import { CommandHandler } from '../commands/commandHandler';
import type { EventStore } from '../eventStore/port';
import { expiringCodec, expiringStreamName } from './webhookCodec';

/** A key as the notifier needs it: active (not revoked) keys only. */
export interface ActiveKey {
  alias: string;
  /** Epoch milliseconds. */
  expire: number;
}

export interface ExpiringNotifierSettings {
  leadMs: number;
  scanIntervalMs: number;
  /** Active keys now (from the read model). */
  activeKeys(): Iterable<ActiveKey>;
  /** Scans only while some endpoint wants `key.expiring`; a later one is told on its first scan. */
  wanted(): boolean;
  logger: { warn(obj: object, msg: string): void };
  clock?: () => Date;
}

/**
 * Appends `KeyExpiringNoticed` (stream `keyexpiring-<alias>`) once per key and expiry, when the
 * expiry is within the lead time; endpoints then deliver it like any other log event. The
 * decider drops a second notice of the same expiry, so several instances notice it once.
 */
export class ExpiringNotifier {
  private readonly handler: CommandHandler<ExpiringNoticeState, KeyExpiringNoticed>;
  private readonly noticed = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private readonly clock: () => Date;

  constructor(
    store: EventStore,
    private readonly settings: ExpiringNotifierSettings,
  ) {
    this.handler = new CommandHandler(store, expiringNoticeDecider, expiringCodec);
    this.clock = settings.clock ?? (() => new Date());
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.scan(), this.settings.scanIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.scanning;
  }

  /** One pass; concurrent calls share it. */
  scan(): Promise<void> {
    this.scanning ??= this.scanOnce().finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  private async scanOnce(): Promise<void> {
    if (!this.settings.wanted()) return;
    const now = this.clock();
    const nowMs = now.getTime();
    const due = [...this.settings.activeKeys()]
      .filter((key) => key.expire > nowMs && key.expire - this.settings.leadMs <= nowMs)
      .sort((a, b) => a.expire - b.expire);
    // Soonest expiry first.
    for (const key of due) {
      const expire = new Date(key.expire).toISOString();
      const id = `${key.alias}\n${expire}`;
      if (this.noticed.has(id)) continue;
      const command: NoticeKeyExpiring = { type: 'NoticeKeyExpiring', data: { alias: key.alias, expire } };
      try {
        await this.handler.handle(
          expiringStreamName(key.alias),
          (state) => expiringNoticeDecider.decide(command, state, { now }),
          {
            actor: 'keyledger',
            requestId: `expiring-${expire}`,
            correlationId: id,
            causationId: id,
            at: now.toISOString(),
          },
        );
        this.noticed.add(id);
      } catch (error) {
        this.settings.logger.warn(
          { alias: key.alias, err: error instanceof Error ? error.message : String(error) },
          'could not record key.expiring; retrying on the next scan',
        );
        return;
      }
    }
  }
}
