import type { CliCommand } from '../command';
import { UsageError } from '../errors';

export const revoke: CliCommand = {
  name: 'revoke',
  summary: 'Revoke a key (read from standard input unless --key), the key of an alias, or every key of an owner.',
  options: {
    key: { type: 'string', value: 'K', help: 'the key (visible in the process list: prefer standard input)' },
    alias: { type: 'string', value: 'A', help: 'revoke the key of this alias (its rotated-out key too)' },
    owner: { type: 'string', value: 'O', help: 'revoke every active key of this owner; prints how many' },
  },
  details: `Without --key, --alias or --owner, the key is read from standard input: piped (first line), or typed
at a prompt that does not echo it. For example:  printf '%s\\n' "$KEY" | keyledger revoke
Exit code 1 with "API key not found" when the key or alias is unknown or already revoked.
With --owner: "Revoked N keys" (--json: {"revoked": N}); none is not an error.`,
  async run({ io, json, ledger, origin }, { values }) {
    const given = ['key', 'alias', 'owner'].filter((o) => typeof values[o] === 'string');
    if (given.length > 1) throw new UsageError('give one of --key, --alias or --owner', 'revoke');
    if (typeof values.owner === 'string') {
      const { revoked } = await (await ledger()).keys.revokeOwner(values.owner, origin);
      io.out(json ? JSON.stringify({ revoked }) : `Revoked ${revoked} key${revoked === 1 ? '' : 's'}`);
      return 0;
    }
    if (typeof values.alias === 'string') await (await ledger()).keys.revokeAlias(values.alias, origin);
    else {
      const key =
        typeof values.key === 'string' ? values.key.trim() : ((await io.readSecret?.('API key to revoke: ')) ?? '');
      if (!key) throw new UsageError('revoke needs a key: on standard input, or with --key K', 'revoke');
      await (await ledger()).keys.revoke(key, origin);
    }
    const message = 'API key revoked successfully';
    io.out(json ? JSON.stringify({ message }) : message);
    return 0;
  },
};
