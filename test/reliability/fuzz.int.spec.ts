/**
 * Bad input (fast-check): random methods, paths, path parameters, query strings, headers and
 * bodies on every endpoint (discovered from the OpenAPI document, plus unknown paths), with a
 * valid admin key, no key, or garbage credentials. Only 4xx (or 2xx where a read is valid),
 * never a 5xx, and nothing appended to the store: every generated command is invalid.
 *
 * Runs: FUZZ_RUNS cases per store, or 10,000 with SLOW=1, 300 by default.
 */
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { createKeyBody } from '../../api/http/schemas';
import { generateKey } from '../../infrastructure/keys/keyCrypto';
import { discoverRoutes, fillPath, type RouteInfo } from '../support/routes';
import { describeEachBackend, headPosition, snapshot, SLOW, type BackendRun } from '../support/reliability';

const RUNS = Number(process.env.FUZZ_RUNS ?? (SLOW ? 10_000 : 300));

/** Would the create endpoint accept this JSON text? (Such cases are not sent: they would append.) */
function isValidCreate(payload: string | undefined): boolean {
  if (payload === undefined) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return false;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.keys(parsed).length === 0)
    return false;
  return createKeyBody.safeParse(parsed).success;
}

const printable = fc.string({ unit: 'grapheme-ascii', maxLength: 40 });
const nastyText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom(
    '',
    ' ',
    '..',
    '../..',
    '%',
    '%zz',
    '%00',
    '\u0000',
    '\n',
    '\u2028',
    '\ud800',
    '💥',
    'a'.repeat(600),
    '__proto__',
    'constructor',
    'null',
    'verify',
    'history',
    '{"a":1}',
    "' OR 1=1 --",
  ),
);

/** A path parameter, sometimes left raw (malformed percent-encoding, slashes) to stress routing. */
const pathParam = fc.oneof(
  { weight: 4, arbitrary: nastyText.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '?'))) },
  { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '..%2F..', 'a/b', '%2e%2e', '%00', ';', '*') },
  { weight: 1, arbitrary: fc.constant(null).map(() => generateKey('ak')) },
);

const queryString = fc.oneof(
  fc.constant(''),
  fc
    .array(
      fc.tuple(
        fc.constantFrom(
          'limit',
          'cursor',
          'alias',
          'type',
          'actor',
          'since',
          'until',
          'order',
          'role',
          'day',
          'at',
          'within_hours',
          'x',
          '__proto__',
          '',
        ),
        nastyText,
      ),
      {
        maxLength: 5,
      },
    )
    .map(
      (pairs) =>
        '?' + pairs.map(([k, v]) => `${k}=${encodeURIComponent(v.replace(/[\ud800-\udfff]/g, '?'))}`).join('&'),
    ),
  fc.constantFrom(
    '?',
    '?&&',
    '?limit=-1',
    '?limit=1e309',
    '?limit=999999999999',
    '?cursor=%zz',
    '?a[b]=1',
    '?=',
    '?limit=1&limit=2',
  ),
);

const jsonValue = fc.jsonValue({ maxDepth: 3 });
/** Bodies aimed at the create command, invalid by construction (or by filtering). */
const badCreateObject = fc.record(
  {
    alias: fc.oneof(jsonValue, nastyText, fc.constantFrom('', '   ', 'a'.repeat(129), 'ok\u0007', 'ok\n')),
    name: fc.oneof(jsonValue, nastyText, fc.constantFrom('', ' ', 'n'.repeat(257), 'x\u2029')),
    roles: fc.oneof(
      jsonValue,
      fc.array(fc.constantFrom('admin', 'user', 'agent', 'creator', 'root', 'ADMIN', '', 1), { maxLength: 6 }),
    ),
    key: nastyText,
    extra: jsonValue,
  },
  { requiredKeys: [] },
);

const body = fc.oneof(
  {
    weight: 3,
    arbitrary: badCreateObject.map((o) => ({ contentType: 'application/json', payload: JSON.stringify(o) })),
  },
  { weight: 2, arbitrary: jsonValue.map((v) => ({ contentType: 'application/json', payload: JSON.stringify(v) })) },
  {
    weight: 2,
    arbitrary: fc.record({
      contentType: fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'application/json; charset=latin1',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/octet-stream',
        'application/jsonx',
        '',
        '*/*',
        ';;;',
      ),
      payload: fc.oneof(
        nastyText,
        fc.constantFrom('{', '{"alias":', '[]', '{}', 'null', '""', '{"alias":"a","name":"b"', '\uFEFF{}'),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ contentType: undefined, payload: undefined }) },
);

const headerName = fc.constantFrom(
  'x-request-id',
  'accept',
  'accept-encoding',
  'x-forwarded-for',
  'origin',
  'cookie',
  'x-custom',
  'if-none-match',
  'range',
  'expect',
);
const extraHeaders = fc.dictionary(headerName, printable, { maxKeys: 4 });

const authMode = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'admin' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('garbage' as const),
      value: printable,
      header: fc.constantFrom('authorization', 'x-api-key'),
    }),
  },
);

describeEachBackend('fuzz', (backend) => {
  let run: BackendRun;
  let routes: RouteInfo[];

  beforeAll(async () => {
    run = await backend.start({ env: { VERIFY_RATE_LIMIT_MAX: '1000000', LOG_LEVEL: 'warn' } });
    // Something to read and revoke-attempt against.
    await run.t.mint('existing', ['user']);
    routes = await discoverRoutes(run.t.app);
  });
  afterAll(() => run?.close());

  it(`answers ${RUNS} random requests with 4xx (2xx for valid reads), never 5xx, and appends nothing`, async () => {
    const { t } = run;
    const headBefore = await headPosition(t.ledger.store);
    const modelBefore = snapshot(t.ledger.readModel);
    const statuses = new Map<number, number>();
    const routeArb = fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...routes) },
      // Unknown and near-miss paths.
      {
        weight: 1,
        arbitrary: fc
          .tuple(
            fc.constantFrom(
              '/api',
              '/api/apikey',
              '/api/audit',
              '/docs',
              '/',
              '//',
              '/api//apikey',
              '/API/APIKEY',
              '/healthz/',
            ),
            pathParam,
          )
          .map(([p, x]): RouteInfo => ({ method: 'GET', path: `${p}/${x}`, admin: false })),
      },
    );
    const method = fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS');

    await fc.assert(
      fc.asyncProperty(
        routeArb,
        fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: method }),
        fc.dictionary(fc.constantFrom('alias', 'key'), pathParam),
        queryString,
        authMode,
        extraHeaders,
        body,
        async (route, otherMethod, params, query, auth, headers, { contentType, payload }) => {
          const m = otherMethod ?? route.method;
          const path = route.path.includes('{')
            ? route.path.replace(/\{(\w+)\}/g, (_x, n: string) => params[n] ?? 'x')
            : route.path;
          const isCreate = m === 'POST' && /^\/api\/apikey\/?$/.test(path);
          // A valid create would append: not an invalid input, so not sent.
          fc.pre(!(isCreate && auth.kind === 'admin' && isValidCreate(payload)));
          const allHeaders: Record<string, string> = { ...headers };
          if (auth.kind === 'admin') allHeaders.authorization = `Bearer ${t.adminKey}`;
          if (auth.kind === 'garbage') allHeaders[auth.header] = auth.value;
          if (contentType !== undefined) allHeaders['content-type'] = contentType;
          const options: InjectOptions = {
            method: m as InjectOptions['method'],
            url: `${path}${query}`,
            headers: allHeaders,
            ...(payload !== undefined && m !== 'GET' && m !== 'HEAD' ? { payload } : {}),
          };
          const res = await t.app.inject(options);
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          const where = `${m} ${options.url} [${auth.kind}] -> ${res.statusCode} ${res.body.slice(0, 200)}`;
          if (res.statusCode >= 500) throw new Error(`5xx: ${where}`);
          if (res.statusCode < 200 || res.statusCode >= 500) throw new Error(`unexpected status: ${where}`);
          if (res.statusCode < 400) {
            // Success is only acceptable for reads and for verification, never for a command.
            const command =
              (m === 'POST' && !route.path.endsWith('/verify')) || m === 'DELETE' || m === 'PUT' || m === 'PATCH';
            if (command) throw new Error(`command accepted: ${where}`);
          }
          if (res.statusCode >= 400 && m !== 'HEAD') {
            const parsed = JSON.parse(res.body) as { error?: unknown };
            if (typeof parsed.error !== 'string') throw new Error(`error body without "error": ${where}`);
          }
        },
      ),
      { numRuns: RUNS },
    );

    // Nothing appended, nothing changed, and the service still works.
    expect(await headPosition(t.ledger.store)).toBe(headBefore);
    expect(snapshot(t.ledger.readModel)).toEqual(modelBefore);
    const ok = await t.app.inject({
      method: 'GET',
      url: '/api/apikey',
      headers: { authorization: `Bearer ${t.adminKey}` },
    });
    expect(ok.statusCode).toBe(200);
    // Figures for the report (visible with --verbose or in CI logs on failure).
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(RUNS * 0.5);
    if (process.env.FUZZ_REPORT) console.log(`fuzz [${backend.name}]`, total, Object.fromEntries(statuses));
  });

  it('the fuzzer reaches the checks behind authentication (not only 401s)', async () => {
    // Each body kind, sent with the admin key, must reach validation: 400 with a field message.
    const { t } = run;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/apikey',
      headers: { authorization: `Bearer ${t.adminKey}` },
      payload: { alias: 'a'.repeat(129), name: 'x' },
    });
    expect(res.statusCode).toBe(400);
    expect(fillPath('/api/apikey/{alias}', { alias: 'a b' })).toBe('/api/apikey/a%20b');
  });
});
