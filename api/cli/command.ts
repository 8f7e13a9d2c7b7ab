import type { Keyledger } from '../composition';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /**
   * A secret typed at a prompt (not echoed) or piped on standard input, first line, trimmed;
   * '' when there is none.
   */
  readSecret?(prompt: string): Promise<string>;
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Placeholder shown in help, for string options. */
  value?: string;
  help: string;
}

export interface CommandContext {
  io: CliIo;
  /** Was --json given: print JSON, errors included. */
  json: boolean;
  /** The store, opened on first use and closed when the command ends. */
  ledger(): Promise<Keyledger>;
  /** The actor and request id recorded with the events this command appends. */
  origin: { actor: string; requestId: string };
}

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * One CLI command: a new command is a file exporting one of these, listed in commands/index.ts.
 * `--json` and `--help` are added to every command.
 */
export interface CliCommand {
  name: string;
  /** One line, for the command list. */
  summary: string;
  /** Positional arguments, e.g. '<alias>'; each `<x>` is required, each `[x]` optional. */
  args?: string;
  options: Record<string, OptionSpec>;
  /** Said after the options in `<command> --help`: what it prints, defaults, examples. */
  details?: string;
  run(context: CommandContext, args: ParsedArgs): Promise<number>;
}

export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', help: 'print JSON (errors too, as {"error": ...} on standard error)' },
  help: { type: 'boolean', help: 'show this help' },
};

function optionLabel(name: string, spec: OptionSpec): string {
  return spec.type === 'string' ? `--${name} ${spec.value ?? 'VALUE'}` : `--${name}`;
}

export function commandUsage(command: CliCommand): string {
  const args = command.args ? ` ${command.args}` : '';
  return `keyledger ${command.name}${args} [options]`;
}

/** `<command> --help`. */
export function commandHelp(command: CliCommand): string {
  const options = Object.entries({ ...command.options, ...COMMON_OPTIONS });
  const labels = options.map(([name, spec]) => (name === 'help' ? '-h, --help' : optionLabel(name, spec)));
  const width = Math.max(...labels.map((l) => l.length));
  const lines = [
    `Usage: ${commandUsage(command)}`,
    '',
    command.summary,
    '',
    'Options:',
    ...options.map(([, spec], i) => `  ${labels[i]!.padEnd(width)}  ${spec.help}`),
  ];
  if (command.details) lines.push('', command.details);
  return lines.join('\n');
}

/** How many positionals a command takes: [required, at most]. */
export function positionalBounds(command: CliCommand): [number, number] {
  const words = command.args?.split(/\s+/).filter(Boolean) ?? [];
  return [words.filter((w) => w.startsWith('<')).length, words.length];
}
