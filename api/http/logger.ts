import pino, { type Logger, type DestinationStream } from 'pino';

/** Anything shaped like a key of any prefix: `<letters/digits>_<30+ base62>`. */
const KEY_LIKE = /\b[a-z][a-z0-9]{0,15}_[0-9A-Za-z]{30,}/g;

const scrub = (text: string): string => text.replace(KEY_LIKE, '[REDACTED]');

/** Masks key-like tokens and the :key segment of DELETE /api/apikey/:key. */
export function redactUrl(method: string | undefined, url: string | undefined): string | undefined {
  if (!url) return url;
  let out = scrub(url);
  if (method === 'DELETE') out = out.replace(/^(\/api\/apikey\/)[^/?#]+/, '$1[REDACTED]');
  return out;
}

interface SerializableRequest {
  id?: string;
  method?: string;
  url?: string;
  ip?: string;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["x-api-key"]',
          'headers.authorization',
          'headers["x-api-key"]',
          '*.key',
          'key',
        ],
        censor: '[REDACTED]',
      },
      serializers: {
        req: (req: SerializableRequest) => ({
          id: req.id,
          method: req.method,
          url: redactUrl(req.method, req.url),
          remoteAddress: req.ip,
        }),
        err: (err: unknown) =>
          err instanceof Error
            ? {
                type: err.name,
                message: scrub(err.message),
                stack: err.stack === undefined ? undefined : scrub(err.stack),
              }
            : scrub(String(err)),
      },
    },
    destination,
  );
}

type LogFn = (...args: unknown[]) => void;
type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Fastify's per-request logger (request.log), built lazily: the pino child carrying the
 * request id is made on the first line actually written at an enabled level. Building
 * the child (bindings run through the redaction) costs more than a verification, and
 * most requests write no line at all, e.g. every verify at level info.
 */
export class LazyChildLogger {
  private real: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Record<string, unknown>,
    private readonly options: Record<string, unknown>,
  ) {}

  private materialize(): Logger {
    return (this.real ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return (this.real ?? this.parent).level;
  }

  set level(level: string) {
    this.materialize().level = level;
  }

  private write(level: Level, args: unknown[]): void {
    const logger = this.real ?? this.parent;
    if (!logger.isLevelEnabled(level)) return;
    (this.materialize()[level] as LogFn)(...args);
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(): void {}

  isLevelEnabled(level: string): boolean {
    return (this.real ?? this.parent).isLevelEnabled(level);
  }

  child(bindings: Record<string, unknown>, options?: Record<string, unknown>): Logger {
    return this.materialize().child(bindings, options);
  }
}

/**
 * Fastify's childLoggerFactory: lazy when the route sets no logger options (no logLevel),
 * otherwise pino's child as Fastify would make it.
 */
export function lazyChildLoggerFactory(
  logger: Logger,
  bindings: Record<string, unknown>,
  options: Record<string, unknown> | undefined,
): Logger | LazyChildLogger {
  const opts = options ?? {};
  for (const name in opts) if (Object.hasOwn(opts, name)) return logger.child(bindings, opts);
  return new LazyChildLogger(logger, bindings, opts);
}
