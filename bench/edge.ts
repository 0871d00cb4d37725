// `npm run bench -- edge [--rounds N]`: relay of 64 KiB and 4 MiB segments from node A to node B
// on loopback, against a baseline measured in the same run: a plain node:http PUT of the same
// bytes, with the same concurrency, to a receiver that writes and fsyncs them.
//
// B is a real edged process; A runs in this process with its scheduler paused while its
// segments are stored, then the clock runs from starting the scheduler until every delivery is
// Acked and that state is durable. The baseline's sender and receiver are placed the same way.
// Each case alternates baseline and edge rounds and reports the medians.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
const ROUNDS = argRounds > 0 ? Number(process.argv[argRounds + 1]) : 5;
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 4);
const CASES = [
  { label: '64 KiB', size: 64 * 1024, count: 600 },
  { label: '4 MiB', size: 4 * 1024 * 1024, count: 32 },
];

const dir = mkdtempSync(join(process.env['BENCH_TMP'] ?? tmpdir(), 'bench-edge-'));
const children: ChildProcess[] = [];

/** Starts a child process and resolves with the first line it prints that matches. */
function startChild(args: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
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

/** Seconds to PUT every segment to the plain receiver, CONCURRENCY at a time. */
async function baselineRound(segs: Buffer[]): Promise<number> {
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
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < segs.length) await put(segs[next++]!);
  }));
  const s = (performance.now() - t0) / 1000;
  agent.destroy();
  await stop(child);
  rmSync(out, { recursive: true, force: true });
  return s;
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

/** Seconds for A to relay every segment to B, from scheduler start to the last durable ack. */
async function edgeRound(segs: Buffer[], bPort: number, n: number): Promise<number> {
  const root = join(dir, `a-${n}`);
  const config = parseConfig(yamlFor('a', 'b', 0, bPort, root), join(dir, 'a.yaml'));
  const d = await startDaemon(config, { paused: true, log: () => undefined });
  for (const b of segs) await d.node.put(b, ['b']);
  const ledger = d.node.ledger;
  const t0 = performance.now();
  d.node.scheduler.start();
  while ((ledger.transitions.get('Inflight→Acked') ?? 0) < segs.length) {
    if ((ledger.transitions.get('Inflight→Failed') ?? 0) > 0) throw new Error(`a delivery failed: ${ledger.entries().find((e) => e.lastError)?.lastError}`);
    // Poll with a timer, not setImmediate: a spinning loop would steal the CPU B needs.
    await new Promise((r) => setTimeout(r, 2));
  }
  await ledger.commit();
  const s = (performance.now() - t0) / 1000;
  await d.close();
  rmSync(root, { recursive: true, force: true });
  return s;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  for (const id of ['a', 'b']) {
    const pair = generateKeyPair();
    writeFileSync(join(dir, `${id}.key`), pair.privatePem, { mode: 0o600 });
    writeFileSync(join(dir, `${id}.pub`), pair.publicPem);
  }
  // B listens on a port it picks; A's config is written once B has told us which.
  writeFileSync(join(dir, 'b.yaml'), yamlFor('b', 'a', 0, 9, join(dir, 'b')));
  const { match } = await startChild([join(repo, 'bin', 'edged.js'), '--config', join(dir, 'b.yaml')], /listening on http:\/\/127\.0\.0\.1:(\d+)/);
  const bPort = Number(match[1]);

  process.stdout.write(`edge relay A → B on loopback, ${CONCURRENCY} in flight, ${ROUNDS} rounds per case (medians)\n`);
  const results: { label: string; size: number; count: number; edge: number; base: number }[] = [];
  let n = 0;
  for (const c of CASES) {
    const edge: number[] = [];
    const base: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate which side goes first, so a drift in the machine's load hits both alike.
      const b = segments(c.size, c.count, n++);
      const e = segments(c.size, c.count, n++);
      if (r % 2 === 0) {
        base.push(await baselineRound(b));
        edge.push(await edgeRound(e, bPort, n));
      } else {
        edge.push(await edgeRound(e, bPort, n));
        base.push(await baselineRound(b));
      }
    }
    const res = { ...c, edge: median(edge), base: median(base) };
    results.push(res);
    const mb = (s: number) => (c.size * c.count) / 1e6 / s;
    process.stdout.write(`${c.label.padEnd(7)} x${c.count}: edge ${round(c.count / res.edge, 1)} segments/s ${round(mb(res.edge), 1)} MB/s; plain PUT+fsync ${round(c.count / res.base, 1)} segments/s ${round(mb(res.base), 1)} MB/s; ratio ${round(res.base / res.edge, 3)}\n`);
  }
  const [small, large] = results as [(typeof results)[0], (typeof results)[0]];
  printResult({
    name: 'edge relay throughput, 64 KiB segments',
    unit: 'segments/s',
    value: round(small.count / small.edge, 1),
    baseline: 'plain node:http PUT, receiver writes + fsyncs',
    baseline_value: round(small.count / small.base, 1),
    better: 'higher',
    mb_s: round((small.size * small.count) / 1e6 / small.edge, 1),
    large_4mib_mb_s: round((large.size * large.count) / 1e6 / large.edge, 1),
    large_4mib_baseline_mb_s: round((large.size * large.count) / 1e6 / large.base, 1),
    large_4mib_ratio: round(large.base / large.edge, 4),
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
