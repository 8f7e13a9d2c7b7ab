/** What of a connection string may be shown (scheme and hosts), and the node preference the service needs. */

const SHAPE = /^\s*([a-z+]+):\/\/(?:([^@/?]*)@)?([^/?]*)/i;

/** `esdb://user:pass@host:2113?tls=true` -> `esdb://host:2113`: for errors and logs, never the credentials. */
export function connectionAddress(connectionString: string): string {
  const match = SHAPE.exec(connectionString);
  return match ? `${match[1]}://${match[3]}` : 'an unparsable connection string';
}

/** Replaces the password of the connection string wherever it appears in a text. */
export function redactPassword(text: string, connectionString: string): string {
  const password = SHAPE.exec(connectionString)?.[2]?.split(':').slice(1).join(':');
  return password ? text.split(password).join('***') : text;
}

/**
 * Forces `nodePreference=leader`: writes and the reads that feed decide must reach the leader
 * (clusters discovered through gossip; a single-node string ignores it).
 */
export function withLeaderPreference(connectionString: string): string {
  if (/[?&]nodePreference=/i.test(connectionString)) {
    return connectionString.replace(/([?&]nodePreference=)[^&]*/i, '$1leader');
  }
  return `${connectionString}${connectionString.includes('?') ? '&' : '?'}nodePreference=leader`;
}
