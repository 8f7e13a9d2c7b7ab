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
