/**
 * Secrets: after a full run (create, renew, revoke, list, read, history, audit, verify, metrics,
 * and a spread of errors, several of which carry a key in the URL, a header or a body), the
 * plaintext of every key is absent from every file in DATA_DIR (raw bytes, -wal/-shm included),
 * from every stored event, from the captured logs, and from every API answer but the
 * create/renew answer that hands it out.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { describeEachBackend, type BackendRun } from '../support/reliability';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** The forms a leaked key could take: as is, its secret part (after the display prefix), base64. */
function needles(key: string): string[] {
  return [key, key.slice(8), Buffer.from(key).toString('base64'), Buffer.from(key).toString('hex')];
}

describeEachBackend('secrets', (backend) => {
  let run: BackendRun;
  beforeAll(async () => {
    run = await backend.start({ env: { LOG_LEVEL: 'trace', VERIFY_RATE_LIMIT_MAX: '1000000' } });
  });
  afterAll(() => run?.close());

  it('no key plaintext in the data directory, the log of events, the service logs or other answers', async () => {
    const { t } = run;
    const admin = { authorization: `Bearer ${t.adminKey}` };
    const keys = new Set<string>([t.adminKey]);
    const handedOut: LightMyRequestResponse[] = [];
    const others: Array<{ what: string; res: LightMyRequestResponse }> = [];
    const call = async (what: string, opts: InjectOptions, handsOutKey = false) => {
      const res = await t.app.inject(opts);
      if (handsOutKey) {
        expect([200, 201]).toContain(res.statusCode);
        keys.add((res.json() as { key: string }).key);
        handedOut.push(res);
      } else others.push({ what, res });
      return res;
    };
    const create = (alias: string, roles: string[]) =>
      call(
        `create ${alias}`,
        { method: 'POST', url: '/api/apikey', headers: admin, payload: { alias, name: alias, roles } },
        true,
      );

    const a = (await create('svc-a', ['user'])).json<{ key: string }>().key;
    const b = (await create('svc-b', ['admin', 'agent'])).json<{ key: string }>().key;
    await create('svc-a', ['user', 'creator']); // renewal: same key handed out again
    await call('revoke b', { method: 'DELETE', url: `/api/apikey/${b}`, headers: admin });
    await call('revoke b twice', { method: 'DELETE', url: `/api/apikey/${b}`, headers: admin });
    await call('revoke with garbage', { method: 'DELETE', url: `/api/apikey/${a}zz`, headers: admin });
    await call('revoke a key by query', { method: 'DELETE', url: `/api/apikey/x?key=${a}`, headers: admin });
    await call('list', { method: 'GET', url: '/api/apikey', headers: admin });
    await call('one', { method: 'GET', url: '/api/apikey/svc-a', headers: admin });
    await call('key as alias', { method: 'GET', url: `/api/apikey/${a}`, headers: admin });
    await call('history', { method: 'GET', url: '/api/apikey/svc-a/history', headers: admin });
    await call('audit', { method: 'GET', url: '/api/audit', headers: admin });
    await call('audit by alias', { method: 'GET', url: '/api/audit?alias=svc-b', headers: admin });
    await call('holders', { method: 'GET', url: '/api/audit/holders?role=user', headers: admin });
    await call('expiring', { method: 'GET', url: '/api/audit/expiring?within_hours=100000', headers: admin });
    for (const [what, key, roles] of [
      ['verify valid', a, ['user']],
      ['verify missing role', a, ['admin']],
      ['verify revoked', b, []],
      ['verify malformed', `${a}x`, []],
    ] as const)
      await call(what, { method: 'POST', url: '/api/apikey/verify', payload: { key, roles } });
    await call('revoked key as admin', {
      method: 'GET',
      url: '/api/apikey',
      headers: { authorization: `Bearer ${b}` },
    });
    await call('user key as admin', { method: 'GET', url: '/api/apikey', headers: { 'x-api-key': a } });
    await call('bad json with a key inside', {
      method: 'POST',
      url: '/api/apikey',
      headers: { ...admin, 'content-type': 'application/json' },
      payload: `{"alias": "${a}", "name": `,
    });
    await call('key as a role', {
      method: 'POST',
      url: '/api/apikey',
      headers: admin,
      payload: { alias: 'x', name: 'x', roles: [a] },
    });
    await call('key as a query', { method: 'GET', url: `/api/apikey?key=${a}&token=${b}`, headers: admin });
    await call('metrics', { method: 'GET', url: '/metrics' });
    await call('readyz', { method: 'GET', url: '/readyz' });
    await call('not found', { method: 'GET', url: `/nope/${a}` });

    expect(keys.size).toBe(3);
    // Sanity: the key really is in the answer that hands it out, so the search below can find one.
    expect(handedOut.some((r) => r.body.includes(a))).toBe(true);

    const leaks: string[] = [];
    const search = (where: string, text: string) => {
      for (const key of keys)
        for (const n of needles(key)) if (text.includes(n)) leaks.push(`${where} holds ${n.slice(0, 12)}…`);
    };
    for (const { what, res } of others) {
      search(`answer to "${what}"`, res.body);
      search(`headers of "${what}"`, JSON.stringify(res.headers));
    }
    search('service logs', t.logs.join('\n'));
    search(
      'event log',
      JSON.stringify(await t.ledger.store.readAll(), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
    );
    const files = filesUnder(t.dataDir);
    for (const f of files) search(`file ${f}`, readFileSync(f).toString('latin1'));
    expect(leaks).toEqual([]);
    // The logs did record the run (so their absence of keys means something).
    expect(t.logs.length).toBeGreaterThan(others.length);
    if (backend.kind === 'sqlite')
      expect(files.map((f) => f.slice(t.dataDir.length))).toEqual(
        expect.arrayContaining(['/events.sqlite', '/events.sqlite-wal']),
      );
  });
});
