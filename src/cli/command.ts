/** One CLI command, as the command table lists it. */
import type { Io } from './io';

export type Options = Record<string, string | boolean | undefined>;

export interface CliCommand {
  name: string;
  /** Positional arguments in commander's syntax, e.g. `<WORKFLOW_ID>`. */
  args: string[];
  summary: string;
  /** [flags, description], e.g. ['--by <NAME>', 'who decides']. */
  options: Array<[string, string]>;
  /** Returns the exit code; throws CliError for a failure with its own code. */
  run(args: string[], options: Options, io: Io): Promise<number>;
}

/** A command made of subcommands (`profile from-kubespray ...`): it has no action of its own. */
export interface CliCommandGroup {
  name: string;
  summary: string;
  subcommands: readonly CliCommand[];
}
