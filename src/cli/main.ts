#!/usr/bin/env node
/**
 * etcd-scaleout: the operator's command line. The commands are in ./commands (one module each,
 * listed in its command table); `etcd-scaleout <command> --help` describes each.
 *
 * Reaches Temporal by the settings the Temporal CLI reads (src/temporal: TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_TLS_*, TEMPORAL_API_KEY(_FILE), TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE);
 * its task queue is TEMPORAL_TASK_QUEUE.
 * Exit codes: 0 ok, 1 the run failed, 2 usage or invalid input (or a refused decision), 3 not found,
 * 4 server (Temporal or etcd) unreachable.
 */
import { Command, CommanderError } from 'commander';
import { isUnreachable } from '../client';
import type { CliCommand, CliCommandGroup } from './command';
import { COMMANDS } from './commands';
import { CliError, EXIT, where } from './errors';
import { type Io, processIo } from './io';

export { CliError, EXIT } from './errors';
export type { Io } from './io';

const FOOTER = `
environment: TEMPORAL_ADDRESS (127.0.0.1:7233), TEMPORAL_NAMESPACE (default), TEMPORAL_TASK_QUEUE (etcd-scaleout);
             TLS and credentials as the Temporal CLI reads them: TEMPORAL_TLS, TEMPORAL_TLS_CLIENT_CERT_PATH,
             TEMPORAL_TLS_CLIENT_KEY_PATH, TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME,
             TEMPORAL_API_KEY or TEMPORAL_API_KEY_FILE, TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE
exit codes: 0 ok, 1 run failed (start --wait, status), 2 usage, invalid input or refused decision, 3 not found,
            4 server unreachable (Temporal, or etcd for plan)`;

/** commander writes whole lines ending in a newline; Io adds its own. */
const line = (write: (t: string) => void) => (text: string) =>
  write(text.replace(/\n$/, ''));

function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('etcd-scaleout')
    .description('Grow a running etcd cluster safely, as a Temporal workflow.')
    .exitOverride()
    .configureOutput({ writeOut: line(io.out), writeErr: line(io.err) })
    .showHelpAfterError(
      '(etcd-scaleout --help lists the commands; etcd-scaleout <command> --help describes one)',
    )
    .addHelpText('after', FOOTER);
  for (const spec of COMMANDS) addCommand(program, spec, io, setExit);
  return program;
}

function addCommand(
  program: Command,
  spec: CliCommand | CliCommandGroup,
  io: Io,
  setExit: (code: number) => void,
): void {
  if ('subcommands' in spec) {
    const group = program
      .command(spec.name)
      .description(spec.summary)
      .addHelpText('after', FOOTER);
    for (const sub of spec.subcommands) addCommand(group, sub, io, setExit);
    return;
  }
  const command = program
    .command(spec.name)
    .description(spec.summary)
    .allowExcessArguments(false)
    .addHelpText('after', FOOTER);
  for (const arg of spec.args) command.argument(arg);
  for (const [flags, description] of spec.options)
    command.option(flags, description);
  command.action(async (...params: unknown[]) => {
    const self = params[params.length - 1] as Command;
    setExit(await spec.run(self.processedArgs as string[], self.opts(), io));
  });
}

/** Runs one command; returns the exit code (never throws). */
export async function main(argv: string[], io: Io): Promise<number> {
  const name = argv[0] ?? '';
  let exit: number = EXIT.ok;
  try {
    await buildProgram(io, (code) => (exit = code)).parseAsync(argv, {
      from: 'user',
    });
    return exit;
  } catch (err) {
    // commander has already printed its message (or the help); only the exit code is ours.
    if (err instanceof CommanderError)
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof CliError) {
      io.err(`etcd-scaleout ${name}: ${err.message}`);
      return err.exitCode;
    }
    if (isUnreachable(err)) {
      io.err(
        `etcd-scaleout ${name}: ${where()} is unreachable: ${(err as Error).message}`,
      );
      return EXIT.unreachable;
    }
    io.err(
      `etcd-scaleout ${name}: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    return EXIT.runFailed;
  }
}

if (require.main === module) {
  main(process.argv.slice(2), processIo()).then((code) => {
    process.exitCode = code;
    // Closed connections let the process end; do not wait on anything left behind.
    setTimeout(() => process.exit(code), 2_000).unref();
  });
}
