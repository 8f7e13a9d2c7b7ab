import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** A public key a leak report may be signed with, and its identifier when the file names one. */
export interface ReportKey {
  identifier?: string;
  key: KeyObject;
}

const PEM_BLOCK = /-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g;

/**
 * The accepted report-signing keys from LEAK_REPORT_PUBLIC_KEYS: a PEM file with one or more
 * public keys, or GitHub's own document (`{"public_keys": [{"key_identifier", "key"}]}`, as
 * served at api.github.com/meta/public_keys/secret_scanning) saved to a file. No network call.
 */
export function loadReportKeys(file: string): ReportKey[] {
  const text = readFileSync(file, 'utf8');
  if (text.trimStart().startsWith('{')) {
    const doc = JSON.parse(text) as { public_keys?: { key_identifier?: unknown; key?: unknown }[] };
    return (doc.public_keys ?? [])
      .filter((k) => typeof k.key === 'string')
      .map((k) => ({
        identifier: typeof k.key_identifier === 'string' ? k.key_identifier : undefined,
        key: createPublicKey(k.key as string),
      }));
  }
  const keys = (text.match(PEM_BLOCK) ?? []).map((pem) => ({ key: createPublicKey(pem) }));
  if (keys.length === 0) throw new Error('no public key in the file');
  return keys;
}

/**
 * GitHub's signature: ECDSA P-256 / SHA-256 over the raw body, DER-encoded, base64 in
 * `Github-Public-Key-Signature`, with the key named by `Github-Public-Key-Identifier`.
 * A key the file names must match the identifier; unnamed keys (a plain PEM file) are all tried.
 */
export function verifyReportSignature(
  keys: readonly ReportKey[],
  identifier: string,
  signature: string,
  rawBody: string,
): boolean {
  if (!identifier || !signature) return false;
  const der = Buffer.from(signature, 'base64');
  if (der.length === 0) return false;
  const body = Buffer.from(rawBody, 'utf8');
  return keys.some((k) => {
    if (k.identifier !== undefined && k.identifier !== identifier) return false;
    try {
      return verify('sha256', body, { key: k.key, dsaEncoding: 'der' }, der);
    } catch {
      return false;
    }
  });
}
