import Fastify, { type FastifyInstance } from 'fastify';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { SseParser, type ServerSentEvent } from '../../api/plugin/changeFeed';
import { generateKey } from '../../infrastructure/keys/keyCrypto';
import { RemoteVerifier } from '../../api/plugin/remoteVerifier';
import { startTestApp, type TestApp } from '../support/testApp';
import { waitFor } from '../support/wait';
import { sampleApp } from './sampleApp';

interface Feed {
  status: number;
  headers: IncomingMessage['headers'];
  events: ServerSentEvent[];
  body: string;
  close(): void;
}

/** Opens an event stream and collects its events until closed. */
function openFeed(url: string, headers: Record<string, string>): Promise<Feed> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { headers }, (res) => {
      const parser = new SseParser();
      const feed: Feed = {
        status: res.statusCode!,
        headers: res.headers,
        events: [],
        body: '',
        close: () => req.destroy(),
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        feed.body += chunk;
        feed.events.push(...parser.push(chunk));
      });
      res.on('error', () => undefined);
      resolve(feed);
    });
    req.on('error', reject);
  });
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const changes = (feed: Feed) => feed.events.filter((e) => e.event === 'change');

describe('GET /api/apikey/changes', () => {
  let t: TestApp;
  let url: string;
  let agentKey: string;
  beforeAll(async () => {
    t = await startTestApp();
    url = `${await t.app.listen({ host: '127.0.0.1', port: 0 })}/api/apikey/changes`;
    agentKey = await t.mint('cache-agent', ['agent']);
  });
  afterAll(async () => {
    await t.close();
  });

  it('needs a key holding the agent or admin role', async () => {
    expect((await t.app.inject({ url: '/api/apikey/changes' })).statusCode).toBe(401);
    const user = await t.mint('plain-user', ['user']);
    const forbidden = await t.app.inject({ url: '/api/apikey/changes', headers: bearer(user) });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toEqual({ error: 'agent, admin role required' });
    for (const key of [agentKey, t.adminKey]) {
      const feed = await openFeed(url, { ...bearer(key), 'x-request-id': 'feed-1' });
      expect(feed.status).toBe(200);
      expect(feed.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(feed.headers['x-request-id']).toBe('feed-1');
      await waitFor(() => feed.events.some((e) => e.event === 'ready'), 'ready');
      feed.close();
    }
  });

  it('streams each key change with its global position as id, naming the alias and prefix only', async () => {
    const feed = await openFeed(url, bearer(agentKey));
    await waitFor(() => feed.events.some((e) => e.event === 'ready'), 'ready');
    const key = await t.mint('streamed', ['user']);
    await t.mint('streamed', ['agent']); // a renewal
    const revoked = await t.ledger.keys.revoke(key, { actor: 'test', requestId: 'r-stream' });
    await waitFor(() => changes(feed).length >= 3, 'three changes');
    feed.close();
    const seen = changes(feed).map((e) => ({
      id: e.id,
      ...(JSON.parse(e.data) as { alias: string; key_prefix: string; type: string }),
    }));
    expect(seen.map((c) => c.type)).toEqual(['ApiKeyCreated', 'ApiKeyRenewed', 'ApiKeyRevoked']);
    expect(seen[2]!.key_prefix.length).toBeGreaterThan(3);
    expect(seen[2]).toEqual({
      id: revoked.position.toString(),
      alias: 'streamed',
      key_prefix: key.slice(0, seen[2]!.key_prefix.length),
      type: 'ApiKeyRevoked',
    });
    const hash = (await t.ledger.store.readStream('apikey-streamed'))[0]!.data.keyHash as string;
    expect(feed.body).not.toContain(hash);
    expect(feed.body).not.toContain(key);
  });

  it('tells of a rotated-out key when its grace ends (no event marks that instant)', async () => {
    await t.mint('graced', ['user']);
    const feed = await openFeed(url, bearer(agentKey));
    await waitFor(() => feed.events.some((e) => e.event === 'ready'), 'ready');
    await t.ledger.keys.rotate({ alias: 'graced', graceSeconds: 1 }, { actor: 'test', requestId: 'r-grace' });
    await waitFor(() => changes(feed).length >= 2, 'the rotation, then the end of its grace', 5_000);
    feed.close();
    expect(changes(feed).map((e) => JSON.parse(e.data).type)).toEqual(['ApiKeyRotated', 'PreviousKeyExpired']);
    expect(JSON.parse(changes(feed)[1]!.data).alias).toBe('graced');
  });

  it('resumes from Last-Event-ID: missed changes first, then ready; reset when the id is not in this log', async () => {
    const first = await openFeed(url, bearer(agentKey));
    await waitFor(() => first.events.some((e) => e.event === 'ready'), 'ready');
    const from = first.events.find((e) => e.event === 'ready')!.id!;
    first.close();
    await t.mint('missed-1');
    const key = await t.mint('missed-2');
    await t.ledger.keys.revoke(key, { actor: 'test', requestId: 'r-missed' });

    const resumed = await openFeed(url, { ...bearer(agentKey), 'last-event-id': from });
    await waitFor(() => resumed.events.some((e) => e.event === 'ready'), 'ready after replay');
    const names = resumed.events.map((e) => (e.event === 'change' ? JSON.parse(e.data).alias : e.event));
    expect(names).toEqual(['missed-1', 'missed-2', 'missed-2', 'ready']);
    const ids = resumed.events.map((e) => BigInt(e.id!));
    expect(ids.every((id, i) => i === 0 || id >= ids[i - 1]!)).toBe(true);
    expect(ids[0]! > BigInt(from)).toBe(true);
    resumed.close();

    const ahead = await openFeed(url, { ...bearer(agentKey), 'last-event-id': '99999999' });
    await waitFor(() => ahead.events.some((e) => e.event === 'ready'), 'ready');
    expect(ahead.events[0]!.event).toBe('reset');
    ahead.close();

    const bad = await t.app.inject({
      url: '/api/apikey/changes',
      headers: { ...bearer(agentKey), 'last-event-id': 'abc' },
    });
    expect(bad.statusCode).toBe(400);
  });

  it('lets a remote plugin cache answers for a minute and still refuse a revoked key at once', async () => {
    const verifyUrl = url.replace(/changes$/, 'verify');
    const app = await sampleApp({ verifyUrl, changesKey: agentKey, feedCacheTtlMs: 60_000 });
    try {
      const key = await t.mint('cached', ['admin']);
      await waitFor(async () => (await app.inject({ url: '/config', headers: bearer(key) })).statusCode === 200, '200');
      await t.ledger.keys.revoke(key, { actor: 'test', requestId: 'r-cached' });
      await waitFor(
        async () => (await app.inject({ url: '/config', headers: bearer(key) })).statusCode === 401,
        'the revoked key refused',
        2_000,
      );
    } finally {
      await app.close();
    }
  });
});

describe('RemoteVerifier with a change feed that drops', () => {
  let stub: FastifyInstance;
  let verifyCalls = 0;
  const feedRequests: Record<string, string | undefined>[] = [];
  let dropFeed: (() => void) | undefined;
  let feedUp = true;
  beforeAll(async () => {
    stub = Fastify();
    stub.post('/api/apikey/verify', async () => {
      verifyCalls++;
      return { valid: true, code: 'VALID', alias: 'a', name: 'A', roles: ['user'], expire: '2099-01-01T00:00:00.000Z' };
    });
    stub.get('/api/apikey/changes', async (request, reply) => {
      feedRequests.push({ 'last-event-id': request.headers['last-event-id'] as string | undefined });
      if (!feedUp) return reply.code(503).send({ error: 'down' });
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
      reply.raw.write('id: 42\nevent: ready\ndata: {"position":"42"}\n\n');
      dropFeed = () => reply.raw.destroy();
    });
    await stub.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await stub.close();
  });

  it('falls back to the short TTL while the feed is down and reconnects from the last id', async () => {
    const { port } = stub.server.address() as { port: number };
    const remote = new RemoteVerifier({
      verifyUrl: `http://127.0.0.1:${port}/api/apikey/verify`,
      changesKey: 'agent-key',
      cacheTtlMs: 100,
      feedCacheTtlMs: 60_000,
    });
    const key = generateKey('ak');
    try {
      await waitFor(() => remote.feed!.connected, 'feed connected');
      await remote.verify(key, []);
      await new Promise((r) => setTimeout(r, 200));
      await remote.verify(key, []);
      expect(verifyCalls).toBe(1); // cached past the short TTL: the feed is connected

      feedUp = false;
      dropFeed!();
      await waitFor(() => !remote.feed!.connected, 'feed dropped');
      await remote.verify(key, []);
      expect(verifyCalls).toBe(2); // the drop emptied the cache
      await new Promise((r) => setTimeout(r, 200));
      await remote.verify(key, []);
      expect(verifyCalls).toBe(3); // and answers are kept for the short TTL only
      const requestsWhileDown = feedRequests.length;
      feedUp = true;
      await waitFor(() => feedRequests.length > requestsWhileDown, 'a reconnection attempt');
      await waitFor(() => remote.feed!.connected, 'feed reconnected');
      expect(feedRequests.at(-1)).toEqual({ 'last-event-id': '42' });
    } finally {
      await remote.close();
    }
  });
});
