import { statSync } from 'node:fs';
import { join } from 'node:path';
import { SEAL_SECRET_FILE } from '../../infrastructure/keys/sealSecret';
import { startTestApp, type TestApp } from '../support/testApp';

describe('read-your-writes', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
  });

  it('answers 503 with Retry-After when the read model cannot catch up in time; the command is kept', async () => {
    t = await startTestApp({ env: { READ_YOUR_WRITES_TIMEOUT_MS: '50' } });
    await t.ledger.projection.stop();
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/apikey',
      headers: { 'x-api-key': t.adminKey },
      payload: { alias: 'late', name: 'Late' },
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json()).toEqual({ error: 'read model is catching up; retry shortly' });
    // The append itself was acknowledged by the store: a retry renews the same key.
    expect((await t.ledger.store.readStream('apikey-late')).map((e) => e.type)).toEqual(['ApiKeyCreated.v2']);
  });
});

describe('the generated sealing secret', () => {
  it('is written once into DATA_DIR, readable by its owner only', async () => {
    const t = await startTestApp();
    try {
      expect(statSync(join(t.dataDir, SEAL_SECRET_FILE)).mode & 0o777).toBe(0o600);
    } finally {
      await t.close();
    }
  });
});
