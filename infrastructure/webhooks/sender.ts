import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, hostOf, isPrivateAddress, PrivateAddressError } from './addressGuard';

export interface DeliveryAttempt {
  /** Undefined when no answer came (refused, timed out, private address). */
  statusCode?: number;
  durationMs: number;
  error?: string;
}

export interface SendOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  /** Ends the attempt at once (the worker is stopping). */
  signal?: AbortSignal;
}

/** Answers longer than this are not read: only the status counts. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** One POST of a signed message; never throws. */
export function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: SendOptions,
): Promise<DeliveryAttempt> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
      const host = hostOf(target);
      if (!options.allowPrivate && isIP(host) && isPrivateAddress(host)) throw new PrivateAddressError(host);
    } catch (error) {
      resolve({ durationMs: elapsed(), error: messageOf(error) });
      return;
    }
    const requestOptions: RequestOptions = {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'keyledger-webhooks',
      },
      timeout: options.timeoutMs,
      lookup: options.allowPrivate ? undefined : (guardedLookup as RequestOptions['lookup']),
      agent: false,
      signal: options.signal,
    };
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(target, requestOptions, (res) => {
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_ANSWER_BYTES) res.destroy();
      });
      const done = () => resolve({ statusCode: res.statusCode, durationMs: elapsed() });
      res.on('end', done);
      res.on('close', done);
      res.on('error', done);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.on('error', (error) => resolve({ durationMs: elapsed(), error: messageOf(error) }));
    req.end(body);
  });
}

function messageOf(error: unknown): string {
  if (error instanceof PrivateAddressError) return error.message;
  // Connection errors name their cause in `code` (ECONNREFUSED, ENOTFOUND...), sometimes on an inner error.
  const { code, errors } = error as { code?: unknown; errors?: { code?: unknown }[] };
  if (typeof code === 'string') return code;
  if (typeof errors?.[0]?.code === 'string') return errors[0].code;
  return error instanceof Error ? error.message : String(error);
}
