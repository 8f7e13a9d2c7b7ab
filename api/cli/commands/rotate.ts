import { presentRotated } from '../../http/presenters';
import type { CliCommand } from '../command';
import { KEY_DETAIL_OPTIONS, keyDetailsOf, numberOption } from '../keyDetails';

export const rotate: CliCommand = {
  name: 'rotate',
  summary: 'Give an alias a new key; the previous one may keep working for a grace period.',
  args: '<alias>',
  options: {
    'grace-seconds': {
      type: 'string',
      value: 'N',
      help: 'how long the previous key keeps working, 0-604800 (default 0: it stops at once)',
    },
    ...KEY_DETAIL_OPTIONS,
  },
  details: `Prints the new key once: store it now. Validity is reset as a renewal does; the previous key answers
ROTATED once its grace is over. Exit code 1 with "API key not found" for an unknown or revoked alias.
With --json: the API's answer, the create answer's fields plus "rotated": true and "previous_key_valid_until".`,
  async run({ io, json, ledger, origin }, args) {
    const outcome = await (
      await ledger()
    ).keys.rotate(
      { alias: args.positionals[0]!, graceSeconds: numberOption(args.values['grace-seconds']), ...keyDetailsOf(args) },
      origin,
    );
    const body = presentRotated(outcome);
    if (json) {
      io.out(JSON.stringify(body, null, 2));
      return 0;
    }
    const until = body.previous_key_valid_until;
    io.out(
      `Rotated API key "${body.alias}" (expires ${body.expire}); the previous key ${until ? `works until ${until}` : 'stopped at once'}.`,
    );
    io.out('New key (shown once, store it now):');
    io.out(body.key);
    return 0;
  },
};
