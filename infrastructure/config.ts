import { z } from 'zod';
import { KEY_PREFIX_PATTERN } from './keys/keyCrypto';
import { parseTrustProxy, type TrustProxy } from './trustProxy';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const trustProxy = z.string().transform((value, ctx): TrustProxy => {
  const parsed = parseTrustProxy(value);
  if (parsed !== undefined) return parsed;
  ctx.addIssue({
    code: 'custom',
    message: 'must be true, false, a hop count, or comma-separated proxy addresses / CIDR ranges',
  });
  return z.NEVER;
});

const schema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(0, 65535).default(3000),
  DATA_DIR: z.string().min(1).default('./data'),
  KEY_TTL_SECONDS: int(1, 10 * 365 * 24 * 3600).default(1_296_000),
  MAX_KEY_TTL_SECONDS: int(60, 10 * 365 * 24 * 3600).default(31_536_000),
  APIKEY_PREFIX: z
    .string()
    .regex(KEY_PREFIX_PATTERN, 'must be 1-16 lowercase letters or digits, starting with a letter')
    .default('ak'),
  KEY_SEAL_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  // The schemes @eventstore/db-client 6.2.1 accepts (parseConnectionString: "esdb:// or esdb+discover://").
  EVENTSTORE_CONNECTION_STRING: z
    .string()
    .regex(/^esdb(\+discover)?:\/\/[^/?\s]+/, 'must start with esdb:// or esdb+discover:// followed by a host')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  READ_YOUR_WRITES_TIMEOUT_MS: int(1, 60_000).default(5_000),
  VERIFY_RATE_LIMIT_MAX: int(1, 1_000_000).default(100),
  VERIFY_RATE_LIMIT_WINDOW_MS: int(1_000, 3_600_000).default(60_000),
  /** Failures per caller address across all the client_ip values it reports; default 10 x VERIFY_RATE_LIMIT_MAX. */
  VERIFY_RATE_LIMIT_CALLER_MAX: int(1, 10_000_000).optional(),
  TRUST_PROXY: trustProxy.default(false),
  REQUEST_TIMEOUT_MS: int(1_000, 3_600_000).default(30_000),
  HEADERS_TIMEOUT_MS: int(1_000, 3_600_000).default(30_000),
  WEBHOOK_ALLOW_PRIVATE: bool.default(false),
  WEBHOOK_EXPIRING_LEAD_HOURS: int(1, 365 * 24).default(72),
  WEBHOOK_EXPIRING_SCAN_MS: int(100, 3_600_000).default(60_000),
  WEBHOOK_TIMEOUT_MS: int(100, 120_000).default(15_000),
  WEBHOOK_RETRY_BASE_MS: int(10, 3_600_000).default(5_000),
  WEBHOOK_RETRY_MAX_MS: int(10, 86_400_000).default(3_600_000),
  WEBHOOK_RETRY_WINDOW_SECONDS: int(1, 30 * 86_400).default(86_400),
  LEAK_REPORT_PUBLIC_KEYS: z.string().min(1).optional(),
  LEAK_AUTO_REVOKE: bool.default(true),
  REVOKE_LEAKED_RATE_LIMIT_MAX: int(1, 1_000_000).default(10),
  REVOKE_LEAKED_RATE_LIMIT_WINDOW_MS: int(1_000, 3_600_000).default(60_000),
});

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the environment once; a bad value names its variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${lines.join('; ')}`);
  }
  return parsed.data;
}
