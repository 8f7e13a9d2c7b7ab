import type { LightMyRequestResponse } from 'fastify';
import type { Role } from '../../domain';
import type { TestApp } from '../support/testApp';

/** A clock the test moves by hand; drives the command service (event times, metadata.at). */
export function manualClock(startIso: string) {
  let now = Date.parse(startIso);
  const clock = () => new Date(now);
  return Object.assign(clock, {
    set(iso: string) {
      now = Date.parse(iso);
    },
  });
}

export const TEN_YEARS = String(10 * 365 * 24 * 3600);

export const auth = (key: string) => ({ authorization: `Bearer ${key}` });

/** Every answer a test saw, to check afterwards that none carries key material. */
export class Answers {
  readonly bodies: string[] = [];

  constructor(private readonly t: TestApp) {}

  async get(url: string, key = this.t.adminKey): Promise<LightMyRequestResponse> {
    const res = await this.t.app.inject({ method: 'GET', url, headers: auth(key) });
    this.bodies.push(res.body);
    return res;
  }

  /** Create or renew through HTTP; returns the key and the request id of the command. */
  async put(alias: string, roles: Role[], actorKey = this.t.adminKey, name = alias) {
    const res = await this.t.app.inject({
      method: 'POST',
      url: '/api/apikey',
      headers: auth(actorKey),
      payload: { alias, name, roles },
    });
    if (res.statusCode >= 300) throw new Error(`create ${alias}: ${res.statusCode} ${res.body}`);
    return { key: res.json<{ key: string }>().key, requestId: String(res.headers['x-request-id']) };
  }

  async revoke(key: string, actorKey = this.t.adminKey) {
    const res = await this.t.app.inject({ method: 'DELETE', url: `/api/apikey/${key}`, headers: auth(actorKey) });
    if (res.statusCode !== 200) throw new Error(`revoke: ${res.statusCode} ${res.body}`);
    return { requestId: String(res.headers['x-request-id']) };
  }

  /** Key hashes and sealed copies as stored, to look for in the answers. */
  async storedSecrets(): Promise<string[]> {
    const events = await this.t.ledger.store.readAll();
    return events.flatMap((e) =>
      ['keyHash', 'sealedKey'].map((f) => e.data[f]).filter((v): v is string => typeof v === 'string'),
    );
  }

  async expectNoSecrets(plaintextKeys: string[]): Promise<void> {
    const secrets = [...plaintextKeys, ...(await this.storedSecrets())];
    expect(secrets.length).toBeGreaterThan(plaintextKeys.length);
    const all = this.bodies.join('\n');
    for (const s of secrets) expect(all).not.toContain(s);
    expect(all).not.toMatch(/key_?hash|sealed_?key/i);
  }
}
