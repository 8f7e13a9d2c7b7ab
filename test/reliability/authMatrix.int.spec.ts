/**
 * Auth matrix: every admin endpoint (from the OpenAPI document, plus the core routes) against
 * no key, malformed keys, an unknown key, an expired admin key, a revoked admin key and valid
 * keys without the admin role. Expected: 401 with WWW-Authenticate (403 for a missing role),
 * a `{"error": ...}` body, and nothing changed: no event appended, same read model.
 */
import { generateKey } from '../../infrastructure/keys/keyCrypto';
import { discoverRoutes, fillPath, type RouteInfo } from '../support/routes';
import { describeEachBackend, headPosition, snapshot, type BackendRun } from '../support/reliability';

const TTL_SECONDS = 3600;

interface Credential {
  name: string;
  headers: () => Record<string, string>;
  status: 401 | 403;
}

describeEachBackend('auth matrix', (backend) => {
  let run: BackendRun;
  let offsetMs = 0;
  const creds: Credential[] = [];
  let routes: RouteInfo[];
  let victimKey: string;

  beforeAll(async () => {
    run = await backend.start({
      env: { KEY_TTL_SECONDS: String(TTL_SECONDS), VERIFY_RATE_LIMIT_MAX: '1000000' },
      clock: () => new Date(Date.now() + offsetMs),
    });
    const { t } = run;
    // Minted two TTLs in the past: expired now.
    offsetMs = -2 * TTL_SECONDS * 1000;
    const expiredAdmin = await t.mint('expired-admin', ['admin']);
    offsetMs = 0;
    const revokedAdmin = await t.mint('revoked-admin', ['admin']);
    await t.ledger.keys.revoke(revokedAdmin, { actor: 'test', requestId: 'revoke-admin' });
    const noRoles = await t.mint('no-roles', []);
    const allButAdmin = await t.mint('all-but-admin', ['agent', 'creator', 'user']);
    const user = await t.mint('plain-user', ['user']);
    victimKey = await t.mint('victim', ['user']);
    const admin = t.adminKey;
    const flipped = admin.slice(0, -1) + (admin.endsWith('A') ? 'B' : 'A');
    const bearer = (k: string) => () => ({ authorization: `Bearer ${k}` });
    const xApiKey = (k: string) => () => ({ 'x-api-key': k });
    creds.push(
      { name: 'no key', headers: () => ({}), status: 401 },
      { name: 'empty bearer', headers: () => ({ authorization: 'Bearer ' }), status: 401 },
      {
        name: 'basic auth',
        headers: () => ({ authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` }),
        status: 401,
      },
      { name: 'admin key without scheme', headers: () => ({ authorization: admin }), status: 401 },
      { name: 'blank x-api-key', headers: () => ({ 'x-api-key': '   ' }), status: 401 },
      { name: 'malformed: garbage', headers: bearer('not-a-key'), status: 401 },
      { name: 'malformed: bad checksum of the admin key', headers: bearer(flipped), status: 401 },
      { name: 'malformed: truncated admin key', headers: xApiKey(admin.slice(0, -2)), status: 401 },
      { name: 'malformed: admin key with a suffix', headers: bearer(`${admin}x`), status: 401 },
      { name: 'unknown well-formed key', headers: bearer(generateKey('ak')), status: 401 },
      { name: 'unknown key, other prefix', headers: bearer(generateKey('zz')), status: 401 },
      { name: 'expired admin (bearer)', headers: bearer(expiredAdmin), status: 401 },
      { name: 'expired admin (x-api-key)', headers: xApiKey(expiredAdmin), status: 401 },
      { name: 'revoked admin (bearer)', headers: bearer(revokedAdmin), status: 401 },
      { name: 'revoked admin (x-api-key)', headers: xApiKey(revokedAdmin), status: 401 },
      // Bearer wins over X-API-Key: a failing bearer is not rescued by a valid admin header.
      {
        name: 'revoked bearer + admin x-api-key',
        headers: () => ({ ...bearer(revokedAdmin)(), 'x-api-key': admin }),
        status: 401,
      },
      { name: 'no roles', headers: bearer(noRoles), status: 403 },
      { name: 'agent, creator, user', headers: bearer(allButAdmin), status: 403 },
      { name: 'user (x-api-key)', headers: xApiKey(user), status: 403 },
      {
        name: 'user bearer + admin x-api-key',
        headers: () => ({ ...bearer(user)(), 'x-api-key': admin }),
        status: 403,
      },
    );
    routes = (await discoverRoutes(t.app)).filter((r) => r.admin);
    for (const l of [t.ledger]) await l.projection.catchUp(10_000);
  });
  afterAll(() => run?.close());

  it('covers every admin endpoint of the API', () => {
    const names = routes.map((r) => `${r.method} ${r.path}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'POST /api/apikey',
        'POST /api/apikey/',
        'GET /api/apikey',
        'GET /api/apikey/{alias}',
        'DELETE /api/apikey/{key}',
      ]),
    );
    // Sanity: the credentials really are what they claim.
    const v = run.t.ledger.verifier;
    expect(v.verify(run.t.adminKey, ['admin']).code).toBe('VALID');
    expect(v.verify(victimKey).code).toBe('VALID');
  });

  it('rejects every bad credential on every admin endpoint, and changes nothing', async () => {
    const { t } = run;
    const headBefore = await headPosition(t.ledger.store);
    const modelBefore = snapshot(t.ledger.readModel);
    const failures: string[] = [];
    let cases = 0;
    for (const route of routes) {
      // Parameters point at a real, active key: a bypass would revoke it or show it.
      const url = fillPath(route.path, { alias: 'victim', key: victimKey });
      for (const cred of creds) {
        cases++;
        const res = await t.app.inject({
          method: route.method,
          url,
          headers: { ...cred.headers(), ...(route.method === 'POST' ? { 'content-type': 'application/json' } : {}) },
          ...(route.method === 'POST' ? { payload: { alias: 'intruder', name: 'Intruder', roles: ['admin'] } } : {}),
        });
        const where = `${route.method} ${route.path} with ${cred.name}`;
        if (res.statusCode !== cred.status) failures.push(`${where}: ${res.statusCode} ${res.body}`);
        const body: unknown = res.json();
        if (
          typeof body !== 'object' ||
          body === null ||
          Object.keys(body).join() !== 'error' ||
          typeof (body as { error: unknown }).error !== 'string'
        )
          failures.push(`${where}: body ${res.body}`);
        if (cred.status === 401 && !/^Bearer realm="keyledger"/.test(String(res.headers['www-authenticate'])))
          failures.push(`${where}: WWW-Authenticate ${String(res.headers['www-authenticate'])}`);
        if (res.body.includes(victimKey) || res.body.includes(t.adminKey)) failures.push(`${where}: echoes a key`);
      }
    }
    expect(failures).toEqual([]);
    expect(cases).toBeGreaterThanOrEqual(5 * creds.length);
    expect(await headPosition(t.ledger.store)).toBe(headBefore);
    expect(snapshot(t.ledger.readModel)).toEqual(modelBefore);
    expect(t.ledger.readModel.findByAlias('intruder')).toBeUndefined();
    expect(t.ledger.verifier.verify(victimKey).code).toBe('VALID');
  });

  it('the valid admin key gets through on the same requests (the matrix can fail)', async () => {
    const { t } = run;
    const list = await t.app.inject({
      method: 'GET',
      url: '/api/apikey',
      headers: { authorization: `Bearer ${t.adminKey}` },
    });
    expect(list.statusCode).toBe(200);
    const one = await t.app.inject({ method: 'GET', url: '/api/apikey/victim', headers: { 'x-api-key': t.adminKey } });
    expect(one.statusCode).toBe(200);
  });
});
