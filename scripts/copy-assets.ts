// Part of `npm run build`: tsc emits only JavaScript from TypeScript, so the web console's static
// files (src/adk/orchestrator/console/assets/) are copied next to the compiled modules that
// serve them (dist/adk/orchestrator/console/assets/).
import { cpSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const from = join(root, 'src', 'adk', 'orchestrator', 'console', 'assets');
const to = join(root, 'dist', 'adk', 'orchestrator', 'console', 'assets');
cpSync(from, to, { recursive: true });
process.stdout.write(`copied ${from} -> ${to}\n`);
