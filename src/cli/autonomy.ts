// `autonomy`: the runtime's command tree. Each command's module is imported only when it runs,
// so a call such as `autonomy eval` pays only for what it uses.
import type { Command } from 'commander';
import { registerRuntime } from './commands/runtime.ts';
import { registerMcp } from './commands/mcp.ts';
import { registerEval } from './commands/eval.ts';
import { addVersionCommand, newProgram, runProgram } from './main.ts';
import { registerAudit } from './commands/audit.ts';
import { registerNode } from './commands/node.ts';
import { registerBundle, registerKeygen, registerPolicy, registerTest } from './commands/bundle.ts';

/** Builds the command tree; exported so tests can inspect it without spawning a process. */
export function buildProgram(): Command {
  const program = newProgram('autonomy', 'Runtime governance for autonomous agents: every tool call is evaluated against a Rego policy before it runs.')
    .enablePositionalOptions();
  addVersionCommand(program);

  registerEval(program);
  registerKeygen(program);
  registerBundle(program);
  registerTest(program);
  registerPolicy(program);
  registerAudit(program);
  registerRuntime(program);
  registerMcp(program);
  registerNode(program);

  return program;
}

// `void`, not top-level await: the single executable (build:exe) bundles this entry as CommonJS.
void runProgram('autonomy', buildProgram);
