// `autonomy-orchestrator`: the control plane's server and admin CLI. Each command's module is
// imported only when it runs.
import type { Command } from 'commander';
import { addVersionCommand, newProgram, runProgram } from './main.ts';
import { registerServe } from './commands/orchestrator/serve.ts';
import { registerAdmin } from './commands/orchestrator/admin.ts';
import { registerOperator } from './commands/orchestrator/operator.ts';

/** Builds the command tree; exported so tests can inspect it without spawning a process. */
export function buildProgram(): Command {
  const program = newProgram('autonomy-orchestrator', 'Fleet control plane for autonomy nodes: enrollment, phased policy rollout with blast-radius control, rollback, fleet view, aggregated audit.');
  addVersionCommand(program);
  registerServe(program);
  registerAdmin(program);
  registerOperator(program);
  return program;
}

await runProgram('autonomy-orchestrator', buildProgram);
