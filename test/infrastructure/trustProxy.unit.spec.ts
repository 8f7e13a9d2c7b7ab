import { loadConfig } from '../../infrastructure/config';
import { fastifyTrustProxy, parseTrustProxy } from '../../infrastructure/trustProxy';

describe('TRUST_PROXY', () => {
  it.each([
    ['true', true],
    ['false', false],
    ['1', 1],
    ['2', 2],
    ['10.0.0.1', '10.0.0.1'],
    ['10.0.0.0/8, 192.168.1.1', '10.0.0.0/8,192.168.1.1'],
    ['::1,fd00::/8', '::1,fd00::/8'],
    ['loopback,10.0.0.0/255.0.0.0', 'loopback,10.0.0.0/255.0.0.0'],
  ])('accepts %j', (raw, expected) => {
    expect(parseTrustProxy(raw)).toEqual(expected);
    expect(loadConfig({ TRUST_PROXY: raw }).TRUST_PROXY).toEqual(expected);
  });

  it.each(['yes', '10.0.0.1/33', 'proxy.example', '10.0.0.0/8,', '::1/129'])('refuses %j naming it', (raw) => {
    expect(parseTrustProxy(raw)).toBeUndefined();
    expect(() => loadConfig({ TRUST_PROXY: raw })).toThrow('TRUST_PROXY');
  });

  it('turns a hop count into a rule that trusts only the nearest hops', () => {
    const rule = fastifyTrustProxy(2) as (address: string, hop: number) => boolean;
    expect([0, 1, 2].map((hop) => rule('203.0.113.1', hop))).toEqual([true, true, false]);
  });
});
