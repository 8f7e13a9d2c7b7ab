import type { FastifyRequest } from 'fastify';
import type { VerificationCode } from './verifyAnswer';

/** Why a verification code refuses a request, as the server and the plugin both word it. */
export const UNAUTHORIZED: Partial<Record<VerificationCode, string>> = {
  MALFORMED: 'invalid API key',
  NOT_FOUND: 'invalid API key',
  EXPIRED: 'API key expired',
  REVOKED: 'API key revoked',
  ROTATED: 'API key rotated',
};

/** `Authorization: Bearer <key>` first, then `X-API-Key: <key>`. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header.trim()) return header.trim();
  return undefined;
}

export function challenge(error?: string): Record<string, string> {
  return { 'www-authenticate': `Bearer realm="keyledger"${error ? `, error="${error}"` : ''}` };
}
