import { request as httpRequest, type IncomingMessage } from 'node:http';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openKeyledger, SQLITE_FILE } from '../../api/composition';
import { createLogger } from '../../api/http/logger';
import { loadConfig } from '../../infrastructure/config';
import { openSqliteEventStore } from '../../infrastructure/eventStore/sqlite';
import { tempDir } from '../support/testApp';
import { spawnService, type ServiceProcess } from './serviceProcess';

let dataDir: string;
let service: ServiceProcess | undefined;
beforeEach(() => {
  dataDir = tempDir();
});
afterEach(async () => {
  if (service && service.child.exitCode === null && service.child.signalCode === null) {
    service.child.kill('SIGKILL');
    await service.exited;
  }
  service = undefined;
  rmSync(dataDir, { recursive: true, force: true });
});

async function mintAdminKey(): Promise<string> {
  const ledger = await openKeyledger(loadConfig({ DATA_DIR: dataDir }), createLogger('silent'));
  const { key } = await ledger.keys.createOrRenew(
    { alias: 'root', name: 'Root', roles: ['admin'] },
    { actor: 't', requestId: 'seed' },
  );
  await ledger.close();
  return key!;
}

function readBody(res: IncomingMessage): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let body = '';
    res.on('data', (c: Buffer) => (body += c.toString()));
    res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    res.on('error', reject);
  });
}

describe.each(['SIGTERM', 'SIGINT'] as const)('graceful shutdown on %s', (signal) => {
  it('finishes the request in flight, acknowledges its command durably, then exits 0', async () => {
    const adminKey = await mintAdminKey();
    service = spawnService({ DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info' });
    const ready = await service.waitForLog((l) => l.msg === 'keyledger ready');
    const url = new URL(String(ready.address));

    // A create whose body is only half sent: in flight when the signal arrives.
    const payload = JSON.stringify({ alias: 'inflight', name: 'In flight', roles: ['user'] });
    const req = httpRequest({
      host: url.hostname,
      port: url.port,
      method: 'POST',
      path: '/api/apikey',
      agent: false,
      headers: {
        authorization: `Bearer ${adminKey}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
        'x-request-id': 'in-flight-1',
      },
    });
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (res) => void readBody(res).then(resolve, reject));
      req.on('error', reject);
    });
    req.write(payload.slice(0, 10));
    await service.waitForLog((l) => l.reqId === 'in-flight-1' && l.msg === 'incoming request');

    service.child.kill(signal);
    await service.waitForLog((l) => l.msg === 'shutting down: draining requests');
    // New work is refused while draining: no listening socket, or a 503.
    const late = await fetch(`${url.origin}/healthz`).then(
      (r) => r.status,
      () => 'refused',
    );
    expect([503, 'refused']).toContain(late);

    req.end(payload.slice(10));
    const response = await answered;
    expect(response.status).toBe(201);
    const key = (JSON.parse(response.body) as { key: string }).key;

    expect(await service.exited).toEqual({ code: 0, signal: null });
    expect(service.logs.map((l) => l.msg)).toContain('stopped');

    const store = openSqliteEventStore(join(dataDir, SQLITE_FILE));
    try {
      const events = await store.readStream('apikey-inflight');
      expect(events.map((e) => e.type)).toEqual([expect.stringMatching(/^ApiKeyCreated/)]);
    } finally {
      await store.close();
    }
    expect(JSON.stringify(service.logs)).not.toContain(key);
  });
});

describe('configuration at start', () => {
  it.each([
    ['PORT', 'abc'],
    ['KEY_TTL_SECONDS', '0'],
    ['LOG_LEVEL', 'loud'],
  ])('a bad %s stops the service with a message naming it', async (variable, value) => {
    service = spawnService({ DATA_DIR: dataDir, [variable]: value });
    const { code } = await service.exited;
    expect(code).not.toBe(0);
    expect(service.stderr()).toMatch(new RegExp(`invalid configuration: .*\\b${variable}\\b`));
    expect(service.logs.map((l) => l.msg)).not.toContain('keyledger ready');
  });
});
