import type { CliCommand } from '../command';
import { audit } from './audit';
import { create } from './create';
import { history } from './history';
import { list } from './list';
import { revoke } from './revoke';

/** Every command, in the order help lists them. */
export const COMMANDS: readonly CliCommand[] = [create, revoke, list, history, audit];
