import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../support/cli';
import { tempDir } from '../support/testApp';

describe('apikey CLI: rotate, revoke by alias or owner, import', () => {
  let env: Record<string, string>;
  beforeEach(() => {
    env = { DATA_DIR: tempDir(), LOG_LEVEL: 'silent' };
  });
  afterEach(() => rmSync(env.DATA_DIR!, { recursive: true, force: true }));

  const json = async (args: string[]) => {
    const run = await cli([...args, '--json'], env);
    return { code: run.code, body: JSON.parse(run.out || run.err) };
  };

  it('creates with owner, meta and a lifetime; rotates with a grace; revokes by alias and by owner', async () => {
    const created = await json([
      'create',
      '--alias',
      'svc',
      '--name',
      'Svc',
      '--owner',
      'team-a',
      '--meta',
      '{"tier":"gold"}',
      '--ttl-seconds',
      '600',
    ]);
    expect(created.body).toMatchObject({ owner: 'team-a', meta: { tier: 'gold' } });
    expect(Date.parse(created.body.expire) - Date.parse(created.body.created_at)).toBe(600_000);
    expect(await cli(['create', '--alias', 'x', '--name', 'x', '--meta', '{oops'], env)).toMatchObject({
      code: 1,
      err: 'meta must be a JSON object',
    });

    const rotated = await cli(['rotate', 'svc', '--grace-seconds', '60'], env);
    expect(rotated.code).toBe(0);
    expect(rotated.out).toMatch(/Rotated API key "svc" .* the previous key works until \S+Z\./);
    const next = rotated.out.split('\n').pop()!;
    expect(next).toMatch(/^ak_/);
    expect(next).not.toBe(created.body.key);
    expect(await cli(['rotate', 'nobody'], env)).toMatchObject({ code: 1, err: 'API key not found' });

    expect(await cli(['revoke', '--alias', 'svc'], env)).toMatchObject({
      code: 0,
      out: 'API key revoked successfully',
    });
    expect(await cli(['revoke', '--alias', 'svc'], env)).toMatchObject({ code: 1, err: 'API key not found' });

    await cli(['create', '--alias', 'a1', '--name', 'A1', '--owner', 'ops'], env);
    await cli(['create', '--alias', 'a2', '--name', 'A2', '--owner', 'ops'], env);
    expect(await cli(['revoke', '--owner', 'ops'], env)).toMatchObject({ code: 0, out: 'Revoked 2 keys' });
    expect((await json(['revoke', '--owner', 'ops'])).body).toEqual({ revoked: 0 });
    expect(await cli(['revoke', '--alias', 'a1', '--owner', 'ops'], env)).toMatchObject({ code: 2 });
  });

  it('imports the seed table as CSV, and JSON lines; a re-run skips; refused records are listed by line', async () => {
    const csv = join(env.DATA_DIR!, 'seed.csv');
    writeFileSync(
      csv,
      [
        'key,alias,name,roles,expire,is_active',
        '0f1e2d3c4b5a69788796a5b4c3d2e1f0,billing,Billing,"admin,user",2099-01-01 00:00:00,1',
        '1a2b3c4d5e6f708192a3b4c5d6e7f809,old,Old,[],2001-01-01T00:00:00,0',
        ',broken,Broken,,,1',
      ].join('\n'),
    );
    const first = await cli(['import', csv], env);
    expect(first.code).toBe(1);
    expect(first.out).toMatch(/^Imported 2, skipped 0 \(already there\), 1 refused, of 3 records in [\d.]+ s\.$/m);
    expect(first.out).toContain('line 4: exactly one of key or key_sha256 is required');
    const again = await json(['import', csv]);
    expect(again.body).toMatchObject({ imported: 0, skipped: 2, errors: [{ index: 2, line: 4 }] });

    const jsonl = join(env.DATA_DIR!, 'keys.jsonl');
    const hashOnly = createHash('sha256').update('legacy-secret').digest('hex');
    writeFileSync(
      jsonl,
      [
        JSON.stringify({ alias: 'j1', name: 'J1', roles: ['user'], key: 'legacy-plain', owner: 'legacy' }),
        '',
        JSON.stringify({ alias: 'j2', name: 'J2', key_sha256: hashOnly }),
        '{not json',
      ].join('\n'),
    );
    const imported = await json(['import', jsonl]);
    expect(imported).toEqual({
      code: 1,
      body: { imported: 2, skipped: 0, errors: [{ index: 2, line: 4, error: 'not valid JSON' }] },
    });
    const list = (await json(['list'])).body as { alias: string; status: string; roles: string[] }[];
    expect(list.find((k) => k.alias === 'billing')).toMatchObject({ status: 'active', roles: ['admin', 'user'] });
    expect(list.find((k) => k.alias === 'old')).toMatchObject({ status: 'revoked' });
    expect(list.find((k) => k.alias === 'j1')).toMatchObject({ owner: 'legacy' });
    // Renewing a key imported by its hash only cannot print it.
    expect((await json(['create', '--alias', 'j2', '--name', 'J2'])).body).toMatchObject({ key: null });

    expect(await cli(['import', join(env.DATA_DIR!, 'missing.csv')], env)).toMatchObject({ code: 1 });
    expect(await cli(['import'], env)).toMatchObject({ code: 2 });
  });

  it('shows the new commands and options in help', async () => {
    const help = await cli(['help'], env);
    expect(help.out).toMatch(/rotate\s+Give an alias a new key/);
    expect(help.out).toMatch(/import\s+Import existing keys/);
    expect((await cli(['revoke', '--help'], env)).out).toContain('--alias A');
    expect((await cli(['import', '--help'], env)).out).toContain('key, alias, name, roles, expire, is_active');
  });
});
