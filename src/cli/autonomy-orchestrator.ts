// `autonomy-orchestrator`: the control plane's server and admin CLI. Each command's module is
// imported only when it runs.
import { Command } from 'commander';
import { VERSION } from '../common/version.ts';
import { runProgram } from './main.ts';
import { registerServe } from './commands/orchestrator/serve.ts';
import { registerAdmin } from './commands/orchestrator/admin.ts';

/** Builds the command tree; exported so tests can inspect it without spawning a process. */
export function buildProgram(): Command {
  const program = new Command('autonomy-orchestrator')
    .description('Fleet control plane for autonomy nodes: enrollment, phased policy rollout with blast-radius control, rollback, fleet view, aggregated audit.')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  program
    .command('version')
    .description('print the version')
    .action(() => {
      process.stdout.write(`autonomy-orchestrator ${VERSION}\n`);
    });
  registerServe(program);
  registerAdmin(program);
  return program;
}

await runProgram('autonomy-orchestrator', buildProgram);
