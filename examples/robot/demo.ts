// `npm run demo`: the example robot under `autonomy run`, then `autonomy audit verify`.
// State (WAL, node key) lives in ./.autonomy-demo, made on first run.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'autonomy.js');
const state = process.env['AUTONOMY_DEMO_STATE'] ?? join(root, '.autonomy-demo');
const policy = join(import.meta.dirname, 'policy');
const say = (s: string): boolean => process.stdout.write(`${s}\n`);

say('== AutonomyOps demo: a robot agent whose every tool call is decided before it runs');
say('   NOTE: this demo serves the policy directory UNSIGNED with --dev (signed bundles come with the bundle store)');
say(`$ autonomy run --policy examples/robot/policy --dev --state .autonomy-demo -- python3 examples/robot/agent.py\n`);
const run = spawnSync(process.execPath, [bin, 'run', '--policy', policy, '--dev', '--state', state, '--', 'python3', join(import.meta.dirname, 'agent.py')], { stdio: 'inherit' });
if (run.status !== 0) {
  say(`\nthe agent exited with ${run.status ?? run.signal}`);
  process.exit(run.status ?? 1);
}
say('\n$ autonomy audit verify --state .autonomy-demo');
const verify = spawnSync(process.execPath, [bin, 'audit', 'verify', '--state', state], { stdio: 'inherit' });
process.exit(verify.status ?? 1);
