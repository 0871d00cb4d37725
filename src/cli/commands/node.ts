// `autonomy node enroll`: joins this node (its state directory's key) to an orchestrator's fleet.
import { type Command } from 'commander';
import { stateDir } from './audit.ts';

/** Registers `autonomy node`. */
export function registerNode(program: Command): void {
  const node = program.command('node').description('fleet membership: enroll this node with an orchestrator');
  node
    .command('enroll')
    .description('register the node key of the state directory (created if missing) with an orchestrator, using a one-time token; then run `autonomy serve --orchestrator URL`')
    .requiredOption('--orchestrator <url>', 'the orchestrator, e.g. http://127.0.0.1:7400')
    .requiredOption('--token <token>', 'one-time enrollment token (`autonomy-orchestrator token create`); it carries the node\'s labels')
    .option('--state <dir>', 'state directory: node key, WAL, policy store (default: $AUTONOMY_STATE_DIR or ./.autonomy)')
    .action(async (o: { orchestrator: string; token: string; state?: string }) => {
      const { enrollNode } = await import('../../adk/runtime/node-enroll.ts');
      const state = stateDir(o.state);
      const e = await enrollNode(state, o.orchestrator, o.token);
      const labels = Object.entries(e.labels).map(([k, v]) => `${k}=${v}`).join(',');
      process.stdout.write(`${e.already ? 'already enrolled: node' : 'enrolled node'} ${e.node_id} with ${e.url}${labels ? ` (labels ${labels})` : ''}; state: ${state}\n`);
    });
}
