import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { InvalidCommandError, KeyNotFoundError, normalizeRoles } from '../../domain';
import { ConfigError, loadConfig } from '../../infrastructure/config';
import { openKeyledger, type Keyledger } from '../composition';
import { createLogger } from '../http/logger';
import { presentCreated, presentSummary } from '../http/presenters';
import { randomUUID } from 'node:crypto';
import { AUDIT_USAGE, auditCommand } from './audit';
import { table } from './table';

const USAGE = `Usage: npm run apikey -- <command> [options]

Commands:
  create --alias A --name N [--roles admin,user] [--json]   create a key, or renew the alias's key
  revoke --key K [--json]                                     revoke a key
  list [--json]                                               list keys, newest first
${AUDIT_USAGE}

The CLI uses the same store as the server (DATA_DIR, or EVENTSTORE_CONNECTION_STRING).`;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

async function runCommand(ledger: Keyledger, command: string, args: string[], io: CliIo): Promise<number> {
  const origin = { actor: `cli:${osUser()}`, requestId: randomUUID() };
  switch (command) {
    case 'create': {
      const { values } = parseArgs({
        args,
        options: {
          alias: { type: 'string' },
          name: { type: 'string' },
          roles: { type: 'string' },
          json: { type: 'boolean', default: false },
        },
      });
      const roles =
        values.roles === undefined
          ? []
          : values.roles
              .split(',')
              .map((r) => r.trim())
              .filter(Boolean);
      const outcome = await ledger.keys.createOrRenew(
        { alias: values.alias ?? '', name: values.name ?? '', roles: normalizeRoles(roles) },
        origin,
      );
      const body = presentCreated(outcome);
      if (values.json) io.out(JSON.stringify(body, null, 2));
      else {
        io.out(
          `${outcome.renewed ? 'Renewed' : 'Created'} API key "${body.alias}" (${body.name}; roles: ${body.roles.join(', ') || 'none'}; expires ${body.expire}).`,
        );
        io.out('Key (shown once, store it now):');
        io.out(body.key ?? '(not known: this key was imported by its SHA-256)');
      }
      return 0;
    }
    case 'revoke': {
      const { values } = parseArgs({
        args,
        options: { key: { type: 'string' }, json: { type: 'boolean', default: false } },
      });
      if (!values.key) throw new InvalidCommandError('--key is required');
      await ledger.keys.revoke(values.key, origin);
      const message = 'API key revoked successfully';
      io.out(values.json ? JSON.stringify({ message }) : message);
      return 0;
    }
    case 'list': {
      const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } } });
      const now = Date.now();
      const keys = ledger.readModel.list().map((v) => presentSummary(v, now));
      if (values.json) io.out(JSON.stringify(keys, null, 2));
      else if (keys.length === 0) io.out('No keys.');
      else
        io.out(
          table([
            ['ALIAS', 'NAME', 'ROLES', 'STATUS', 'EXPIRE', 'PREFIX'],
            ...keys.map((k) => [k.alias, k.name, k.roles.join(',') || '-', k.status, k.expire, k.key_prefix ?? '-']),
          ]),
        );
      return 0;
    }
    default: {
      const audit = auditCommand(command);
      if (audit) return audit(ledger, args, io);
      io.err(USAGE);
      return 2;
    }
  }
}

export async function runCli(argv: string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...args] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    io.out(USAGE);
    return command ? 0 : 2;
  }
  if (!['create', 'revoke', 'list'].includes(command) && !auditCommand(command)) {
    io.err(`unknown command: ${command}\n\n${USAGE}`);
    return 2;
  }
  let ledger: Keyledger | undefined;
  try {
    const config = loadConfig(env);
    ledger = await openKeyledger(config, createLogger(env.LOG_LEVEL_CLI ?? 'warn', process.stderr as never), {
      deliverWebhooks: false,
    });
    await ledger.projection.catchUp(60_000);
    return await runCommand(ledger, command, args, io);
  } catch (error) {
    if (error instanceof KeyNotFoundError) io.err('API key not found');
    else if (error instanceof InvalidCommandError || error instanceof ConfigError) io.err(error.message);
    else if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))
      io.err(`${error.message}\n\n${USAGE}`);
    else io.err(`error: ${error instanceof Error ? error.name : 'unknown'}: could not complete the command`);
    return 1;
  } finally {
    await ledger?.close();
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  }).then((code) => process.exit(code));
}
