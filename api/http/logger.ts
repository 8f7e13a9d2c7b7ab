import pino, { type Logger, type DestinationStream } from 'pino';

/**
 * Anything shaped like a key of any prefix: `<letters/digits>_<30+ base62>`, also glued to the
 * word characters before it (`x1ak_...`, `id_ak_...`): the whole token goes.
 */
const KEY_LIKE = /[A-Za-z0-9]*_[0-9A-Za-z]{30,}/g;
const HAS_KEY_LIKE = /_[0-9A-Za-z]{30,}/;

export const scrub = (text: string): string => text.replace(KEY_LIKE, '[REDACTED]');

/** Percent-escapes of ASCII decoded (keys are ASCII), leaving anything else as written. */
const decodeAscii = (text: string): string =>
  text.replace(/%([0-7][0-9A-Fa-f])/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));

/** A path segment that cannot carry a secret: a plain word of the API's vocabulary. */
const PLAIN_SEGMENT = /^[a-z]{1,32}$/;

/**
 * Masks key-like tokens, also percent-encoded ones, and every non-word path segment (and the
 * query) of a DELETE, matched or not: DELETE /api/apikey/:key carries a key even when malformed.
 */
export function redactUrl(method: string | undefined, url: string | undefined): string | undefined {
  if (!url) return url;
  const decoded = decodeAscii(url);
  let out = scrub(HAS_KEY_LIKE.test(decoded) ? decoded : url);
  if (method === 'DELETE') {
    const path = out.split(/[?#]/, 1)[0] ?? '';
    out = path
      .split('/')
      .map((segment) => (segment === '' || PLAIN_SEGMENT.test(segment) ? segment : '[REDACTED]'))
      .join('/');
  }
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
