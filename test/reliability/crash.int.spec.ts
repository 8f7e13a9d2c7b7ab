/**
 * Crash: the real server (node dist/api/main.js, built by globalSetup) on a temporary DATA_DIR,
 * the first admin key minted with the real CLI, a burst of mixed commands over HTTP, SIGKILL in
 * the middle of the burst, restart on the same data, several times. Then: every command answered
 * 2xx is in the log (by its request id, with the right event type) and reflected in the read
 * model (GET /api/apikey/:alias agrees with a fold of the stream), and the served read model
 * equals a fresh rebuild from the log.
 *
 * Cycles: CRASH_CYCLES, or 8 with SLOW=1, 2 by default.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hashKey } from '../../infrastructure/keys/keyCrypto';
import { openSqliteEventStore } from '../../infrastructure/eventStore/sqlite';
import { presentSummary } from '../../api/http/presenters';
import { foldStreams, rebuild, SLOW } from '../support/reliability';

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'api', 'main.js');
const CLI = join(ROOT, 'dist', 'api', 'cli', 'main.js');
const CYCLES = Number(process.env.CRASH_CYCLES ?? (SLOW ? 8 : 2));
const COMMANDS_PER_BURST = 400;
const IN_FLIGHT = 8;

jest.setTimeout(SLOW ? 600_000 : 60_000);

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

interface Server {
  child: ChildProcess;
  base: string;
  output: string[];
}

async function startServer(env: NodeJS.ProcessEnv): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    env: { ...env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready in 20 s:\n${output.join('')}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.join('').includes('keyledger ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => output.push(c.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output.join('')}`));
    });
  });
  child.removeAllListeners('exit');
  return { child, base: `http://127.0.0.1:${port}`, output };
}

async function kill(server: Server): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = once(server.child, 'exit');
  server.child.kill('SIGKILL');
  await exited;
}

type Kind = 'create' | 'renew' | 'revoke';
interface Sent {
  id: string;
  kind: Kind;
  alias: string;
  status?: number;
  body?: { key?: string; renewed?: boolean };
  lost?: boolean;
}

describe('crash (SIGKILL mid-burst, restart on the same data)', () => {
  let dataDir: string;
  let server: Server | undefined;
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'keyledger-crash-'));
    env = {
      PATH: process.env.PATH,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      VERIFY_RATE_LIMIT_MAX: '1000000',
      READ_YOUR_WRITES_TIMEOUT_MS: '10000',
    };
  });
  afterAll(async () => {
    if (server) await kill(server);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`keeps every acknowledged command across ${CYCLES} kill -9 cycles`, async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [CLI, 'create', '--alias', 'root', '--name', 'Root', '--roles', 'admin', '--json'],
      { env: { ...env, LOG_LEVEL: 'warn' } },
    );
    const adminKey = (JSON.parse(stdout) as { key: string }).key;
    const auth = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };

    const sent: Sent[] = [];
    /** Keys of acknowledged creations, by alias, and whether the last acknowledged command revoked it. */
    const acked = new Map<string, { key: string; revoked: boolean }>();
    let seq = 0;
    const figures = { acked: 0, lost: 0, refused: 0 };

    for (let cycle = 0; cycle < CYCLES; cycle++) {
      server = await startServer(env);
      if (cycle > 0) await verify(server);
      const killAfter = 20 + Math.floor(Math.random() * 100);
      let answered = 0;
      let killed = false;
      const current = server;
      const killing: Promise<void>[] = [];

      const next = (): Sent => {
        const id = `crash-${cycle}-${seq++}`;
        const known = [...acked.keys()];
        const r = Math.random();
        if (known.length > 3 && r < 0.25)
          return { id, kind: 'renew', alias: known[Math.floor(Math.random() * known.length)]! };
        if (known.length > 3 && r < 0.45)
          return { id, kind: 'revoke', alias: known[Math.floor(Math.random() * known.length)]! };
        return { id, kind: 'create', alias: `svc-${cycle}-${seq}` };
      };

      const worker = async () => {
        while (!killed && seq < (cycle + 1) * COMMANDS_PER_BURST) {
          const s = next();
          sent.push(s);
          const known = acked.get(s.alias);
          try {
            const res =
              s.kind === 'revoke'
                ? await fetch(`${current.base}/api/apikey/${known!.key}`, {
                    method: 'DELETE',
                    headers: { ...auth, 'x-request-id': s.id },
                  })
                : await fetch(`${current.base}/api/apikey`, {
                    method: 'POST',
                    headers: { ...auth, 'x-request-id': s.id },
                    body: JSON.stringify({ alias: s.alias, name: `n-${s.id}`, roles: ['user'] }),
                  });
            s.status = res.status;
            s.body = (await res.json()) as Sent['body'];
          } catch {
            s.lost = true; // no answer: the outcome is unknown, either way is fine
            continue;
          }
          expect(s.status).toBeLessThan(500);
          if (s.status! >= 200 && s.status! < 300) {
            if (s.kind === 'revoke') acked.get(s.alias)!.revoked = true;
            else acked.set(s.alias, { key: s.body!.key!, revoked: false });
          }
          if (++answered === killAfter && !killed) {
            killed = true;
            killing.push(kill(current));
          }
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
      await Promise.all(killing);
      await kill(current);
    }

    server = await startServer(env);
    await verify(server);
    for (const s of sent) {
      if (s.lost) figures.lost++;
      else if (s.status! < 300) figures.acked++;
      else figures.refused++;
    }
    // The kills did land mid-burst: answers before, requests cut off after.
    expect(figures.acked).toBeGreaterThan(20 * CYCLES);
    expect(figures.lost).toBeGreaterThan(0);
    if (process.env.CRASH_REPORT) console.log('crash figures', { cycles: CYCLES, sent: sent.length, ...figures });

    async function verify(srv: Server): Promise<void> {
      const store = openSqliteEventStore(join(dataDir, 'events.sqlite'));
      try {
        const log = await store.readAll();
        const byRequest = new Map(log.map((e) => [e.metadata.requestId, e]));
        const folded = foldStreams(log);
        const problems: string[] = [];
        for (const s of sent) {
          if (s.lost || s.status === undefined || s.status >= 300) continue;
          const event = byRequest.get(s.id);
          const expectedType =
            s.kind === 'revoke' ? 'ApiKeyRevoked.v1' : s.status === 201 ? 'ApiKeyCreated.v2' : 'ApiKeyRenewed.v2';
          if (!event) {
            problems.push(`${s.id} (${s.kind} ${s.alias}, answered ${s.status}) is not in the log`);
            continue;
          }
          if (event.type !== expectedType) problems.push(`${s.id}: ${event.type}, expected ${expectedType}`);
          if (event.streamName !== `apikey-${s.alias}`) problems.push(`${s.id}: on ${event.streamName}`);
          const state = folded.get(s.alias);
          if (s.kind !== 'revoke' && (state?.status === 'absent' || state?.keyHash !== hashKey(s.body!.key!)))
            problems.push(`${s.id}: answered key is not the key of ${s.alias}`);
        }
        expect(problems).toEqual([]);

        // The served read model: each acknowledged alias as the log says, and the whole list equal to a rebuild.
        const headers = { authorization: `Bearer ${adminKey}` };
        for (const alias of acked.keys()) {
          const res = await fetch(`${srv.base}/api/apikey/${alias}`, { headers });
          expect(res.status).toBe(200);
          const summary = (await res.json()) as { is_active: boolean; expire: string; updated_at: string };
          const state = folded.get(alias)!;
          if (state.status === 'absent') throw new Error(`${alias} absent from the log`);
          expect(summary.is_active).toBe(state.status === 'active');
          expect(summary.expire).toBe(new Date(state.expire).toISOString());
          expect(summary.updated_at).toBe(new Date(state.updatedAt).toISOString());
        }
        // The list pages (100 by default): follow its Link rel="next" to the end.
        const list: Array<Record<string, unknown>> = [];
        for (let url: string | undefined = `${srv.base}/api/apikey?limit=1000`; url !== undefined;) {
          const page = await fetch(url, { headers });
          list.push(...((await page.json()) as Array<Record<string, unknown>>));
          url = /<([^>]+)>;\s*rel="next"/.exec(page.headers.get('link') ?? '')?.[1];
        }
        const now = Date.now();
        const strip = (rows: Array<Record<string, unknown>>) =>
          rows.map(({ last_used_at: _u, status: _s, ...rest }) => rest);
        const rebuilt = (await rebuild(store)).list().map((v) => presentSummary(v, now));
        expect(strip(list)).toEqual(strip(rebuilt));
      } finally {
        await store.close();
      }
    }
  });
});
