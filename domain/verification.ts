/** What presenting a key decided: the codes of POST /api/apikey/verify, the plugin and admin authentication. */
export const VERIFICATION_CODES = [
  'VALID',
  'NOT_FOUND',
  'EXPIRED',
  'REVOKED',
  'ROTATED',
  'INSUFFICIENT_ROLE',
  'MALFORMED',
] as const;

export type VerificationCode = (typeof VERIFICATION_CODES)[number];
