import { InvalidCommandError, type KeyDetailsInput, type KeyMeta } from '../../domain';
import type { OptionSpec, ParsedArgs } from './command';

/** Options shared by create and rotate. */
export const KEY_DETAIL_OPTIONS: Record<string, OptionSpec> = {
  owner: { type: 'string', value: 'O', help: 'whose key it is (on a renewal or rotation: kept when absent)' },
  meta: { type: 'string', value: 'JSON', help: 'a JSON object of metadata, e.g. \'{"team":"payments"}\'' },
  'ttl-seconds': {
    type: 'string',
    value: 'N',
    help: 'lifetime from now, 60 to MAX_KEY_TTL_SECONDS (default KEY_TTL_SECONDS, 15 days)',
  },
};

function parseMeta(text: string): KeyMeta {
  try {
    return JSON.parse(text) as KeyMeta;
  } catch {
    throw new InvalidCommandError('meta must be a JSON object');
  }
}

/** Owner, meta and lifetime from the command line; the domain checks them as it does for the API. */
export function keyDetailsOf({ values }: ParsedArgs): KeyDetailsInput {
  const ttl = values['ttl-seconds'];
  return {
    ...(typeof values.owner === 'string' && { owner: values.owner }),
    ...(typeof values.meta === 'string' && { meta: parseMeta(values.meta) }),
    ...(typeof ttl === 'string' && { ttlSeconds: Number(ttl) }),
  };
}

/** A number option, or undefined; what is not a number is left for the domain to refuse. */
export function numberOption(value: string | boolean | undefined): number | undefined {
  return typeof value === 'string' ? Number(value) : undefined;
}
