import { readKey } from './session';

/** A failed answer, carrying the API's own message ({"error": ...}). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Answer<T> {
  body: T;
  /** Path and query of the Link rel="next" header, when the list has more. */
  next?: string;
}

let authLost: (message: string) => void = () => undefined;
/** Called with the server's message when the stored key stops being accepted (401 or 403). */
export function onAuthLost(handler: (message: string) => void): void {
  authLost = handler;
}

/** The same-origin path and query of a `Link: <...>; rel="next"` header (never another host). */
export function nextLink(header: string | null): string | undefined {
  for (const part of header?.split(',') ?? []) {
    const match = /<([^>]*)>\s*;\s*rel="?next"?/i.exec(part);
    if (!match) continue;
    const url = new URL(match[1]!, location.href);
    return url.pathname + url.search;
  }
  return undefined;
}

/** A path with its query string, leaving out empty values. */
export function withQuery(path: string, query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query))
    if (value !== undefined && value !== '') params.set(name, `${value}`);
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export const keyPath = (alias: string, suffix = '') => `/api/apikey/${encodeURIComponent(alias)}${suffix}`;

interface Request {
  method?: 'GET' | 'POST';
  body?: unknown;
  /** A key to try instead of the stored one (sign-in); its 401 does not sign anyone out. */
  key?: string;
}

/** Calls keyledger's REST API with the admin key in the Authorization header, as curl would. */
export async function api<T>(path: string, { method = 'GET', body, key }: Request = {}): Promise<Answer<T>> {
  const adminKey = key ?? readKey();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (adminKey) headers['authorization'] = `Bearer ${adminKey}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch {
    throw new ApiError(0, 'keyledger cannot be reached');
  }
  const answer: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = (answer as { error?: unknown } | undefined)?.error;
    const message = typeof error === 'string' ? error : `HTTP ${response.status}`;
    if ((response.status === 401 || response.status === 403) && key === undefined) authLost(message);
    throw new ApiError(response.status, message);
  }
  return { body: answer as T, next: nextLink(response.headers.get('link')) };
}
