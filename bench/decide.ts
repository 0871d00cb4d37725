// `npm run bench -- decide`: POST /v1/decide on `autonomy serve` (example policy as a signed
// bundle, durable WAL
// with group-committed fdatasync) against a no-op node:http server answering a fixed 150-byte
// JSON body, both loaded from a separate process at concurrency 1 and 64. Targets (issue 9): at
// c=64 at least 70 % of the no-op's throughput; at c=1 p50 at most the no-op's p50 plus one
// fdatasync (measured here on the same disk).
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, writeSync, fdatasyncSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { printResult, quantile, round } from './lib/report.ts';

const root = join(import.meta.dirname, '..');
const TOKEN = 'bench-token-0123456789abcdef';
const WARMUP_MS = Number(process.env['BENCH_WARMUP_MS'] ?? 1000);
const MEASURE_MS = Number(process.env['BENCH_MEASURE_MS'] ?? 4000);
const BODY = JSON.stringify({ tool: 'move', args: { speed: 1.2, heading: 90 }, agent: { id: 'robot-1' } });
const state = mkdtempSync(join(tmpdir(), 'bench-decide-'));

interface Load {
  rps: number;
  p50: number;
  p99: number;
  count: number;
}

/** Starts a process and resolves with the first URL it prints (stdout or stderr). */
function startServer(args: string[]): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, args, { env: { ...process.env, AUTONOMY_RUNTIME_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let seen = '';
    const on = (c: Buffer): void => {
      seen += c.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (m) resolve({ url: m[1]!, proc });
    };
    proc.stdout!.on('data', on);
    proc.stderr!.on('data', on);
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}: ${seen}`)));
  });
}

async function load(url: string, concurrency: number): Promise<Load> {
  const { stdout } = await promisify(execFile)(process.execPath, [join(import.meta.dirname, 'lib', 'http-load.ts'), url, TOKEN, String(concurrency), String(WARMUP_MS), String(MEASURE_MS), BODY], { encoding: 'utf8' });
  return JSON.parse(stdout) as Load;
}

/** Median time of a small write + fdatasync on the state directory's disk. */
function fdatasyncMs(): number {
  const fd = openSync(join(state, 'fsync-probe'), 'w');
  const times: number[] = [];
  try {
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      writeSync(fd, Buffer.alloc(200, i), 0, 200, i * 200);
      fdatasyncSync(fd);
      times.push(performance.now() - t0);
    }
  } finally {
    closeSync(fd);
  }
  return quantile(times, 0.5);
}

/** Runs `autonomy ARGS` to completion. */
async function autonomy(...args: string[]): Promise<void> {
  await promisify(execFile)(process.execPath, [join(root, 'bin', 'autonomy.js'), ...args]);
}

const fsync = fdatasyncMs();
// The example policy as a signed bundle, as a production runtime would serve it.
const bundle = join(state, 'robot.tar.gz');
await autonomy('keygen', '--out', join(state, 'keys'), '--name', 'signer');
await autonomy('bundle', 'build', join(root, 'examples', 'robot', 'policy'), '-o', bundle, '--revision', 'bench', '--sequence', '1', '--signing-key', join(state, 'keys', 'signer.key'));
const noop = await startServer([join(import.meta.dirname, 'lib', 'noop-server.ts')]);
const rt = await startServer([join(root, 'bin', 'autonomy.js'), 'serve', '--policy', bundle, '--trust', join(state, 'keys', 'signer.pub'), '--state', join(state, 'rt'), '--addr', '127.0.0.1:0']);
const results: Record<string, Load> = {};
try {
  for (const c of [1, 64]) {
    results[`noop_c${c}`] = await load(noop.url, c);
    results[`serve_c${c}`] = await load(`${rt.url}/v1/decide`, c);
  }
} finally {
  noop.proc.kill('SIGTERM');
  rt.proc.kill('SIGTERM');
  await new Promise((r) => rt.proc.once('exit', r));
  rmSync(state, { recursive: true, force: true });
}

const line = (name: string, r: Load): string => `${name.padEnd(28)} ${round(r.rps, 0).toString().padStart(8)} req/s   p50 ${round(r.p50, 3).toFixed(3).padStart(7)} ms   p99 ${round(r.p99, 3).toFixed(3).padStart(7)} ms`;
process.stdout.write(`fdatasync (200-byte write, median): ${round(fsync, 3)} ms\n`);
for (const c of [1, 64]) {
  const n = results[`noop_c${c}`]!;
  const s = results[`serve_c${c}`]!;
  process.stdout.write(`${line(`no-op node:http  c=${c}`, n)}\n${line(`autonomy serve   c=${c}`, s)}\n`);
  process.stdout.write(`  ratio c=${c}: throughput ${round(s.rps / n.rps, 3)}, p50 +${round(s.p50 - n.p50, 3)} ms over the no-op\n`);
}
const n1 = results['noop_c1']!;
const s1 = results['serve_c1']!;
const n64 = results['noop_c64']!;
const s64 = results['serve_c64']!;
process.stdout.write(`target c=64 ≥ 70 % of the no-op's throughput: ${s64.rps / n64.rps >= 0.7 ? 'met' : 'NOT met'}\n`);
process.stdout.write(`target c=1 p50 ≤ no-op p50 + one fdatasync (${round(n1.p50 + fsync, 3)} ms): ${s1.p50 <= n1.p50 + fsync ? 'met' : 'NOT met'}\n`);
printResult({
  name: 'decide_throughput_c64',
  unit: 'req/s',
  value: round(s64.rps, 1),
  baseline: 'no-op node:http server, fixed 150-byte JSON, c=64',
  baseline_value: round(n64.rps, 1),
  better: 'higher',
  c1_p50_ms: round(s1.p50, 3),
  c1_p99_ms: round(s1.p99, 3),
  c1_rps: round(s1.rps, 1),
  noop_c1_p50_ms: round(n1.p50, 3),
  noop_c1_rps: round(n1.rps, 1),
  c64_p50_ms: round(s64.p50, 3),
  c64_p99_ms: round(s64.p99, 3),
  noop_c64_p50_ms: round(n64.p50, 3),
  fdatasync_ms: round(fsync, 3),
});
