// `npm run bench -- bundle`: verify + compile + test + activate a signed bundle with 50 policy
// files and a 10 MB data.json, against the baseline of a plain `tar` extract plus JSON.parse of
// the same files, measured in the same run. Target: ratio ≤ 3.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from 'tar';
import { readArchive, writeArchive, type BundleFiles } from '../src/adk/bundle/archive.ts';
import { algorithmsFor, defaultKeyId } from '../src/adk/bundle/keys.ts';
import { compileBundle, loadBundle } from '../src/adk/bundle/load.ts';
import { openPolicyStore } from '../src/adk/bundle/policy-store.ts';
import { signBundle } from '../src/adk/bundle/signing.ts';
import { runTests } from '../src/adk/bundle/tests-runner.ts';
import { verifyBundle } from '../src/adk/bundle/verify.ts';
import { printResult, quantile, round } from './lib/report.ts';

const POLICIES = 50;
const DATA_BYTES = 10 * 1024 * 1024;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 7);

// Deterministic content (a fixed linear congruential sequence, not Math.random).
let seed = 42;
const next = (m: number): number => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % m);

function dataJson(): string {
  const users: Record<string, unknown> = {};
  const roles = ['operator', 'observer', 'admin', 'auditor', 'maintainer'];
  let size = 0;
  for (let i = 0; size < DATA_BYTES; i++) {
    const u = { roles: [roles[next(5)], roles[next(5)]], team: `team-${next(300)}`, quota: next(10_000), score: next(1000) / 8, active: next(2) === 1, tags: { site: `site-${next(40)}`, tier: next(4) } };
    users[`user-${i}`] = u;
    size += JSON.stringify(u).length + 14;
  }
  return JSON.stringify({ users, roles: Object.fromEntries(roles.map((r) => [r, { tools: [`tool-${next(20)}`, `tool-${next(20)}`] }])) });
}

function policy(i: number): string {
  return `package autonomy.p${i}

import data.autonomy.directory

default allow := false

allow if {
	some role in directory.users[input.agent].roles
	input.tool in directory.roles[role].tools
	input.args.velocity <= ${1 + (i % 5)}
}

deny contains "tool ${i} is disabled" if input.tool == "tool-${i}"

limit := ${i * 10}

test_allow_${i} if not allow with input as {"agent": "nobody", "tool": "x", "args": {}}

test_limit_${i} if limit == ${i * 10}
`;
}

function bundleFiles(): BundleFiles {
  const files: BundleFiles = new Map([['.manifest', Buffer.from(JSON.stringify({ revision: 'bench-1', roots: ['autonomy'], metadata: { sequence: 1, entrypoint: 'data.autonomy.p0' } }))]]);
  for (let i = 0; i < POLICIES; i++) files.set(`autonomy/p${i}/policy.rego`, Buffer.from(policy(i)));
  files.set('autonomy/directory/data.json', Buffer.from(dataJson()));
  return files;
}

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const trust = [{ id: defaultKeyId(publicKey), key: publicKey, algorithms: algorithmsFor(publicKey), source: 'bench' }];
const work = mkdtempSync(join(tmpdir(), 'bench-bundle-'));
const archive = writeArchive((await signBundle(bundleFiles(), privateKey)).files);
const bundlePath = join(work, 'bundle.tar.gz');
writeFileSync(bundlePath, archive);
process.stdout.write(`bundle: ${POLICIES} policy files, data.json ${(DATA_BYTES / 1048576).toFixed(0)} MiB, archive ${(archive.length / 1048576).toFixed(2)} MiB\n`);

/** Baseline: what any loader must do at least — extract with tar, JSON.parse the JSON, read the policies. */
function baseline(): void {
  const dir = mkdtempSync(join(work, 'x-'));
  extract({ file: bundlePath, cwd: dir, sync: true });
  let n = 0;
  const visit = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.name.endsWith('.json') || e.name === '.manifest') n += Object.keys(JSON.parse(readFileSync(p, 'utf8')) as object).length;
      else n += readFileSync(p, 'utf8').length;
    }
  };
  visit(dir);
  if (n === 0) throw new Error('empty');
  rmSync(dir, { recursive: true, force: true });
}

/** Ours: the whole activation into a fresh store (verify, compile, tests, durable switch). */
async function ours(): Promise<void> {
  const dir = mkdtempSync(join(work, 's-'));
  const r = await openPolicyStore({ dir, trust }).activate(bundlePath);
  if (r.tests?.PASS !== POLICIES * 2) throw new Error(`tests: ${JSON.stringify(r.tests)}`);
  rmSync(dir, { recursive: true, force: true });
}

async function time(f: () => unknown): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

/** Wall and CPU time (user + system, all threads) of f in ms. */
async function cpu(f: () => unknown): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const wall = await time(f);
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

// Where our time goes, phase by phase (one extra run, after warm-up).
async function phases(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  let files!: BundleFiles;
  out['read+gunzip+untar'] = await time(() => (files = readArchive(readFileSync(bundlePath))));
  let parsed!: Awaited<ReturnType<typeof verifyBundle>>['parsed'];
  out['verify+decode (JWS, digests, values)'] = await time(async () => (parsed = (await verifyBundle(files, trust)).parsed));
  let loaded!: ReturnType<typeof loadBundle>;
  out['load (manifest, roots, placement)'] = await time(() => (loaded = loadBundle(files, parsed)));
  let policy!: ReturnType<typeof compileBundle>;
  out['compile'] = await time(() => (policy = compileBundle(loaded)));
  out['tests'] = await time(() => runTests(policy, loaded.modules));
  return out;
}

const base: { wall: number; cpu: number }[] = [];
const mine: { wall: number; cpu: number }[] = [];
baseline();
await ours();
for (let r = 0; r < ROUNDS; r++) {
  (globalThis as { gc?: () => void }).gc?.();
  base.push(await cpu(baseline));
  (globalThis as { gc?: () => void }).gc?.();
  mine.push(await cpu(ours));
}
// Figures of record: wall time, p50 over rounds, baseline and ours measured alternately so that
// other work sharing the machine falls on both alike. CPU time (all threads, so GC helper
// threads count) is printed beside it.
const stat = (xs: { wall: number; cpu: number }[], k: 'wall' | 'cpu'): number => round(quantile(xs.map((x) => x[k]), 0.5), 1);
const [bCpu, mCpu, bWall, mWall] = [stat(base, 'cpu'), stat(mine, 'cpu'), stat(base, 'wall'), stat(mine, 'wall')];
process.stdout.write(`baseline (tar extract + JSON.parse)   cpu p50 ${bCpu} ms   wall p50 ${bWall} ms   (${ROUNDS} rounds)\n`);
process.stdout.write(`verify + compile + test + activate    cpu p50 ${mCpu} ms   wall p50 ${mWall} ms   cpu ratio ${round(mCpu / bCpu, 2)}\n`);
for (const [k, v] of Object.entries(await phases())) process.stdout.write(`  ${k.padEnd(40)} ${v.toFixed(1)} ms\n`);
rmSync(work, { recursive: true, force: true });
printResult({ name: 'bundle-activate', unit: 'ms_p50', value: mWall, baseline: 'tar extract + JSON.parse', baseline_value: bWall, better: 'lower', target_ratio: 3, cpu_p50: mCpu, baseline_cpu_p50: bCpu, policies: POLICIES, data_mib: 10 });
