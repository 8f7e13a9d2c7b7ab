/**
 * The service's endpoints, discovered from its own OpenAPI document (so a route added later is
 * covered without editing the suites), plus the routes the document hides.
 */
import type { FastifyInstance } from 'fastify';

export type Method = 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';

export interface RouteInfo {
  method: Method;
  /** OpenAPI template, e.g. /api/apikey/{alias}/history. */
  path: string;
  /** Declares a security requirement: an admin endpoint. */
  admin: boolean;
}

/** Routes that must exist whatever the document says (the core issue's API). */
const REQUIRED: RouteInfo[] = [
  { method: 'POST', path: '/api/apikey', admin: true },
  { method: 'POST', path: '/api/apikey/', admin: true },
  { method: 'GET', path: '/api/apikey', admin: true },
  { method: 'GET', path: '/api/apikey/{alias}', admin: true },
  { method: 'DELETE', path: '/api/apikey/{key}', admin: true },
];

export async function discoverRoutes(app: FastifyInstance): Promise<RouteInfo[]> {
  const found = new Map<string, RouteInfo>();
  for (const r of REQUIRED) found.set(`${r.method} ${r.path}`, r);
  const res = await app.inject({ method: 'GET', url: '/openapi.json' });
  if (res.statusCode === 200) {
    const doc = res.json() as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const m = method.toUpperCase() as Method;
        if (!['GET', 'POST', 'DELETE', 'PUT', 'PATCH'].includes(m)) continue;
        // The change feed answers a stream that never ends (tested in test/plugin/changeFeed).
        if (path === '/api/apikey/changes') continue;
        found.set(`${m} ${path}`, { method: m, path, admin: (op.security?.length ?? 0) > 0 });
      }
    }
  }
  return [...found.values()];
}

/** Fills the path template's parameters. */
export function fillPath(path: string, params: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(params[name] ?? `x-${name}`));
}
