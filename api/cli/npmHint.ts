import type { CliCommand } from './command';
import { COMMON_OPTIONS } from './command';

/**
 * `npm run apikey create --alias x` (no `--`) hands `--alias` to npm, which turns it into the
 * environment variable npm_config_alias and passes only the values on. Returns the options npm took.
 */
export function optionsTakenByNpm(command: CliCommand, env: NodeJS.ProcessEnv): string[] {
  if (!env.npm_lifecycle_event) return [];
  return Object.keys({ ...command.options, ...COMMON_OPTIONS }).filter(
    (name) => env[`npm_config_${name.replace(/-/g, '_')}`] !== undefined,
  );
}

export function npmHint(command: CliCommand, taken: string[]): string {
  const options = taken.map((o) => `--${o}`).join(', ');
  const specs = { ...command.options, ...COMMON_OPTIONS };
  const example = taken.map((o) => (specs[o]?.type === 'string' ? `--${o} ...` : `--${o}`)).join(' ');
  return (
    `npm took ${options} for itself: put "--" before the command, e.g.\n` +
    `  npm run apikey -- ${command.name} ${example}\n` +
    `or run the CLI directly: npx keyledger ${command.name} ...`
  );
}
