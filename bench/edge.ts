// `npm run bench -- edge [--rounds N]`: relay of 64 KiB and 4 MiB segments from node A to node B
// on loopback, against a baseline measured in the same run: a plain node:http PUT of the same
// bytes, with the same concurrency, to a receiver that writes and fsyncs them.
//
// B is a real edged process; A runs in this process with its scheduler paused while its
// segments are stored, then the clock runs from starting the scheduler until every delivery is
// Acked and that state is durable. The baseline's sender and receiver are placed the same way.
// Each case alternates baseline and edge rounds and reports the medians, and the median of
// the ratios of rounds run back to back (which a drift in the machine's load affects least).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateKeyPair } from '../src/common/ed25519.ts';
import { parseConfig } from '../src/edge/config.ts';
import { startDaemon } from '../src/edge/daemon.ts';
import { printResult, round } from './lib/report.ts';

// As edged does (src/cli/edged.ts): A runs in this process. Children inherit it, so the
// baseline receiver gets the same pool.
process.env['UV_THREADPOOL_SIZE'] ??= '16';

const repo = resolve(import.meta.dirname, '..');
const argRounds = process.argv.indexOf('--rounds');
const ROUNDS = argRounds > 0 ? Number(process.argv[argRounds + 1]) : 7;
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 4);
const CASES = [
  { label: '64 KiB', size: 64 * 1024, count: 300 },
  { label: '4 MiB', size: 4 * 1024 * 1024, count: 16 },
];

const dir = mkdtempSync(join(process.env['BENCH_TMP'] ?? tmpdir(), 'bench-edge-'));
const children: ChildProcess[] = [];

/** Starts a child process and resolves with the first line it prints that matches. */
function startChild(args: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  // NODE_OPTIONS refuses --cpu-prof, so profiling the receivers takes this knob (docs/edge.md).
  const prof = process.env['BENCH_CPU_PROF'];
  const child = spawn(process.execPath, [...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((res, rej) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) res({ child, match: m });
    });
    child.once('exit', (code) => rej(new Error(`${args.join(' ')} exited with ${code}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((res) => {
    if (child.exitCode !== null) return res();
    child.once('exit', () => res());
    child.kill('SIGTERM');
  });
}

/** Distinct segments per round, so the receiver really writes every one. */
function segments(size: number, count: number, round: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => {
    const b = Buffer.alloc(size, (i * 7 + round) & 0xff);
    b.write(`round ${round} segment ${i}`);
    return b;
  });
}

/** What one round measured: wall seconds, and CPU ms per segment of sender and receiver. */
interface Round {
  s: number;
  senderCpu: number;
  receiverCpu: number;
}

/** CPU time (user + system) of a child process in ms, from /proc; NaN where there is none. */
function childCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/** Runs a timed section and accounts the CPU this process and the receiver spent in it. */
async function measure(receiverPid: number, n: number, body: () => Promise<void>): Promise<Round> {
  const r0 = childCpuMs(receiverPid);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await body();
  const s = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { s, senderCpu: (c.user + c.system) / 1000 / n, receiverCpu: (childCpuMs(receiverPid) - r0) / n };
}

/** PUTs every segment to the plain receiver, CONCURRENCY at a time. */
async function baselineRound(segs: Buffer[]): Promise<Round> {
  const out = join(dir, `plain-${Date.now()}`);
  mkdirSync(out);
  const { child, match } = await startChild([join(repo, 'bench', 'lib', 'plain-put-server.ts'), out], /^(\d+)\n/);
  const agent = new Agent({ keepAlive: true });
  const put = (body: Buffer): Promise<void> =>
    new Promise((res, rej) => {
      const req = request({ host: '127.0.0.1', port: Number(match[1]), path: '/', method: 'PUT', agent, headers: { 'content-length': body.length } }, (r) => {
        r.resume();
        r.on('end', () => (r.statusCode === 201 ? res() : rej(new Error(`baseline PUT: ${r.statusCode}`))));
      });
      req.on('error', rej);
      req.end(body);
    });
  let next = 0;
  const round = await measure(child.pid!, segs.length, async () => {
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < segs.length) await put(segs[next++]!);
    }));
  });
  agent.destroy();
  await stop(child);
  rmSync(out, { recursive: true, force: true });
  return round;
}

function yamlFor(id: string, peer: string, port: number, peerPort: number, root: string): string {
  return JSON.stringify({
    node_id: id,
    root,
    listen: `127.0.0.1:${port}`,
    disk_ceiling_bytes: '8GiB',
    max_retries: 3,
    backoff: ['50ms'],
    retention: 'forever',
    key_file: join(dir, `${id}.key`),
    max_inflight_per_peer: CONCURRENCY,
    known_peers: [{ id: peer, address: `http://127.0.0.1:${peerPort}`, public_key_file: join(dir, `${peer}.pub`) }],
  });
}

/** A relays every segment to B: from starting the scheduler to the last durable ack. */
async function edgeRound(segs: Buffer[], b: { port: number; pid: number }, n: number): Promise<Round> {
  const root = join(dir, `a-${n}`);
  const config = parseConfig(yamlFor('a', 'b', 0, b.port, root), join(dir, 'a.yaml'));
  const d = await startDaemon(config, { paused: true, log: () => undefined });
  for (const seg of segs) await d.node.put(seg, ['b']);
  const ledger = d.node.ledger;
  const round = await measure(b.pid, segs.length, async () => {
    d.node.scheduler.start();
    while ((ledger.transitions.get('Inflight→Acked') ?? 0) < segs.length) {
      if ((ledger.transitions.get('Inflight→Failed') ?? 0) > 0) throw new Error(`a delivery failed: ${ledger.entries().find((e) => e.lastError)?.lastError}`);
      // Poll with a timer, not setImmediate: a spinning loop would steal the CPU B needs.
      await new Promise((r) => setTimeout(r, 2));
    }
    await ledger.commit();
  });
  await d.close();
  rmSync(root, { recursive: true, force: true });
  return round;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** The round with the median wall time; its CPU figures come along. */
function medianRound(rounds: Round[]): Round {
  const m = median(rounds.map((r) => r.s));
  return rounds.find((r) => r.s === m)!;
}

async function main(): Promise<void> {
  for (const id of ['a', 'b']) {
    const pair = generateKeyPair();
    writeFileSync(join(dir, `${id}.key`), pair.privatePem, { mode: 0o600 });
    writeFileSync(join(dir, `${id}.pub`), pair.publicPem);
  }
  // B listens on a port it picks; A's config is written once B has told us which.
  writeFileSync(join(dir, 'b.yaml'), yamlFor('b', 'a', 0, 9, join(dir, 'b')));
  const { match, child: bChild } = await startChild([join(repo, 'bin', 'edged.js'), '--config', join(dir, 'b.yaml')], /listening on http:\/\/127\.0\.0\.1:(\d+)/);
  const b = { port: Number(match[1]), pid: bChild.pid! };

  process.stdout.write(`edge relay A → B on loopback, ${CONCURRENCY} in flight, ${ROUNDS} rounds per case (medians)\n`);
  const results: { label: string; size: number; count: number; edge: Round; base: Round; paired: number }[] = [];
  let n = 0;
  for (const c of CASES) {
    const edge: Round[] = [];
    const base: Round[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate which side goes first, so a drift in the machine's load hits both alike.
      const bs = segments(c.size, c.count, n++);
      const es = segments(c.size, c.count, n++);
      if (r % 2 === 0) {
        base.push(await baselineRound(bs));
        edge.push(await edgeRound(es, b, n));
      } else {
        edge.push(await edgeRound(es, b, n));
        base.push(await baselineRound(bs));
      }
    }
    // Each round's pair ran back to back; the median of their ratios resists drifts in load.
    const paired = median(edge.map((e, i) => base[i]!.s / e.s));
    const res = { ...c, edge: medianRound(edge), base: medianRound(base), paired };
    results.push(res);
    const mb = (r: Round) => round((c.size * c.count) / 1e6 / r.s, 1);
    const sps = (r: Round) => round(c.count / r.s, 1);
    const cpu = (r: Round) => `${round(r.senderCpu, 2)} + ${round(r.receiverCpu, 2)} ms`;
    process.stdout.write(`${c.label.padEnd(7)} x${c.count}: edge ${sps(res.edge)} segments/s ${mb(res.edge)} MB/s; plain PUT+fsync ${sps(res.base)} segments/s ${mb(res.base)} MB/s; ratio ${round(res.base.s / res.edge.s, 3)} (median of paired rounds ${round(paired, 3)})\n`);
    process.stdout.write(`${''.padEnd(7)} CPU per segment (sender + receiver): edge ${cpu(res.edge)}; plain ${cpu(res.base)}\n`);
  }
  const [small, large] = results as [(typeof results)[0], (typeof results)[0]];
  printResult({
    name: 'edge relay throughput, 64 KiB segments',
    unit: 'segments/s',
    value: round(small.count / small.edge.s, 1),
    baseline: 'plain node:http PUT, receiver writes + fsyncs',
    baseline_value: round(small.count / small.base.s, 1),
    better: 'higher',
    mb_s: round((small.size * small.count) / 1e6 / small.edge.s, 1),
    large_4mib_mb_s: round((large.size * large.count) / 1e6 / large.edge.s, 1),
    large_4mib_baseline_mb_s: round((large.size * large.count) / 1e6 / large.base.s, 1),
    large_4mib_ratio: round(large.base.s / large.edge.s, 4),
    paired_ratio_64kib: round(small.paired, 4),
    paired_ratio_4mib: round(large.paired, 4),
    rounds: ROUNDS,
    concurrency: CONCURRENCY,
  });
}

try {
  await main();
} finally {
  for (const c of children) await stop(c);
  rmSync(dir, { recursive: true, force: true });
}
