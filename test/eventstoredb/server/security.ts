/**
 * Secure mode of the test server: TLS with a CA made for the test run (openssl CLI), and HTTP
 * Basic credentials checked as a secure KurrentDB node does (anonymous calls refused with
 * "Access Denied", a wrong password with UNAUTHENTICATED, `$all` readable by `$admins` only).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import type { Operation, Refusal } from './gate';

export interface TestCertificates {
  dir: string;
  caFile: string;
  ca: Buffer;
  key: Buffer;
  cert: Buffer;
}

let made: TestCertificates | undefined;

/** A CA and a node certificate for localhost / 127.0.0.1, made once per test process. */
export function testCertificates(): TestCertificates {
  if (made) return made;
  const dir = mkdtempSync(join(tmpdir(), 'keyledger-esdb-tls-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=keyledger test CA');
  openssl('req', ...ec, '-keyout', 'node.key', '-out', 'node.csr', '-subj', '/CN=localhost');
  writeFileSync(join(dir, 'node.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'node.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'node.crt',
    '-days',
    '2',
    '-extfile',
    'node.ext',
  );
  made = {
    dir,
    caFile: join(dir, 'ca.crt'),
    ca: readFileSync(join(dir, 'ca.crt')),
    key: readFileSync(join(dir, 'node.key')),
    cert: readFileSync(join(dir, 'node.crt')),
  };
  return made;
}

export interface TestUser {
  password: string;
  /** Member of `$admins` (may read `$all`). */
  admin: boolean;
}

export const DEFAULT_USERS: Record<string, TestUser> = {
  admin: { password: 'changeit', admin: true },
  // A user without `$admins`: streams yes, `$all` no (the real default ACL).
  keyledger: { password: 'keyledger-secret', admin: false },
};

/** The refusal for this call's credentials, or undefined when it may go on. */
export function checkCredentials(
  metadata: grpc.Metadata,
  op: Operation,
  users: Record<string, TestUser>,
): Refusal | undefined {
  const header = String(metadata.get('authorization')[0] ?? '');
  if (!header) return 'access-denied';
  const match = /^Basic (.+)$/.exec(header);
  if (!match) return 'unauthenticated';
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = users[decoded.slice(0, colon)];
  if (!user || user.password !== decoded.slice(colon + 1)) return 'unauthenticated';
  if (op === 'read-all' && !user.admin) return 'access-denied';
  return undefined;
}
