import type { CliCommand } from '../command';
import { audit } from './audit';
import { create } from './create';
import { history } from './history';
import { importCommand } from './import';
import { list } from './list';
import { revoke } from './revoke';
import { rotate } from './rotate';

/** Every command, in the order help lists them. */
export const COMMANDS: readonly CliCommand[] = [create, rotate, revoke, list, importCommand, history, audit];
