import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startTestApp, type TestApp } from '../support/testApp';

let t: TestApp;
afterEach(async () => {
  await t.close();
});

/** Sends `text` and keeps the connection open; resolves with what the server wrote once it closes it. */
function sendAndWaitForClose(
  port: number,
  text: string,
  giveUpMs: number,
): Promise<{ closed: boolean; reply: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let reply = '';
    socket.on('data', (chunk) => (reply += chunk.toString()));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ closed: false, reply });
    }, giveUpMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ closed: true, reply });
    });
    socket.on('error', () => undefined);
  });
}

describe('request and header timeouts', () => {
  it('default to 30 s on the server', async () => {
    t = await startTestApp();
    expect(t.app.server.requestTimeout).toBe(30_000);
    expect(t.app.server.headersTimeout).toBe(30_000);
  });

  it('cut a connection that sends its headers too slowly, and one that sends its body too slowly', async () => {
    t = await startTestApp({ env: { HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '1500' } });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as AddressInfo;
    const [slowHeaders, slowBody] = await Promise.all([
      sendAndWaitForClose(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ', 8_000),
      sendAndWaitForClose(
        port,
        'POST /api/apikey/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"key":',
        8_000,
      ),
    ]);
    expect(slowHeaders.closed).toBe(true);
    expect(slowHeaders.reply).toMatch(/^HTTP\/1\.1 408|^$/);
    expect(slowBody.closed).toBe(true);
    expect(slowBody.reply).toMatch(/^HTTP\/1\.1 408|^$/);
  });
});
