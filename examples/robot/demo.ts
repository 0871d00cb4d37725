// `npm run demo`: the example robot under `autonomy run` with a signed policy bundle, then
// `autonomy audit verify`. State (WAL, node key, signing key, policy store) lives in
// ./.autonomy-demo, made on first run; the bundle is rebuilt when the policy changes.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'autonomy.js');
const state = process.env['AUTONOMY_DEMO_STATE'] ?? join(root, '.autonomy-demo');
const policy = join(import.meta.dirname, 'policy');
const key = join(state, 'keys', 'demo-signer.key');
const pub = join(state, 'keys', 'demo-signer.pub');
const bundle = join(state, 'robot-policy.tar.gz');
const say = (s: string): boolean => process.stdout.write(`${s}\n`);
const show = (p: string): string => relative(process.cwd(), p) || '.';

/** Runs autonomy; quiet steps print only on failure. */
function autonomy(args: string[], quiet = false): number {
  if (!quiet) say(`$ autonomy ${args.map((a) => (a.startsWith('/') ? show(a) : a)).join(' ')}`);
  const r = spawnSync(process.execPath, [bin, ...args], { stdio: quiet ? 'pipe' : 'inherit', encoding: 'utf8' });
  if (quiet && r.status !== 0) process.stderr.write(`${r.stdout}${r.stderr}`);
  return r.status ?? 1;
}

function newest(dir: string): number {
  return Math.max(...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
}

say('== AutonomyOps demo: a robot agent whose every tool call is decided before it runs\n');
if (!existsSync(key)) {
  say(`first run: making a signing key in ${show(join(state, 'keys'))}`);
  if (autonomy(['keygen', '--out', join(state, 'keys'), '--name', 'demo-signer'], true) !== 0) process.exit(1);
}
if (!existsSync(bundle) || statSync(bundle).mtimeMs < newest(policy)) {
  // The sequence orders versions in the store (no downgrades); time makes each rebuild newer.
  const seq = Math.floor(Date.now() / 1000);
  say(`building and signing the policy bundle ${show(bundle)}`);
  if (autonomy(['bundle', 'build', policy, '-o', bundle, '--revision', `robot-${seq}`, '--sequence', String(seq), '--signing-key', key], true) !== 0) process.exit(1);
}
say('');
const run = autonomy(['run', '--policy', bundle, '--trust', pub, '--state', state, '--', 'python3', join(import.meta.dirname, 'agent.py')]);
if (run !== 0) {
  say(`\nthe agent exited with ${run}`);
  process.exit(run);
}
say('');
process.exit(autonomy(['audit', 'verify', '--state', state]));
