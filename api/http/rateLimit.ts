/**
 * Counts failures only, per client, in fixed windows. @fastify/rate-limit counts every
 * request and has no "failures only" mode, so a key-guessing client is limited while a
 * client presenting valid keys never is.
 */
export class FailureLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    /** Bounds memory under a flood of distinct clients; expired windows are pruned first. */
    private readonly maxClients = 100_000,
  ) {}

  /** Seconds until the client may try again, or 0 when it is not blocked. */
  retryAfterSeconds(client: string, nowMs = Date.now()): number {
    const w = this.windows.get(client);
    if (!w || w.resetAt <= nowMs || w.count < this.max) return 0;
    return Math.max(1, Math.ceil((w.resetAt - nowMs) / 1000));
  }

  recordFailure(client: string, nowMs = Date.now()): void {
    const w = this.windows.get(client);
    if (w && w.resetAt > nowMs) {
      w.count++;
      return;
    }
    if (this.windows.size >= this.maxClients) this.prune(nowMs);
    this.windows.set(client, { count: 1, resetAt: nowMs + this.windowMs });
  }

  private prune(nowMs: number): void {
    for (const [client, w] of this.windows) if (w.resetAt <= nowMs) this.windows.delete(client);
    // Still full: forget the oldest entries (Map keeps insertion order).
    for (const client of this.windows.keys()) {
      if (this.windows.size < this.maxClients) break;
      this.windows.delete(client);
    }
  }
}
