// `autonomy node enroll`: joins this node (its state directory's key) to an orchestrator's fleet.
// `autonomy node gateway`: uploads the audit other nodes hand to the edge relay.
import { type Command } from 'commander';
import { stateDir } from './audit.ts';

/** Registers `autonomy node`. */
export function registerNode(program: Command): void {
  const node = program.command('node').description('fleet membership: enroll this node with an orchestrator; relay other nodes\' audit, reports and policy');
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
  node
    .command('gateway')
    .description("upload the audit and status reports that nodes without a route to the orchestrator hand to the edge relay (`serve --audit-relay`) and that reach this node's edged, and hand their desired bundles back toward them; an admin must allow this node first (`autonomy-orchestrator nodes gateway NODE --allow`)")
    .requiredOption('--orchestrator <url>', 'the orchestrator this node is enrolled with')
    .requiredOption('--edge <edge.yaml>', "this node's edged config (its key signs the calls to the local edged)")
    .option('--state <dir>', 'state directory of this enrolled node (default: $AUTONOMY_STATE_DIR or ./.autonomy)')
    .option('--every <duration>', 'pause between rounds', '2s')
    .action(async (o: { orchestrator: string; edge: string; state?: string; every: string }) => {
      const { parseDuration } = await import('../../common/duration.ts');
      const { runGateway } = await import('../../adk/runtime/node-gateway.ts');
      process.exitCode = await runGateway({ state: stateDir(o.state), orchestrator: o.orchestrator, edgeConfig: o.edge, everyMs: parseDuration(o.every, '--every'), say: (l) => process.stderr.write(`autonomy: ${l}\n`) });
    });
}
