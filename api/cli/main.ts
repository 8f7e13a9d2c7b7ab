#!/usr/bin/env node
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import type { Keyledger } from '../composition';
import { commandHelp, COMMON_OPTIONS, positionalBounds, type CliCommand, type CliIo } from './command';
import { COMMANDS } from './commands';
import { describeFailure, EXIT, UsageError } from './errors';
import { npmHint, optionsTakenByNpm } from './npmHint';
import { readSecret } from './readSecret';

export type { CliIo } from './command';

const OVERVIEW = `Usage: keyledger <command> [options]
       npm run apikey -- <command> [options]     (from a checkout; note the "--")

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(9)} ${c.summary}`).join('\n')}

Run "keyledger <command> --help" for a command's options. --json prints JSON, errors included.

Exit codes: 0 success; 1 refused (not found, invalid input, bad configuration) or could not complete;
2 usage error (unknown command or option, missing value, stray argument).
The CLI works on the same store as the server: DATA_DIR, or EVENTSTORE_CONNECTION_STRING.`;

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

async function openLedger(env: NodeJS.ProcessEnv): Promise<Keyledger> {
  // Loaded on demand, so that help and usage errors answer without opening any store.
  const { loadConfig } = await import('../../infrastructure/config');
  const { openKeyledger } = await import('../composition');
  const { createLogger } = await import('../http/logger');
  const ledger = await openKeyledger(
    loadConfig(env),
    createLogger(env.LOG_LEVEL_CLI ?? 'warn', process.stderr as never),
    { deliverWebhooks: false },
  );
  try {
    await ledger.projection.catchUp(60_000);
  } catch (error) {
    await ledger.close();
    throw error;
  }
  return ledger;
}

function parse(command: CliCommand, args: string[]) {
  const options = Object.fromEntries(
    Object.entries({ ...command.options, ...COMMON_OPTIONS }).map(([name, spec]) => [
      name,
      name === 'help' ? { type: spec.type, short: 'h' } : { type: spec.type },
    ]),
  );
  const parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  const [required, most] = positionalBounds(command);
  const stray = parsed.positionals[most];
  if (stray !== undefined) throw new UsageError(`unexpected argument '${stray}'`, command.name);
  if (parsed.positionals.length < required && !parsed.values.help)
    throw new UsageError(`${command.name} needs ${command.args}`, command.name);
  return parsed;
}

async function runCommand(command: CliCommand, args: string[], io: CliIo, env: NodeJS.ProcessEnv, json: boolean) {
  const taken = optionsTakenByNpm(command, env);
  if (taken.length > 0) throw new UsageError(npmHint(command, taken), command.name);
  const parsed = parse(command, args);
  if (parsed.values.help) {
    io.out(commandHelp(command));
    return EXIT.OK;
  }
  let ledger: Promise<Keyledger> | undefined;
  try {
    return await command.run(
      {
        io,
        json,
        ledger: () => (ledger ??= openLedger(env)),
        origin: { actor: `cli:${osUser()}`, requestId: randomUUID() },
      },
      parsed,
    );
  } finally {
    if (ledger) await ledger.then((l) => l.close()).catch(() => undefined);
  }
}

export async function runCli(argv: string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const json = argv.includes('--json');
  const [name, ...args] = argv;
  const command = COMMANDS.find((c) => c.name === name);
  try {
    if (name === undefined) throw new UsageError('no command given');
    if (['help', '--help', '-h'].includes(name)) {
      const about = COMMANDS.find((c) => c.name === args[0]);
      io.out(about ? commandHelp(about) : OVERVIEW);
      return EXIT.OK;
    }
    if (!command) throw new UsageError(`unknown command '${name}'`);
    return await runCommand(command, args, io, env, json);
  } catch (error) {
    const { code, message } = describeFailure(error);
    if (json) io.err(JSON.stringify({ error: message }));
    else if (code !== EXIT.USAGE) io.err(message);
    else if (command) io.err(`${message}\nRun "keyledger ${command.name} --help" for its options.`);
    else io.err(`${message}\n\n${OVERVIEW}`);
    return code;
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    readSecret,
  }).then((code) => {
    process.exit(code);
  });
}
