// `npm run build:exe`: one self-contained `autonomy` executable (Node's single executable
// application support): esbuild bundles the CLI into one CommonJS file, Node turns it into a
// SEA blob, postject injects the blob into a copy of this Node binary. Output: build/autonomy (or OUTDIR/autonomy with an argument).
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
const out = process.argv[2] ?? join(root, 'build');
const bundle = join(out, 'autonomy.cjs');
const blob = join(out, 'autonomy.blob');
const exe = join(out, 'autonomy');
const say = (s: string): boolean => process.stdout.write(`build:exe: ${s}\n`);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [join(root, 'src', 'cli', 'autonomy.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  outfile: bundle,
  logLevel: 'warning',
  // Inside a SEA only built-in modules can be required; everything else must be in the bundle.
  packages: 'bundle',
});
say(`bundled ${bundle}`);

writeFileSync(join(out, 'sea-config.json'), JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: false }));
execFileSync(process.execPath, ['--experimental-sea-config', join(out, 'sea-config.json')], { stdio: ['ignore', 'ignore', 'inherit'] });
copyFileSync(process.execPath, exe);
chmodSync(exe, 0o755);
execFileSync(process.execPath, [join(root, 'node_modules', 'postject', 'dist', 'cli.js'), exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'], { stdio: ['ignore', 'ignore', 'inherit'] });
say(`wrote ${exe} (Node ${process.versions.node})`);
