import type { WebhookEventType } from '../../domain/webhooks';

/** One attempt to deliver one event to one endpoint. */
export interface DeliveryRecord {
  event: WebhookEventType;
  webhookId: string;
  position: bigint;
  attempt: number;
  attemptedAt: number;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  /** Epoch ms of the next attempt; null when delivered or given up. */
  nextRetryAt: number | null;
}

export const RECENT_ATTEMPTS = 100;

/** The most recent attempts per endpoint, newest first; kept in this process's memory only. */
export class DeliveryLog {
  private readonly byEndpoint = new Map<string, DeliveryRecord[]>();

  record(endpointId: string, record: DeliveryRecord): void {
    let list = this.byEndpoint.get(endpointId);
    if (!list) this.byEndpoint.set(endpointId, (list = []));
    list.unshift(record);
    if (list.length > RECENT_ATTEMPTS) list.length = RECENT_ATTEMPTS;
  }

  recent(endpointId: string): readonly DeliveryRecord[] {
    return this.byEndpoint.get(endpointId) ?? [];
  }

  forget(endpointId: string): void {
    this.byEndpoint.delete(endpointId);
  }
}
