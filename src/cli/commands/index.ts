/** The command table: every CLI command, in the order `--help` lists them. */
import type { CliCommand, CliCommandGroup } from '../command';
import { auditCommand } from './audit';
import { cancelCommand } from './cancel';
import { approveCommand, rejectCommand } from './decide';
import { listCommand } from './list';
import { planCommand } from './plan';
import { profileCommands } from './profile';
import { startCommand } from './start';
import { statusCommand } from './status';

export const COMMANDS: readonly (CliCommand | CliCommandGroup)[] = [
  startCommand,
  planCommand,
  statusCommand,
  approveCommand,
  rejectCommand,
  cancelCommand,
  listCommand,
  auditCommand,
  profileCommands,
];
