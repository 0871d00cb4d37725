// Fleet simulation: N simulated node agents (real HTTP, signed requests, in this process)
// against a real `autonomy-orchestrator serve` process on SQLite.
//   npm run sim -- --nodes 1000 [--offline 5%] [--fail 2%] [--db postgres://…]
//   npm run sim -- --attach URL --token-file FILE --nodes 5 [--labels k=v,…] [--state DIR]
// (--attach enrolls simulated nodes with a running orchestrator and keeps them running until
// Ctrl-C: the walkthrough in docs/fleet.md uses it.) A simulated node fails to activate any
// bundle whose bytes contain `fail-activation`, standing in for a bundle whose tests fail.
// Measures: the time for a 4-phase rollout (1,10%,50%,100%) to converge with no pauses; the
// time for a bundle that fails everywhere to be halted and its touched nodes rolled back (and
// checks it never reached past the phase where the budget was exceeded); the orchestrator's CPU
// and peak memory. The baseline, measured in the same run, is a single-phase (100%) rollout of
// the same fleet: the ratio is the cost of phasing.
import { spawn } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { generateKeyPair, loadOrCreateKey } from '../src/common/ed25519.ts';
import { NODE_KEY, openNodeWal, walDir } from '../src/adk/audit/index.ts';
import { AdminClient, NodeClient, SimAgent, type NodeView, type RolloutStatus } from '../src/adk/orchestrator/index.ts';
import { phaseEnds, parsePhases } from '../src/adk/orchestrator/rollout/phases.ts';
import { AuditUploader } from '../src/adk/orchestrator/agent/audit-uploader.ts';
import { printResult, round } from './lib/report.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '1000' },
    offline: { type: 'string', default: '0%' },
    fail: { type: 'string', default: '0%' },
    db: { type: 'string' },
    attach: { type: 'string' },
    'token-file': { type: 'string' },
    labels: { type: 'string', default: '' },
    state: { type: 'string' },
  },
});
const FAIL_MARK = 'fail-activation';
/** True for a bundle (plain, or a .tar.gz) that holds the failure mark. */
const failsActivation = (bytes: Buffer): boolean => bytes.includes(FAIL_MARK) || (bytes[0] === 0x1f && bytes[1] === 0x8b && gunzipSync(bytes).includes(FAIL_MARK));
const pct = (s: string, flag: string): number => {
  const m = /^(\d+(?:\.\d+)?)%?$/.exec(s);
  if (!m) throw new Error(`${flag}: expected a percentage such as 5%`);
  return Number(m[1]) / 100;
};
const N = Number(values.nodes);
const offlineShare = pct(values.offline, '--offline');
const failShare = pct(values.fail, '--fail');
const OFFLINE_AFTER_MS = 3000;
const log = (s: string): boolean => process.stdout.write(`${s}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number): number => round(ms / 1000, 2);

/** Every k-th node, deterministically, for a share of the fleet. */
const every = (share: number): ((i: number) => boolean) => {
  const count = Math.round(share * N);
  return (i) => count > 0 && i % Math.floor(N / count) === 0 && Math.floor(i / Math.floor(N / count)) < count;
};
const isOffline = every(offlineShare);
const isFlaky = (i: number): boolean => !isOffline(i) && every(failShare)(i + 1);

/** Appends a few decisions to the node's WAL, closes it (sealing it) and uploads every segment. */
async function uploadDecisions(client: NodeClient, dir: string, i: number): Promise<void> {
  const wal = await openNodeWal(dir, { checkpointIntervalMs: 0 });
  for (const [tool, decision] of [['fs.read', 'allow'], ['shell.exec', 'deny'], ['http.get', i % 2 ? 'allow' : 'deny']] as const) {
    await wal.append({ kind: 'decision', tool, decision, args: { node: i }, reasons: decision === 'deny' ? ['not in the allow list'] : [], revision: 'sim' });
  }
  await wal.close();
  await new AuditUploader(client, walDir(dir)).sync();
}

if (values.attach) {
  // Walkthrough mode: nodes for someone else's orchestrator, until Ctrl-C.
  const { parseLabels } = await import('../src/adk/orchestrator/enrollment/tokens.ts');
  const tokenFile = values['token-file'] ?? '.autonomy-orchestrator/admin.token';
  const attached = new AdminClient(values.attach, readFileSync(tokenFile, 'utf8').trim(), 'sim');
  const labels = parseLabels(values.labels, '--labels');
  const fleet: SimAgent[] = [];
  const activate = (_rev: string, bytes: Buffer): void => {
    if (failsActivation(bytes)) throw new Error('bundle tests failed');
  };
  for (let i = 0; i < N; i++) {
    // With --state each node keeps its key and audit WAL in STATE/node-I, so a restart is the
    // same nodes reconnecting, and each run's decisions are uploaded to the orchestrator.
    const dir = values.state ? join(values.state, `node-${i}`) : null;
    const known = dir !== null && existsSync(join(dir, `${NODE_KEY}.key`));
    const key = dir ? loadOrCreateKey(dir, NODE_KEY) : createPrivateKey(generateKeyPair().privatePem);
    let a: SimAgent;
    if (known) a = new SimAgent(new NodeClient(values.attach, key), { activate });
    else {
      const { token } = await attached.json<{ token: string }>('POST', '/v1/admin/tokens', { labels });
      a = await SimAgent.enroll(values.attach, key, token, { activate });
    }
    a.start();
    fleet.push(a);
    if (dir) await uploadDecisions(a.client, dir, i);
    log(`${known ? 'reconnected' : 'enrolled'} simulated node ${a.client.nodeId}${dir ? ` (audit WAL in ${dir})` : ''}`);
  }
  log(`${N} simulated nodes running against ${values.attach}; Ctrl-C to stop`);
  await new Promise((r) => {
    process.once('SIGINT', r);
    process.once('SIGTERM', r);
  });
  await Promise.all(fleet.map((a) => a.stop()));
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'fleet-sim-'));
const bin = resolve(import.meta.dirname, '..', 'bin', 'autonomy-orchestrator.js');
const proc = spawn(process.execPath, [bin, 'serve', '--db', values.db ?? join(dir, 'orch.db'), '--addr', '127.0.0.1:0', '--admin-token-file', join(dir, 'admin.token'), '--tick', '100ms', '--offline-after', `${OFFLINE_AFTER_MS}ms`], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((res, rej) => {
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    const m = /listening on (\S+)/.exec(l);
    if (m) res(m[1]!);
  });
  proc.on('exit', (c) => rej(new Error(`serve exited with ${c}`)));
});
const admin = new AdminClient(url, readFileSync(join(dir, 'admin.token'), 'utf8').trim(), 'sim');

/** CPU seconds (user + system) of the orchestrator so far, and its peak RSS in MiB. */
function usage(): { cpu: number; peakMiB: number } {
  const stat = readFileSync(`/proc/${proc.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]);
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'));
  return { cpu: ticks / 100, peakMiB: round(Number(hwm?.[1] ?? 0) / 1024, 1) };
}

async function pool<T>(n: number, width: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array<T>(n);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await fn(i);
    }
  }));
  return out;
}

async function waitFor(what: string, cond: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`fleet-sim: timed out waiting for ${what}`);
    await sleep(100);
  }
}

let agents: SimAgent[] = [];
try {
  log(`fleet-sim: ${N} nodes (${Math.round(offlineShare * 100)}% offline, ${Math.round(failShare * 100)}% failing activations) against ${url}`);
  let t = performance.now();
  agents = await pool(N, 32, async (i) => {
    const { token } = await admin.json<{ token: string }>('POST', '/v1/admin/tokens', { labels: { fleet: 'sim', idx: String(i % 10) } });
    return SimAgent.enroll(url, createPrivateKey(generateKeyPair().privatePem), token, {
      waitMs: 25_000, retryMs: 500,
      activate: (rev, bytes) => {
        if (failsActivation(bytes)) throw new Error('bundle tests failed');
        if (rev !== 'v1' && isFlaky(i)) throw new Error('activation failed on this node');
      },
    });
  });
  log(`enrolled ${N} nodes in ${seconds(performance.now() - t)} s`);
  const online = agents.filter((_, i) => !isOffline(i));
  for (const a of online) a.start();
  for (const rev of ['v1', 'v2', 'v3']) await admin.send('POST', `/v1/admin/bundles?revision=${rev}`, Buffer.from(`simulated bundle ${rev}`));
  await admin.send('POST', '/v1/admin/bundles?revision=bad', Buffer.from(`simulated bundle that will ${FAIL_MARK}`));
  await admin.json('POST', '/v1/admin/rollback', { selector: { fleet: 'sim' }, revision: 'v1' });
  await waitFor('baseline v1', async () => online.every((a) => a.active === 'v1'));
  // Let the nodes that never started be seen as offline before any rollout.
  await sleep(OFFLINE_AFTER_MS + 500);
  const flaky = agents.filter((_, i) => isFlaky(i)).length;
  const budget = flaky + Math.max(1, Math.ceil(N / 100));
  log(`baseline: ${online.length} online nodes on v1; ${N - online.length} offline; ${flaky} will fail activations; budget --max-failures ${budget}`);

  const rollout = async (revision: string, phases: string, until: (s: RolloutStatus) => boolean): Promise<{ ms: number; s: RolloutStatus }> => {
    const start = performance.now();
    const r = await admin.json<RolloutStatus>('POST', '/v1/admin/rollouts', { revision, selector: { fleet: 'sim' }, phases, max_failures: budget });
    let s = r;
    await waitFor(`rollout of ${revision}`, async () => until((s = await admin.json<RolloutStatus>('GET', `/v1/admin/rollouts/${r.id}`))));
    return { ms: performance.now() - start, s };
  };

  const u0 = usage();
  t = performance.now();
  const base = await rollout('v2', '100%', (s) => s.state === 'completed' || s.state === 'halted');
  log(`baseline single-phase rollout of v2: ${base.s.state} in ${seconds(base.ms)} s (${JSON.stringify(base.s.counts)})`);

  const phased = await rollout('v3', '1,10%,50%,100%', (s) => s.state === 'completed' || s.state === 'halted');
  const converged = (await admin.json<NodeView[]>('GET', '/v1/admin/nodes')).filter((n) => n.confirmed === 'v3').length;
  log(`4-phase rollout of v3: ${phased.s.state} in ${seconds(phased.ms)} s; ${converged} nodes confirmed v3 (${JSON.stringify(phased.s.counts)})`);

  const badStart = performance.now();
  const bad = await rollout('bad', '1,10%,50%,100%', (s) => s.state === 'halted' || s.state === 'completed');
  const haltMs = bad.ms;
  const touched = bad.s.targets.filter((tg) => tg.state === 'rolled_back');
  // Back where each was: v3, or v2 on the nodes whose v3 activation had failed.
  const previous = new Map(touched.map((tg) => [tg.nodeId, tg.previousRevision]));
  await waitFor('touched nodes back on their previous revision', async () => (await admin.json<NodeView[]>('GET', '/v1/admin/nodes')).every((n) => !previous.has(n.id) || !n.online || n.confirmed === previous.get(n.id)));
  const rollbackMs = performance.now() - badStart;
  const ends = phaseEnds(parsePhases('1,10%,50%,100%'), N);
  const haltPhase = bad.s.phase; // index of the phase in progress at the halt
  const reachedPastHalt = bad.s.targets.filter((tg) => tg.position >= ends[haltPhase]! && tg.state !== 'waiting').length;
  log(`bad bundle: ${bad.s.state} in ${seconds(haltMs)} s during phase ${haltPhase + 1} (${ends[haltPhase]} nodes); ${touched.length} touched nodes rolled back to their previous revision in ${seconds(rollbackMs)} s; nodes touched past that phase: ${reachedPastHalt}`);
  const u1 = usage();
  const wall = (performance.now() - t) / 1000;
  log(`orchestrator: ${round(u1.cpu - u0.cpu, 1)} CPU s over ${round(wall, 1)} s of rollouts (${round((100 * (u1.cpu - u0.cpu)) / wall, 0)}% of a core); peak RSS ${u1.peakMiB} MiB`);
  if (bad.s.state !== 'halted' || reachedPastHalt > 0) throw new Error('fleet-sim: the bad bundle was not contained');

  printResult({
    name: 'fleet_sim_4phase_converge', unit: 's', value: seconds(phased.ms), baseline: 'single_phase_rollout', baseline_value: seconds(base.ms), better: 'lower',
    nodes: N, offline: N - online.length, failing: flaky, converged_nodes: converged,
    bad_halt_s: seconds(haltMs), bad_rollback_s: seconds(rollbackMs), bad_halt_phase: haltPhase + 1, bad_touched: touched.length, bad_past_halt_phase: reachedPastHalt,
    orchestrator_cpu_s: round(u1.cpu - u0.cpu, 1), orchestrator_peak_rss_mib: u1.peakMiB,
  });
} finally {
  await Promise.all(agents.map((a) => a.stop()));
  proc.kill('SIGTERM');
  await new Promise((r) => proc.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
