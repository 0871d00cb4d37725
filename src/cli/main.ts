// Shared process wrapper for every program: maps errors to exit codes, never prints a stack
// trace for a user error.
import { Command, CommanderError } from 'commander';
import { VERSION } from '../common/version.ts';
import { ExitCode, isAutonomyError } from '../common/errors.ts';

/** Runs a program's main function and exits with the code the error model prescribes. */
export async function runMain(program: string, main: () => Promise<number | void>): Promise<void> {
  // A reader that stops early (`| head`) is not an error of ours: stop writing, quietly.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? ExitCode.ok);
  });
  let code: number;
  try {
    code = (await main()) ?? ExitCode.ok;
  } catch (e) {
    code = reportError(program, e);
  }
  process.exitCode = code;
}

/** A commander program with the project's error handling: usage errors exit 2, never a stack trace. */
export function newProgram(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
}

/** Adds `NAME version`, printing the package version. */
export function addVersionCommand(program: Command): void {
  program
    .command('version')
    .description('print the version')
    .action(() => {
      process.stdout.write(`${program.name()} ${VERSION}\n`);
    });
}

/** Runs a commander program over process.argv (help when called bare) under runMain. */
export async function runProgram(name: string, build: () => Command): Promise<void> {
  await runMain(name, async () => {
    const program = build();
    if (process.argv.length <= 2) {
      program.outputHelp();
      return ExitCode.ok;
    }
    await program.parseAsync(process.argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  });
}

/** Prints an error the way users should see it and returns its exit code. */
export function reportError(program: string, e: unknown): number {
  if (e instanceof CommanderError) {
    // Commander has already printed help or its own message.
    return e.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (isAutonomyError(e)) {
    process.stderr.write(`${program}: ${e.toString()}\n`);
    // Deliberate errors that reach the top are about the user's input; negative answers
    // (deny, failed verification) are returned as exit code 1 by the command, not thrown.
    return ExitCode.usage;
  }
  const detail = process.env['AUTONOMY_DEBUG'] && e instanceof Error ? `\n${e.stack ?? ''}` : '';
  process.stderr.write(`${program}: internal error: ${e instanceof Error ? e.message : String(e)}${detail}\n`);
  return ExitCode.internal;
}
