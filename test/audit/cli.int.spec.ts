import { rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { cli } from '../support/cli';
import { tempDir } from '../support/testApp';

describe('apikey CLI: history and audit', () => {
  let env: Record<string, string>;
  let key = '';
  const actor = `cli:${userInfo().username}`;

  beforeAll(async () => {
    env = { DATA_DIR: tempDir(), LOG_LEVEL: 'silent' };
    key = (await cli(['create', '--alias', 'svc', '--name', 'Svc', '--roles', 'user', '--json'], env)).out;
    key = JSON.parse(key).key;
    await cli(['create', '--alias', 'svc', '--name', 'Svc 2', '--roles', 'user,agent'], env);
    await cli(['revoke', '--key', key], env);
    await cli(['create', '--alias', 'other', '--name', 'Other'], env);
  });
  afterAll(() => rmSync(env.DATA_DIR!, { recursive: true, force: true }));

  it('history <alias> prints a table of the changes, oldest first', async () => {
    const res = await cli(['history', 'svc'], env);
    expect(res.code).toBe(0);
    const lines = res.out.split('\n');
    expect(lines[0]).toMatch(/^POSITION\s+TIME\s+ALIAS\s+TYPE\s+ACTOR\s+REQUEST\s+CHANGES$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[3])).toEqual(['ApiKeyCreated', 'ApiKeyRenewed', 'ApiKeyRevoked']);
    expect(lines[1]).toContain(actor);
    expect(lines[2]).toContain('roles=user,agent');
    expect(lines[3]).toContain('active=false');
    expect(res.out).not.toContain(key);
  });

  it('history --json prints the API answer; an unknown alias fails', async () => {
    const res = await cli(['history', 'svc', '--json'], env);
    const body = JSON.parse(res.out);
    expect(body.alias).toBe('svc');
    expect(body.items).toHaveLength(3);
    expect(body.items[0]).toMatchObject({ type: 'ApiKeyCreated', actor, revision: 0, changes: { name: 'Svc' } });
    expect(res.out).not.toMatch(/keyHash|sealedKey|key_hash|sealed_key/);
    expect(res.out).not.toContain(key);
    const missing = await cli(['history', 'nobody'], env);
    expect(missing.code).toBe(1);
    expect(missing.err).toBe('API key not found');
    expect((await cli(['history'], env)).code).toBe(2);
  });

  it('audit filters and pages like the API, table by default, --json on request', async () => {
    const all = await cli(['audit', '--json'], env);
    expect(all.code).toBe(0);
    const body = JSON.parse(all.out);
    expect(body.items.map((i: { alias: string; type: string }) => `${i.alias}:${i.type}`)).toEqual([
      'other:ApiKeyCreated',
      'svc:ApiKeyRevoked',
      'svc:ApiKeyRenewed',
      'svc:ApiKeyCreated',
    ]);
    expect(body.next_cursor).toBeNull();

    const revoked = await cli(['audit', '--alias', 'svc', '--type', 'ApiKeyRevoked', '--actor', actor], env);
    expect(revoked.out.split('\n')).toHaveLength(2);
    expect(revoked.out).toContain('ApiKeyRevoked');

    const since = await cli(
      ['audit', '--since', '2000-01-01T00:00:00Z', '--until', '2999-01-01T00:00:00Z', '--order', 'asc', '--limit', '1'],
      env,
    );
    expect(since.out).toContain('svc');
    const more = /More: --cursor (\S+)/.exec(since.out);
    expect(more).not.toBeNull();
    const next = await cli(['audit', '--order', 'asc', '--limit', '1', '--cursor', more![1]!, '--json'], env);
    expect(JSON.parse(next.out).items[0]).toMatchObject({ alias: 'svc', type: 'ApiKeyRenewed' });

    expect((await cli(['audit', '--actor', 'nobody'], env)).out).toBe('No events.');
  });

  it('audit refuses bad arguments with the API’s messages', async () => {
    const bad = await cli(['audit', '--since', 'yesterday'], env);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('since must be an ISO-8601 date-time');
    expect((await cli(['audit', '--limit', '0'], env)).err).toContain('limit must be an integer between 1 and 500');
    expect((await cli(['audit', '--bogus'], env)).code).toBe(2);
  });
});
