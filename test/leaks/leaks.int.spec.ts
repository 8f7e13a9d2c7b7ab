import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, tempDir, type TestApp } from '../support/testApp';
import { waitFor } from '../support/wait';
import { WebhookReceiver } from '../support/webhookReceiver';

/** A report-signing key pair as GitHub uses: ECDSA P-256, public key in PEM. */
function reportKeyPair() {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string, privateKey };
}
const signBody = (body: string, privateKey: KeyObject) =>
  sign('sha256', Buffer.from(body), { key: privateKey, dsaEncoding: 'der' }).toString('base64');
const sha256Hex = (s: string) => createHash('sha256').update(s).digest('hex');

describe('leak response', () => {
  const github = reportKeyPair();
  const stranger = reportKeyPair();
  const dir = tempDir('keyledger-leak-keys-');
  const pemFile = join(dir, 'secret-scanning.pem');
  writeFileSync(pemFile, github.publicPem);
  const KEY_ID = 'bcb53661c06b4728e59d897fb6165d5c9cda0fd9cdf9d09ead458168deb7518c';
  let t: TestApp;
  afterEach(async () => {
    await t?.close();
  });

  const auth = () => ({ authorization: `Bearer ${t.adminKey}` });
  const status = async (alias: string) =>
    (await t.app.inject({ url: `/api/apikey/${alias}`, headers: auth() })).json().status;
  const report = (body: string, signature: string | undefined, keyId = KEY_ID) =>
    t.app.inject({
      method: 'POST',
      url: '/api/apikey/leaks',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'github-public-key-identifier': keyId,
        ...(signature !== undefined && { 'github-public-key-signature': signature }),
      },
      payload: body,
    });
  const unknownToken = 'ak_0000000000000000000000000000000000000000';

  it('a signed report revokes a leaked key, labels an unknown token false_positive, and fires key.leaked', async () => {
    const receiver = await new WebhookReceiver().start();
    try {
      t = await startTestApp({ env: { LEAK_REPORT_PUBLIC_KEYS: pemFile, WEBHOOK_ALLOW_PRIVATE: 'true' } });
      const hook = (
        await t.app.inject({ method: 'POST', url: '/api/webhooks', headers: auth(), payload: { url: receiver.url } })
      ).json();
      const leaked = await t.mint('leaky', ['user']);
      const body = JSON.stringify([
        { token: leaked, type: 'keyledger_api_key', url: 'https://github.com/o/r/blob/main/.env', source: 'content' },
        { token: unknownToken, type: 'keyledger_api_key', url: 'https://gist.github.com/x', source: 'gist' },
      ]);
      const res = await report(body, signBody(body, github.privateKey));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual([
        { token_hash: sha256Hex(leaked), token_type: 'keyledger_api_key', label: 'true_positive' },
        { token_hash: sha256Hex(unknownToken), token_type: 'keyledger_api_key', label: 'false_positive' },
      ]);
      expect(await status('leaky')).toBe('revoked');
      const events = await t.ledger.store.readStream('apikey-leaky');
      const [reported, revoked] = events.slice(-2);
      expect(reported).toMatchObject({
        type: 'ApiKeyLeakReported.v1',
        data: { alias: 'leaky', url: 'https://github.com/o/r/blob/main/.env', source: 'content' },
        metadata: { actor: 'secret-scanning-report', sourceUrl: 'https://github.com/o/r/blob/main/.env' },
      });
      expect(revoked!.type).toBe('ApiKeyRevoked.v1');
      expect(JSON.stringify(events.map((e) => [e.data, e.metadata]))).not.toContain(leaked);

      await waitFor(() => receiver.received.length >= 3, 'created, leaked and revoked delivered');
      expect(receiver.verified(hook.secret).map((d) => [d.type, d.data['alias']])).toEqual([
        ['key.created', 'leaky'],
        ['key.leaked', 'leaky'],
        ['key.revoked', 'leaky'],
      ]);
    } finally {
      await receiver.stop();
    }
  });

  it('a bad signature, or none, is 401 and changes nothing', async () => {
    t = await startTestApp({ env: { LEAK_REPORT_PUBLIC_KEYS: pemFile } });
    const leaked = await t.mint('safe', ['user']);
    const body = JSON.stringify([{ token: leaked, type: 'keyledger_api_key', url: 'https://x', source: 'content' }]);
    const before = (await t.ledger.store.readAll()).length;
    for (const res of [
      await report(body, signBody(body, stranger.privateKey)),
      await report(body, undefined),
      await report(body, 'not-base64-der'),
      await report(`${body} `, signBody(body, github.privateKey)),
    ]) {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: 'leak report signature not verified' });
    }
    expect((await t.ledger.store.readAll()).length).toBe(before);
    expect(await status('safe')).toBe('active');
  });

  it("accepts GitHub's public-keys document and, with LEAK_AUTO_REVOKE=false, only reports", async () => {
    const jsonFile = join(dir, 'github-keys.json');
    writeFileSync(
      jsonFile,
      JSON.stringify({ public_keys: [{ key_identifier: KEY_ID, key: github.publicPem, is_current: true }] }),
    );
    t = await startTestApp({ env: { LEAK_REPORT_PUBLIC_KEYS: jsonFile, LEAK_AUTO_REVOKE: 'false' } });
    const leaked = await t.mint('kept', ['user']);
    const body = JSON.stringify([{ token: leaked, type: 'keyledger_api_key', url: 'https://x/y', source: 'content' }]);
    expect((await report(body, signBody(body, github.privateKey), 'another-id')).statusCode).toBe(401);
    const res = await report(body, signBody(body, github.privateKey));
    expect(res.json()).toEqual([expect.objectContaining({ label: 'true_positive' })]);
    expect(await status('kept')).toBe('active');
    const last = (await t.ledger.store.readStream('apikey-kept')).at(-1)!;
    expect(last.type).toBe('ApiKeyLeakReported.v1');
  });

  describe('POST /api/apikey/revoke-leaked', () => {
    const revokeLeaked = (payload: unknown) =>
      t.app.inject({ method: 'POST', url: '/api/apikey/revoke-leaked', payload: payload as never });

    it('answers 202 whatever the keys were and revokes the active ones, naming the route as actor', async () => {
      t = await startTestApp();
      const exposed = await t.mint('exposed', ['user']);
      const other = await t.mint('other', ['user']);
      const res = await revokeLeaked({ credentials: [exposed, unknownToken, 'garbage', exposed] });
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({ message: 'accepted' });
      expect(await status('exposed')).toBe('revoked');
      expect(await status('other')).toBe('active');
      const last = (await t.ledger.store.readStream('apikey-exposed')).at(-1)!;
      expect(last).toMatchObject({ type: 'ApiKeyRevoked.v1', metadata: { actor: 'POST /api/apikey/revoke-leaked' } });
      // Already revoked, unknown: the same answer.
      expect((await revokeLeaked({ credentials: [exposed, other.slice(0, -1)] })).statusCode).toBe(202);
      expect(await status('other')).toBe('active');
    });

    it('refuses more than 1,000 credentials and limits each client', async () => {
      t = await startTestApp({ env: { REVOKE_LEAKED_RATE_LIMIT_MAX: '3' } });
      const tooMany = await revokeLeaked({ credentials: Array.from({ length: 1001 }, () => unknownToken) });
      expect(tooMany.statusCode).toBe(400);
      expect(tooMany.json()).toEqual({ error: 'at most 1000 credentials' });
      expect((await revokeLeaked({ nope: 1 })).statusCode).toBe(400);
      expect((await revokeLeaked({ credentials: [] })).statusCode).toBe(202);
      const limited = await revokeLeaked({ credentials: [] });
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    });
  });
});
