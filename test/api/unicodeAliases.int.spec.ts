import { randomUUID } from 'node:crypto';
import { keyStreamName } from '../../infrastructure/eventStore/apiKeyCodec';
import { generateKey, hashKey, displayPrefix, KeySealer } from '../../infrastructure/keys/keyCrypto';
import { resolveSealSecret } from '../../infrastructure/keys/sealSecret';
import { authHeader, describeEachBackend, headPosition, type BackendRun } from '../support/reliability';
import type { TestApp } from '../support/testApp';

describeEachBackend('Unicode aliases', (backend) => {
  let run: BackendRun;
  let t: TestApp;
  beforeEach(async () => {
    run = await backend.start();
    t = run.t;
  });
  afterEach(async () => {
    await run.close();
  });

  const admin = () => authHeader(t.adminKey);
  const post = (payload: unknown) =>
    t.app.inject({ method: 'POST', url: '/api/apikey', headers: admin(), payload: payload as never });
  const get = (url: string) => t.app.inject({ url, headers: admin() });
  const path = (alias: string) => `/api/apikey/${encodeURIComponent(alias)}`;
  const verify = async (key: string) =>
    (await t.app.inject({ method: 'POST', url: '/api/apikey/verify', payload: { key } })).json();

  it.each([
    [{ alias: 'backdoor\ud800', name: 'n', roles: ['admin'] }, 'alias must be well-formed Unicode'],
    [{ alias: 'ok', name: 'n\udfff' }, 'name must be well-formed Unicode'],
    [{ alias: 'admin\u202etxt.exe', name: 'n' }, 'alias must not contain invisible or bidirectional'],
    [{ alias: 'pay\u200broll', name: 'n' }, 'alias must not contain invisible or bidirectional'],
    [{ alias: 'ok', name: 'Bob\u2066x' }, 'name must not contain invisible or bidirectional'],
  ])('refuses %j with 400 naming the field, appending nothing', async (payload, message) => {
    const head = await headPosition(t.ledger.store);
    const res = await post(payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toContain(message);
    expect(await headPosition(t.ledger.store)).toBe(head);
  });

  it('treats the NFC and NFD spellings of an alias as one key, found under either', async () => {
    const nfc = 'caf\u00e9-\uac00';
    const nfd = nfc.normalize('NFD');
    expect(nfd).not.toBe(nfc);
    const created = await post({ alias: nfc, name: 'Caf\u00e9' });
    expect(created.statusCode).toBe(201);
    const renewed = await post({ alias: nfd, name: 'Cafe\u0301' });
    expect(renewed.statusCode).toBe(200);
    expect(renewed.json()).toMatchObject({ key: created.json().key, alias: nfc, name: 'Caf\u00e9', renewed: true });
    for (const spelling of [nfc, nfd]) {
      expect((await get(path(spelling))).json()).toMatchObject({ alias: nfc });
      const history = await get(`${path(spelling)}/history`);
      expect(history.json()).toMatchObject({
        alias: nfc,
        items: [{ type: 'ApiKeyCreated' }, { type: 'ApiKeyRenewed' }],
      });
      const asOf = await get(`${path(spelling)}?as_of=${encodeURIComponent(new Date().toISOString())}`);
      expect(asOf.json()).toMatchObject({ alias: nfc });
    }
  });

  it('applies an alias whose first character is above U+FFFF at once, and lists it in the audit feed', async () => {
    const alias = '\u{1F511}-vault';
    const created = await post({ alias, name: 'Vault' });
    expect(created.statusCode).toBe(201);
    expect(await verify(created.json().key)).toMatchObject({ code: 'VALID', alias });
    const feed = await get(`/api/audit?alias=${encodeURIComponent(alias)}`);
    expect(feed.json().items).toEqual([expect.objectContaining({ alias, type: 'ApiKeyCreated' })]);
    expect((await t.app.inject({ url: '/readyz' })).statusCode).toBe(200);
  });

  it('serves 128-character aliases by path, and never echoes a too long path', async () => {
    for (const alias of ['x'.repeat(128), '\u{1F600}'.repeat(128), '\u00e9'.repeat(128)]) {
      expect((await post({ alias, name: 'long' })).statusCode).toBe(201);
      expect((await get(path(alias))).json()).toMatchObject({ alias });
      expect((await get(`${path(alias)}/history`)).json()).toMatchObject({ alias });
      // The NFD spelling of the last one is 256 code points long, and still finds it.
      expect((await get(path(alias.normalize('NFD')))).statusCode).toBe(200);
    }
    const tooLong = `/api/apikey/${'y'.repeat(5000)}`;
    const res = await get(tooLong);
    expect(res.statusCode).toBe(414);
    expect(res.body).not.toContain('yyyy');
    expect(res.json()).toEqual({ error: 'request path too long' });
    const badEncoding = await get('/api/apikey/zz%E0%A4%Aqq');
    expect(badEncoding.statusCode).toBe(400);
    expect(badEncoding.json()).toEqual({ error: 'invalid request' });
  });

  it('keeps aliases stored under older rules working: verify, revoke by key, find by exact alias', async () => {
    const sealer = new KeySealer(resolveSealSecret(t.config.KEY_SEAL_SECRET, t.dataDir).secret);
    const legacy = ['old\u202eone', 'cafe\u0301-old', 'lone\ud800'];
    const keys: string[] = [];
    for (const alias of legacy) {
      const key = generateKey('ak');
      keys.push(key);
      const at = new Date().toISOString();
      await t.ledger.store.appendToStream(
        keyStreamName(alias),
        [
          {
            id: randomUUID(),
            type: 'ApiKeyCreated.v1',
            data: {
              alias,
              name: 'legacy',
              roles: ['admin'],
              keyHash: hashKey(key),
              keyPrefix: displayPrefix(key),
              sealedKey: sealer.seal(key, hashKey(key)),
              expire: new Date(Date.now() + 86_400_000).toISOString(),
              createdAt: at,
            },
            metadata: { actor: 'old-version', requestId: 'r', correlationId: 'r', causationId: 'r', at },
          },
        ],
        'no_stream',
      );
    }
    await t.ledger.projection.catchUp(10_000);
    for (const [i, alias] of legacy.entries()) {
      const key = keys[i]!;
      expect(await verify(key)).toMatchObject({ code: 'VALID', alias });
      if (!alias.includes('\ud800')) expect((await get(path(alias))).json()).toMatchObject({ alias });
      const revoked = await t.app.inject({ method: 'DELETE', url: `/api/apikey/${key}`, headers: admin() });
      expect(revoked.statusCode).toBe(200);
      expect(await verify(key)).toMatchObject({ code: 'REVOKED', alias });
    }
  });
});
