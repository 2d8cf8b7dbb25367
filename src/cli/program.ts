import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { cliMessages } from './cli.messages.js';
import { bufferInspectCommand } from './commands/buffer-inspect.command.js';
import { bufferVerifyCommand } from './commands/buffer-verify.command.js';
import { exportOpenMetricsCommand } from './commands/export-openmetrics.command.js';
import { recordsCommand } from './commands/records.command.js';
import { CliError, exitCodes, type ExitCode } from './exit-codes.js';

const { version } = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as { version: string };

/** The `metaqueue` command and its subcommands, each from its own file. */
export function metaqueueProgram(): Command {
  const program = new Command('metaqueue')
    .description('Look at what metaqueue stored and buffered, without the app.')
    .version(version)
    .showSuggestionAfterError()
    .addCommand(recordsCommand())
    .addCommand(
      new Command('buffer')
        .description('Look at a disk buffer, read only.')
        .addCommand(bufferInspectCommand())
        .addCommand(bufferVerifyCommand()),
    )
    .addCommand(
      new Command('export')
        .description('Write stored records in another format.')
        .addCommand(exportOpenMetricsCommand()),
    );
  forEachCommand(program, (command) =>
    command.exitOverride().configureOutput({
      // Commander's own errors (an unknown option, a missing value), with where to read on.
      outputError: (text, write) =>
        write(
          `${text.trimEnd().replace(/^error: /, 'metaqueue: ')}\n${cliMessages.seeHelp(commandPath(command))}\n`,
        ),
    }),
  );
  return program;
}

/** Runs the command line `args` (without node and the script); resolves to the exit code. */
export async function runMetaqueue(args: readonly string[]): Promise<ExitCode> {
  try {
    await metaqueueProgram().parseAsync(args, { from: 'user' });
    return exitCodes.ok;
  } catch (error) {
    return failed(error);
  }
}

/** Says what went wrong on stderr; the exit code it calls for. */
function failed(error: unknown): ExitCode {
  // Commander has printed its message (and --help or --version its text).
  if (error instanceof CommanderError) return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
  if (error instanceof CliError) {
    process.stderr.write(`metaqueue: ${error.message}\n`);
    return error.exitCode;
  }
  process.stderr.write(`metaqueue: ${cliMessages.unexpected()}\n`);
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  return exitCodes.failure;
}

function forEachCommand(command: Command, visit: (command: Command) => void): void {
  visit(command);
  for (const sub of command.commands) forEachCommand(sub, visit);
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
