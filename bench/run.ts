// `npm run bench -- NAME` runs bench/NAME.ts in its own process; without NAME it lists them.
import { readdirSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const dir = import.meta.dirname;
const available = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'run.ts').map((f) => f.slice(0, -3)).sort();
const [name, ...rest] = process.argv.slice(2);

if (!name || name === '--help' || name === '-h') {
  process.stdout.write(`usage: npm run bench -- NAME [ARGS...]\nbenchmarks: ${available.join(', ') || '(none yet)'}\n`);
  process.exit(name ? 0 : 2);
}
const file = join(dir, `${name}.ts`);
if (!existsSync(file)) {
  process.stderr.write(`bench: no benchmark named '${name}'; available: ${available.join(', ') || '(none yet)'}\n`);
  process.exit(2);
}
const r = spawnSync(process.execPath, ['--expose-gc', file, ...rest], { stdio: 'inherit' });
process.exit(r.status ?? 3);
