// `autonomy keygen`, `autonomy bundle build|verify|inspect`, `autonomy test` and
// `autonomy policy activate|status|history|rollback`: thin wrappers over src/adk/bundle.
// The work is imported inside each action so `autonomy --help` stays fast.
import type { Command } from 'commander';
import type * as Commands from '../../adk/bundle/commands.ts';
import { stateDir } from './audit.ts';

type Work = typeof Commands;

const STATE_HELP = 'state directory (default: $AUTONOMY_STATE_DIR or ./.autonomy)';
const TRUST_HELP = 'trusted public key (PEM), as PATH or KEYID=PATH; repeat for several (key rotation)';
const collect = (v: string, prev: string[]): string[] => [...prev, v];
const work = (): Promise<Work> => import('../../adk/bundle/commands.ts');

/** Registers `autonomy keygen`. */
export function registerKeygen(program: Command): void {
  program
    .command('keygen')
    .description('generate an Ed25519 key pair for signing bundles (NAME.key 0600, NAME.pub)')
    .requiredOption('--out <dir>', 'directory for the key files (created 0700)')
    .option('--name <name>', 'file name stem', 'bundle')
    .action(async (o: { out: string; name: string }) => {
      process.exitCode = (await work()).runKeygen(o);
    });
}

/** Registers `autonomy bundle build|verify|inspect`. */
export function registerBundle(program: Command): void {
  const bundle = program.command('bundle').description('signed policy bundles (OPA format): build, verify, inspect');
  bundle
    .command('build')
    .description('build a .tar.gz bundle from a directory; the policy must compile')
    .argument('<src>', 'bundle source directory (.manifest, *.rego, data.json by path)')
    .requiredOption('-o, --output <file>', 'bundle file to write')
    .option('--revision <rev>', 'set the manifest revision')
    .option('--sequence <n>', 'set metadata.sequence (the anti-downgrade order)')
    .option('--signing-key <file>', 'PEM private key (Ed25519 → EdDSA; RSA → RS256; EC → ES256)')
    .option('--key-id <id>', 'key id named in the signature (default: derived from the key)')
    .action(async (src: string, o: { output: string; revision?: string; sequence?: string; signingKey?: string; keyId?: string }) => {
      process.exitCode = await (await work()).runBuild(src, o);
    });
  bundle
    .command('verify')
    .description('verify the signature and every file digest against trusted keys, then compile; exit 1 if it does not verify')
    .argument('<file>', 'bundle .tar.gz or directory')
    .option('--trust <key>', TRUST_HELP, collect, [])
    .option('--scope <scope>', 'required signature scope')
    .option('--run-tests', "also run the bundle's test_* rules")
    .action(async (file: string, o: { trust: string[]; scope?: string; runTests?: boolean }) => {
      process.exitCode = await (await work()).runVerify(file, o);
    });
  bundle
    .command('inspect')
    .description('show the manifest, files and signature header of a bundle (verifies nothing)')
    .argument('<file>', 'bundle .tar.gz or directory')
    .option('--json', 'print JSON')
    .action(async (file: string, o: { json?: boolean }) => {
      process.exitCode = (await work()).runInspect(file, o);
    });
}

/** Registers `autonomy test`. */
export function registerTest(program: Command): void {
  program
    .command('test')
    .description("run test_* rules like opa test; exit 1 when any fails")
    .argument('<paths...>', '.rego/.json/.yaml files, directories, or a bundle .tar.gz')
    .option('-v, --verbose', 'list every test, not only failures')
    .action(async (paths: string[], o: { verbose?: boolean }) => {
      process.exitCode = (await work()).runTestCommand(paths, o);
    });
}

/** Registers `autonomy policy activate|status|history|rollback`. */
export function registerPolicy(program: Command): void {
  const policy = program.command('policy').description('the versioned local policy store: activate, status, history, rollback');
  policy
    .command('activate')
    .description('verify, compile and test a signed bundle, then make it active atomically; exit 1 if refused')
    .argument('<file>', 'bundle .tar.gz or directory')
    .option('--trust <key>', TRUST_HELP, collect, [])
    .option('--ordering <name>', 'anti-downgrade order: sequence-revision, revision or none', 'sequence-revision')
    .option('--state <dir>', STATE_HELP)
    .action(async (file: string, o: { trust: string[]; ordering: string; state?: string }) => {
      process.exitCode = await (await work()).runActivate(file, { ...o, state: stateDir(o.state) });
    });
  policy
    .command('status')
    .description('the active version, its last-known-good and the kept versions; exit 1 if none is active or it fails verification')
    .option('--trust <key>', `${TRUST_HELP}; given, the stored versions are re-verified`, collect, [])
    .option('--max-age <duration>', 'report the policy stale past this age (e.g. 24h)')
    .option('--json', 'print JSON')
    .option('--state <dir>', STATE_HELP)
    .action(async (o: { trust: string[]; maxAge?: string; json?: boolean; state?: string }) => {
      process.exitCode = await (await work()).runStatus({ ...o, state: stateDir(o.state) });
    });
  policy
    .command('history')
    .description('every activation, refusal and rollback, oldest first')
    .option('--json', 'print JSON')
    .option('--state <dir>', STATE_HELP)
    .action(async (o: { json?: boolean; state?: string }) => {
      process.exitCode = (await work()).runHistory({ ...o, state: stateDir(o.state) });
    });
  policy
    .command('rollback')
    .description('return to the last-known-good version, or to a kept revision with --to; re-verified first')
    .option('--to <revision>', 'a kept revision (or version id, or sha256: content digest) to return to')
    .option('--trust <key>', TRUST_HELP, collect, [])
    .option('--state <dir>', STATE_HELP)
    .action(async (o: { to?: string; trust: string[]; state?: string }) => {
      process.exitCode = await (await work()).runRollback({ ...o, state: stateDir(o.state) });
    });
}
