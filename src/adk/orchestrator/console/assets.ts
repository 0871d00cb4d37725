// The console's static files: its own script and stylesheet (shipped next to this module) and
// uPlot's (from the `uplot` package). Served from disk by this process: nothing from a CDN, so
// the console works on an air-gapped network.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { sha256Hex } from '../../../common/hash.ts';

const require = createRequire(import.meta.url);

/** Asset name → where it is and its content type. */
const FILES: Record<string, () => { path: string; type: string }> = {
  'console.js': () => ({ path: fileURLToPath(new URL('./assets/console.js', import.meta.url)), type: 'text/javascript; charset=utf-8' }),
  'console.css': () => ({ path: fileURLToPath(new URL('./assets/console.css', import.meta.url)), type: 'text/css; charset=utf-8' }),
  'uPlot.iife.min.js': () => ({ path: require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' }),
  'uPlot.min.css': () => ({ path: require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' }),
};

const cache = new Map<string, { bytes: Buffer; type: string; etag: string }>();

/** An asset by name, or null if there is none by that name. */
export function asset(name: string): { bytes: Buffer; type: string; etag: string } | null {
  if (!Object.hasOwn(FILES, name)) return null;
  let a = cache.get(name);
  if (!a) {
    const f = FILES[name]!();
    const bytes = readFileSync(f.path);
    a = { bytes, type: f.type, etag: `"${sha256Hex(bytes).slice(0, 16)}"` };
    cache.set(name, a);
  }
  return a;
}
