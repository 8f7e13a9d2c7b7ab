import { isIP } from 'node:net';

/** What Fastify's `trustProxy` accepts from configuration: all/none, a hop count, or addresses and ranges. */
export type TrustProxy = boolean | number | string;

/** proxy-addr's names for the reserved ranges. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrRange(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address, bits, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return isIP(bits) === 4; // a dotted netmask, e.g. 10.0.0.0/255.0.0.0
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/**
 * TRUST_PROXY: `true`/`false`, a hop count (`1`: trust the one proxy in front of us), or a
 * comma-separated list of proxy addresses, CIDR ranges and proxy-addr names. Undefined when invalid.
 */
export function parseTrustProxy(raw: string): TrustProxy | undefined {
  const value = raw.trim();
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d{1,3}$/.test(value)) return Number(value);
  const entries = value.split(',').map((e) => e.trim());
  if (entries.length === 0 || !entries.every(isAddressOrRange)) return undefined;
  return entries.join(',');
}

/**
 * The value for Fastify. Fastify 5 trusts nothing for a bare hop count (it cannot check the
 * immediate peer), so a count becomes proxy-addr's hop rule: trust the nearest n hops.
 */
export function fastifyTrustProxy(value: TrustProxy): boolean | string | ((address: string, hop: number) => boolean) {
  if (typeof value !== 'number') return value;
  return (_address, hop) => hop < value;
}
