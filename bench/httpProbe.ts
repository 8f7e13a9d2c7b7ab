/**
 * Benchmark 2, as an outside probe measures it: keyledger and a bare Fastify answering fixed JSON
 * of the same shapes run as two server processes; the load generator (autocannon, this process)
 * alternates rounds between them. Per round: requests/s, p99, and the server's CPU per request
 * from /proc/<pid>/stat (utime + stime) read before and after the round.
 */
import autocannon from 'autocannon';
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ProbeRound {
  rps: number;
  p99: number;
  cpuUsPerReq: number;
  errors: number;
}

export interface ProbeScenario {
  name: string;
  connections: number;
  bare: ProbeRound[];
  service: ProbeRound[];
}

export interface Server {
  child: ChildProcess;
  port: number;
  adminKey?: string;
}

export function startServer(mode: 'bare' | 'service', env: NodeJS.ProcessEnv = process.env): Promise<Server> {
  const child = fork(join(__dirname, 'server.js'), [mode], { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { port: number; adminKey?: string }) => resolve({ child, ...m }));
    child.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
  });
}

export function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

const TICK_US = 10_000; // USER_HZ = 100 on Linux (getconf CLK_TCK)

/** CPU time (user + system) the process has used so far, in microseconds. */
export function cpuUs(pid: number): number {
  // Fields after the ")" closing the command name: state is field 3, utime 14, stime 15.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

export interface Target {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export async function probeRound(server: Server, target: Target, connections: number, seconds: number) {
  const before = cpuUs(server.child.pid!);
  const r = await autocannon({
    url: `http://127.0.0.1:${server.port}${target.path}`,
    method: target.method,
    headers: target.headers,
    body: target.body,
    connections,
    pipelining: 1,
    duration: seconds,
  });
  const cpu = cpuUs(server.child.pid!) - before;
  const total = r.requests.total ?? r.requests.average * seconds;
  return { rps: r.requests.average, p99: r.latency.p99, cpuUsPerReq: cpu / total, errors: r.errors + r.non2xx };
}

/**
 * Runs one scenario: both servers warmed up, then `rounds` measured rounds alternating bare and
 * service, so that a slow spell of the shared machine hits both sides alike.
 */
export async function probeScenario(
  name: string,
  servers: { bare: Server; service: Server },
  targets: { bare: Target; service: Target },
  connections: number,
  opts: { rounds: number; seconds: number; warmupSeconds: number },
): Promise<ProbeScenario> {
  await probeRound(servers.bare, targets.bare, connections, opts.warmupSeconds);
  await probeRound(servers.service, targets.service, connections, opts.warmupSeconds);
  const scenario: ProbeScenario = { name, connections, bare: [], service: [] };
  for (let round = 0; round < opts.rounds; round++) {
    scenario.bare.push(await probeRound(servers.bare, targets.bare, connections, opts.seconds));
    scenario.service.push(await probeRound(servers.service, targets.service, connections, opts.seconds));
  }
  return scenario;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Ratios of each round against the bare round just before it: median, and min-max as the spread. */
export function summarize(s: ProbeScenario) {
  const pairs = s.service.map((o, i) => ({ o, b: s.bare[i]! }));
  const ratio = (f: (p: { o: ProbeRound; b: ProbeRound }) => number) => {
    const xs = pairs.map(f);
    return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
  };
  return {
    rps: ratio(({ o, b }) => o.rps / b.rps),
    cpu: ratio(({ o, b }) => o.cpuUsPerReq / b.cpuUsPerReq),
    // autocannon reports p99 in whole milliseconds; a 0 ms bare p99 is counted as 1 ms.
    p99: ratio(({ o, b }) => Math.max(o.p99, 1) / Math.max(b.p99, 1)),
    service: {
      rps: median(s.service.map((r) => r.rps)),
      cpu: median(s.service.map((r) => r.cpuUsPerReq)),
      p99: median(s.service.map((r) => r.p99)),
    },
    bare: {
      rps: median(s.bare.map((r) => r.rps)),
      cpu: median(s.bare.map((r) => r.cpuUsPerReq)),
      p99: median(s.bare.map((r) => r.p99)),
    },
    errors: s.service.reduce((n, r) => n + r.errors, 0) + s.bare.reduce((n, r) => n + r.errors, 0),
  };
}
