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

/**
 * Limits failed key presentations (verify and admin authentication), and only those: callers
 * check the key first, so a valid key is answered whatever others presented before it.
 * A caller (the connecting address) may report its own end client's address (client_ip, as the
 * remote plugin does): failures then count per (caller, client), so one end client's junk does
 * not slow the caller's other clients, and per caller under a higher ceiling, so a caller
 * cannot escape the limit by inventing client addresses.
 */
export class PresentationLimiter {
  private readonly perClient: FailureLimiter;
  private readonly perCaller: FailureLimiter;

  constructor(settings: { max: number; callerMax: number; windowMs: number }) {
    this.perClient = new FailureLimiter(settings.max, settings.windowMs);
    this.perCaller = new FailureLimiter(settings.callerMax, settings.windowMs);
  }

  /** A failed presentation: seconds to wait when over a limit (answer 429), else 0 after counting it. */
  failed(caller: string, clientIp?: string, nowMs = Date.now()): number {
    const client = clientIp === undefined ? caller : `${caller} ${clientIp}`;
    const wait = Math.max(
      this.perClient.retryAfterSeconds(client, nowMs),
      this.perCaller.retryAfterSeconds(caller, nowMs),
    );
    if (wait > 0) return wait;
    this.perClient.recordFailure(client, nowMs);
    this.perCaller.recordFailure(caller, nowMs);
    return 0;
  }
}
