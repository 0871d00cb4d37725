// `autonomy eval`: evaluate a Rego query the way `opa eval` does.
import type { Command } from 'commander';
import { ExitCode } from '../../common/errors.ts';

/** Registers `autonomy eval`. */
export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('evaluate a Rego query against policy and data files (like opa eval)')
    .argument('<query>', 'the query, e.g. data.autonomy.authz.allow')
    .option('-d, --data <path>', '.rego, .json or .yaml file, or a directory of them (repeatable)', collect, [])
    .option('-i, --input <file>', 'input document (JSON or YAML)')
    .option('--input-term <term>', 'input written as a Rego term (sets allowed)')
    .option('--strict-builtin-errors', 'treat builtin errors as errors instead of undefined', false)
    .option('-f, --format <format>', 'output format: json or pretty', 'json')
    .action(async (query: string, opts: { data: string[]; input?: string; inputTerm?: string; strictBuiltinErrors: boolean; format: string }) => {
      const { runEval } = await import('../../adk/policy/eval-command.ts');
      process.exitCode = runEval({ query, ...opts }) ? ExitCode.ok : ExitCode.negative;
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
