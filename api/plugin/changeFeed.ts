/** One Server-Sent Event: `event:` (default "message"), `id:` and `data:` lines. */
export interface ServerSentEvent {
  event: string;
  id?: string;
  data: string;
}

/**
 * Splits a text/event-stream into events, chunk by chunk (the parts of the format keyledger
 * writes: `event`, `id`, `data`, comments; `retry` is ignored).
 */
export class SseParser {
  private buffer = '';
  private current: { event?: string; id?: string; data: string[] } = { data: [] };

  push(chunk: string): ServerSentEvent[] {
    this.buffer += chunk;
    const out: ServerSentEvent[] = [];
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).replace(/\r$/, '');
      this.buffer = this.buffer.slice(newline + 1);
      if (line === '') {
        const { event, id, data } = this.current;
        if (data.length > 0 || event !== undefined) out.push({ event: event ?? 'message', id, data: data.join('\n') });
        this.current = { data: [] };
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') this.current.event = value;
      else if (field === 'id') this.current.id = value;
      else if (field === 'data') this.current.data.push(value);
    }
    return out;
  }
}

export interface ChangeFeedOptions {
  /** GET /api/apikey/changes of a keyledger. */
  url: string;
  /** A key holding the agent (or admin) role. */
  key: string;
  /** A key changed: drop what is cached for this alias. */
  onChange(alias: string): void;
  /** Changes may have been missed (connected, dropped, or told to reset): drop every cached answer. */
  onReset(): void;
  /** Quiet longer than this (no byte, no heartbeat) counts as a dropped stream. */
  idleTimeoutMs?: number;
  maxBackoffMs?: number;
  /** Told when the feed connects or drops, and why. */
  onStatus?(connected: boolean, reason?: string): void;
}

/**
 * Keeps a subscription to keyledger's change feed: reconnects with backoff when it drops,
 * resuming from the last event id it saw. `connected` is true only while the stream is open
 * and has said `ready`, i.e. while evictions are sure to arrive.
 */
export class ChangeFeed {
  connected = false;
  private lastEventId: string | undefined;
  private stopped = false;
  private abort: AbortController | undefined;
  private wake: (() => void) | undefined;
  private readonly loop: Promise<void>;

  constructor(private readonly options: ChangeFeedOptions) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const maxBackoff = this.options.maxBackoffMs ?? 5_000;
    let backoff = 100;
    while (!this.stopped) {
      try {
        await this.consume(() => (backoff = 100));
        this.drop('stream ended');
      } catch (error) {
        this.drop(error instanceof Error ? error.message : String(error));
      }
      if (this.stopped) return;
      // Full jitter, so that many apps do not come back at the same instant.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.random() * backoff);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      backoff = Math.min(backoff * 2, maxBackoff);
    }
  }

  private drop(reason: string): void {
    const was = this.connected;
    this.connected = false;
    if (was) {
      // Evictions may be missed from now on: nothing cached under the long TTL is kept.
      this.options.onReset();
      this.options.onStatus?.(false, reason);
    }
  }

  private async consume(onReady: () => void): Promise<void> {
    const abort = (this.abort = new AbortController());
    const idleMs = this.options.idleTimeoutMs ?? 40_000;
    let idle = setTimeout(() => abort.abort(), idleMs);
    try {
      const headers: Record<string, string> = {
        accept: 'text/event-stream',
        authorization: `Bearer ${this.options.key}`,
      };
      if (this.lastEventId !== undefined) headers['last-event-id'] = this.lastEventId;
      const response = await fetch(this.options.url, { headers, signal: abort.signal });
      if (response.status !== 200 || !response.body) {
        await response.body?.cancel();
        throw new Error(`change feed answered ${response.status}`);
      }
      const parser = new SseParser();
      const decoder = new TextDecoder();
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        clearTimeout(idle);
        idle = setTimeout(() => abort.abort(), idleMs);
        for (const event of parser.push(decoder.decode(chunk, { stream: true }))) this.handle(event, onReady);
      }
    } finally {
      clearTimeout(idle);
    }
  }

  private handle(event: ServerSentEvent, onReady: () => void): void {
    if (event.event === 'change') {
      const alias = (JSON.parse(event.data) as { alias?: unknown }).alias;
      if (typeof alias === 'string') this.options.onChange(alias);
    } else if (event.event === 'reset') {
      this.options.onReset();
    } else if (event.event === 'ready' && !this.connected) {
      // Answers cached before this point may predate changes this stream will not repeat.
      if (this.lastEventId === undefined) this.options.onReset();
      this.connected = true;
      onReady();
      this.options.onStatus?.(true);
    }
    if (event.id !== undefined) this.lastEventId = event.id;
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    this.wake?.();
    await this.loop;
  }
}
