import type { CliCommand } from '../command';
import { UsageError } from '../errors';

export const revoke: CliCommand = {
  name: 'revoke',
  summary: 'Revoke a key; the key is read from standard input unless --key is given.',
  options: {
    key: { type: 'string', value: 'K', help: 'the key (visible in the process list: prefer standard input)' },
  },
  details: `Without --key, the key is read from standard input: piped (first line), or typed at a prompt that
does not echo it. For example:  printf '%s\\n' "$KEY" | keyledger revoke
Exit code 1 with "API key not found" when the key is unknown or already revoked.`,
  async run({ io, json, ledger, origin }, { values }) {
    const key =
      typeof values.key === 'string' ? values.key.trim() : ((await io.readSecret?.('API key to revoke: ')) ?? '');
    if (!key) throw new UsageError('revoke needs a key: on standard input, or with --key K', 'revoke');
    await (await ledger()).keys.revoke(key, origin);
    const message = 'API key revoked successfully';
    io.out(json ? JSON.stringify({ message }) : message);
    return 0;
  },
};
