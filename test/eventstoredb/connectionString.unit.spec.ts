import { ConfigError, loadConfig } from '../../infrastructure/config';
import {
  connectionAddress,
  redactPassword,
  withLeaderPreference,
} from '../../infrastructure/eventStore/eventStoreDbAddress';

describe('EVENTSTORE_CONNECTION_STRING', () => {
  const load = (value: string) => loadConfig({ EVENTSTORE_CONNECTION_STRING: value });

  it('accepts the schemes client 6.2.1 takes', () => {
    for (const value of [
      'esdb://localhost:2113?tls=false',
      'esdb://admin:changeit@node1:2113,node2:2113?tls=true&tlsCAFile=/certs/ca.crt',
      'esdb+discover://admin:changeit@cluster.example:2113',
    ]) {
      expect(load(value).EVENTSTORE_CONNECTION_STRING).toBe(value);
    }
  });

  it('refuses the schemes client 6.2.1 rejects, without echoing the value', () => {
    for (const value of [
      'kurrentdb://u:topsecret@h:2113',
      'kdb://h:2113',
      'kdb+discover://h',
      'http://h:2113',
      'esdb://',
    ]) {
      let error: unknown;
      try {
        load(value);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(
        /EVENTSTORE_CONNECTION_STRING: must start with esdb:\/\/ or esdb\+discover:\/\//,
      );
      expect((error as Error).message).not.toContain('topsecret');
    }
  });
});

describe('connection string helpers', () => {
  it('shows the scheme and hosts, never the credentials', () => {
    expect(connectionAddress('esdb://admin:p%40ss@node1:2113,node2:2113?tls=true&tlsCAFile=/c/ca.crt')).toBe(
      'esdb://node1:2113,node2:2113',
    );
    expect(connectionAddress('esdb+discover://cluster.example:2113')).toBe('esdb+discover://cluster.example:2113');
    expect(redactPassword('bad string esdb://admin:hunter2@h', 'esdb://admin:hunter2@h')).toBe(
      'bad string esdb://admin:***@h',
    );
  });

  it('asks for the leader', () => {
    expect(withLeaderPreference('esdb://h:2113')).toBe('esdb://h:2113?nodePreference=leader');
    expect(withLeaderPreference('esdb://h:2113?tls=false')).toBe('esdb://h:2113?tls=false&nodePreference=leader');
    expect(withLeaderPreference('esdb://a,b?nodePreference=follower&tls=true')).toBe(
      'esdb://a,b?nodePreference=leader&tls=true',
    );
  });
});
