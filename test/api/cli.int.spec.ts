import { rmSync } from 'node:fs';
import { cli } from '../support/cli';
import { tempDir } from '../support/testApp';

describe('apikey CLI', () => {
  let env: Record<string, string>;
  beforeEach(() => {
    env = { DATA_DIR: tempDir(), LOG_LEVEL: 'silent' };
  });
  afterEach(() => rmSync(env.DATA_DIR!, { recursive: true, force: true }));

  it('creates (printing the key once), renews with the same key, lists, revokes', async () => {
    const created = await cli(['create', '--alias', 'root', '--name', 'Root', '--roles', 'admin,user'], env);
    expect(created.code).toBe(0);
    const key = created.out.split('\n').pop()!;
    expect(key).toMatch(/^ak_[0-9A-Za-z]{38}$/);
    expect(created.out).toContain('Created API key "root"');
    expect(created.out.split(key)).toHaveLength(2);

    const renewed = await cli(['create', '--alias', 'root', '--name', 'Root 2', '--roles', 'admin', '--json'], env);
    expect(renewed.code).toBe(0);
    expect(JSON.parse(renewed.out)).toMatchObject({
      key,
      alias: 'root',
      name: 'Root 2',
      roles: ['admin'],
      renewed: true,
    });

    const list = await cli(['list'], env);
    expect(list.out).toMatch(/ALIAS\s+NAME\s+ROLES\s+STATUS/);
    expect(list.out).toContain('root');
    expect(list.out).not.toContain(key);
    const listed = JSON.parse((await cli(['list', '--json'], env)).out);
    expect(listed).toEqual([expect.objectContaining({ alias: 'root', status: 'active', key_prefix: key.slice(0, 8) })]);

    expect(await cli(['revoke', '--key', key], env)).toMatchObject({ code: 0, out: 'API key revoked successfully' });
    expect(await cli(['revoke', '--key', key], env)).toMatchObject({ code: 1, err: 'API key not found' });
    expect(JSON.parse((await cli(['list', '--json'], env)).out)[0]).toMatchObject({ status: 'revoked' });
  });

  it('refuses bad input with the same messages as the API, and bad usage with exit 2', async () => {
    expect(await cli(['create', '--name', 'x'], env)).toMatchObject({ code: 1, err: 'alias is required' });
    expect(await cli(['create', '--alias', 'x', '--name', 'x', '--roles', 'boss'], env)).toMatchObject({
      code: 1,
      err: "roles must be a subset of ['admin', 'agent', 'creator', 'user']",
    });
    expect((await cli(['frobnicate'], env)).code).toBe(2);
    expect((await cli([], env)).code).toBe(2);
    expect((await cli(['create', '--bogus'], env)).code).toBe(1);
  });

  it('names a bad configuration variable', async () => {
    const res = await cli(['list'], { ...env, KEY_TTL_SECONDS: 'soon' });
    expect(res.code).toBe(1);
    expect(res.err).toContain('KEY_TTL_SECONDS');
  });
});
