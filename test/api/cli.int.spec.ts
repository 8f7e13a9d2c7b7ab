import { rmSync } from 'node:fs';
import { COMMANDS } from '../../api/cli/commands';
import { cli } from '../support/cli';
import { tempDir } from '../support/testApp';

describe('apikey CLI', () => {
  let env: Record<string, string>;
  beforeEach(() => {
    env = { DATA_DIR: tempDir(), LOG_LEVEL: 'silent' };
  });
  afterEach(() => rmSync(env.DATA_DIR!, { recursive: true, force: true }));

  it('creates (printing the key once), renews the same key, lists, revokes from standard input', async () => {
    const created = await cli(['create', '--alias', 'root', '--name', 'Root', '--roles', 'admin,user'], env);
    expect(created.code).toBe(0);
    const key = created.out.split('\n').pop()!;
    expect(key).toMatch(/^ak_[0-9A-Za-z]{38}$/);
    expect(created.out).toContain('Created API key "root"');
    expect(created.out).toContain('shown once');
    expect(created.out.split(key)).toHaveLength(2);

    const renewed = await cli(['create', '--alias', 'root', '--name', 'Root 2', '--roles', 'admin'], env);
    expect(renewed.code).toBe(0);
    expect(renewed.out).toContain('Renewed API key "root"');
    expect(renewed.out).toContain('the same key as before');
    expect(renewed.out).not.toContain('shown once');
    expect(renewed.out.split('\n').pop()).toBe(key);
    const again = await cli(['create', '--alias', 'root', '--name', 'Root 2', '--roles', 'admin', '--json'], env);
    expect(JSON.parse(again.out)).toMatchObject({
      key,
      alias: 'root',
      name: 'Root 2',
      roles: ['admin'],
      renewed: true,
    });

    const list = await cli(['list'], env);
    const [header, row] = list.out.split('\n');
    expect(header).toMatch(/^ALIAS\s+NAME\s+ROLES\s+STATUS\s+CREATED\s+LAST USED\s+EXPIRE\s+PREFIX$/);
    expect(row).toMatch(
      /^root\s+Root 2\s+admin\s+active\s+\d{4}-\d\d-\d\dT\S+Z\s+-\s+\d{4}-\d\d-\d\dT\S+Z\s+ak_\S{5}$/,
    );
    expect(list.out).not.toContain(key);
    const listed = JSON.parse((await cli(['list', '--json'], env)).out);
    expect(listed).toEqual([expect.objectContaining({ alias: 'root', status: 'active', key_prefix: key.slice(0, 8) })]);

    expect(await cli(['revoke'], env, `${key}\n`)).toMatchObject({ code: 0, out: 'API key revoked successfully' });
    expect(await cli(['revoke', '--key', key], env)).toMatchObject({ code: 1, err: 'API key not found' });
    expect(JSON.parse((await cli(['list', '--json'], env)).out)[0]).toMatchObject({ status: 'revoked' });
  });

  it('refuses bad input with the same messages as the API (exit 1), bad usage with exit 2', async () => {
    expect(await cli(['create', '--name', 'x'], env)).toMatchObject({ code: 1, err: 'alias is required' });
    expect(await cli(['create', '--alias', 'x', '--name', 'x', '--roles', 'boss'], env)).toMatchObject({
      code: 1,
      err: "roles must be a subset of ['admin', 'agent', 'creator', 'user']",
    });
    expect(await cli(['revoke', '--key', 'ak_nope'], env)).toMatchObject({ code: 1, err: 'API key not found' });
    expect(await cli(['history', 'nobody'], env)).toMatchObject({ code: 1, err: 'API key not found' });

    const usage: string[][] = [
      [],
      ['frobnicate'],
      ['create', '--bogus'],
      ['create', '--alias'],
      ['create', 'root'],
      ['list', 'extra'],
      ['history'],
      ['history', 'a', 'b'],
      ['audit', '--order'],
    ];
    for (const args of usage) {
      const res = await cli(args, env);
      expect({ args, code: res.code }).toEqual({ args, code: 2 });
      expect(res.out).toBe('');
      expect(res.err).toMatch(/--help|Usage:/);
    }
    expect((await cli(['create', '--bogus'], env)).err).toMatch(
      /^Unknown option '--bogus'\nRun "keyledger create --help"/,
    );
    // Nothing was written by any of these.
    expect(JSON.parse((await cli(['list', '--json'], env)).out)).toEqual([]);
  });

  it('revoke without --key and nothing on standard input is a usage error', async () => {
    expect(await cli(['revoke'], env, '')).toMatchObject({
      code: 2,
      err: expect.stringContaining('revoke needs a key: on standard input, or with --key K'),
    });
  });

  it('names a bad configuration variable (exit 1)', async () => {
    const res = await cli(['list'], { ...env, KEY_TTL_SECONDS: 'soon' });
    expect(res.code).toBe(1);
    expect(res.err).toContain('KEY_TTL_SECONDS');
  });

  it('with --json, every error is {"error": ...} on standard error', async () => {
    const cases: [string[], number, string][] = [
      [['create', '--name', 'x', '--json'], 1, 'alias is required'],
      [['revoke', '--key', 'ak_nope', '--json'], 1, 'API key not found'],
      [['history', 'nobody', '--json'], 1, 'API key not found'],
      [['audit', '--since', 'yesterday', '--json'], 1, 'since must be an ISO-8601 date-time'],
      [['create', '--bogus', '--json'], 2, "Unknown option '--bogus'"],
      [['frobnicate', '--json'], 2, "unknown command 'frobnicate'"],
      [['history', '--json'], 2, 'history needs <alias>'],
    ];
    for (const [args, code, message] of cases) {
      const res = await cli(args, env);
      expect({ args, code: res.code, out: res.out }).toEqual({ args, code, out: '' });
      expect(JSON.parse(res.err)).toEqual({ error: expect.stringContaining(message) });
    }
    const config = await cli(['list', '--json'], { ...env, KEY_TTL_SECONDS: 'soon' });
    expect(JSON.parse(config.err)).toEqual({ error: expect.stringContaining('KEY_TTL_SECONDS') });
  });

  it('answers --help, -h and help <command> for every command, without opening the store', async () => {
    const broken = { ...env, KEY_TTL_SECONDS: 'soon' };
    for (const top of [['--help'], ['-h'], ['help']]) {
      const res = await cli(top, broken);
      expect(res.code).toBe(0);
      for (const command of COMMANDS) expect(res.out).toContain(`  ${command.name} `);
      expect(res.out).toContain('Exit codes: 0 success');
    }
    for (const command of COMMANDS) {
      for (const args of [
        [command.name, '--help'],
        [command.name, '-h'],
        ['help', command.name],
      ]) {
        const res = await cli(args, broken);
        expect({ args, code: res.code }).toEqual({ args, code: 0 });
        expect(res.out).toMatch(new RegExp(`^Usage: keyledger ${command.name}\\b`));
        for (const option of [...Object.keys(command.options), 'json', 'help'])
          expect(res.out).toContain(`--${option}`);
      }
    }
    const audit = (await cli(['audit', '--help'], broken)).out;
    expect(audit).toMatch(/--order desc\|asc/);
    expect(audit).toMatch(/--cursor C/);
    expect(audit).toContain('ApiKeyCreated, ApiKeyRenewed, ApiKeyRotated, ApiKeyImported, ApiKeyRevoked');
  });

  it('hints at "--" when npm took the options of `npm run apikey` for itself, and does nothing', async () => {
    // `npm run apikey create --alias root --name Root --roles admin` hands the CLI this:
    const npmEnv = { ...env, npm_lifecycle_event: 'apikey', npm_config_alias: 'true', npm_config_name: 'Root' };
    const res = await cli(['create', 'root', 'admin'], { ...npmEnv, npm_config_roles: 'true' });
    expect(res.code).toBe(2);
    expect(res.err).toContain('npm took --alias, --name, --roles for itself');
    expect(res.err).toContain('npm run apikey -- create --alias ... --name ... --roles ...');
    expect(JSON.parse((await cli(['list', '--json'], env)).out)).toEqual([]);

    const list = await cli(['list'], { ...env, npm_lifecycle_event: 'apikey', npm_config_json: 'true' });
    expect(list.code).toBe(2);
    expect(list.err).toContain('npm run apikey -- list --json');
    // The same variables outside an npm script are not a mistake.
    expect((await cli(['list'], { ...env, npm_config_json: 'true' })).code).toBe(0);
  });
});
