// `npm run bench -- wal [--quick]`: durable appends per second and append latency at
// concurrency 1, 16 and 256 with ~500-byte records, against a raw loop of write + fdatasync of
// one record at a time with node:fs, measured in the same run on the same disk.
import { mkdtempSync, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWal, verifyWal, type AppendInput, type Wal } from '../src/adk/audit/index.ts';
import { generateKeyPair, loadPrivateKey, loadPublicKey } from '../src/common/ed25519.ts';
import { printResult, quantile, round } from './lib/report.ts';

const quick = process.argv.includes('--quick');
const root = mkdtempSync(join(tmpdir(), 'bench-wal-'));
const pair = generateKeyPair();
const key = loadPrivateKey(pair.privatePem);

/** A decision of about 500 bytes once encoded. */
function record(i: number): AppendInput {
  return {
    kind: 'decision',
    decision_id: `01JDX${String(i).padStart(21, '0')}`,
    tool: 'fs.write',
    args: { path: `/srv/app/data/output-${i}.json`, bytes: 4096, mode: '0644', overwrite: false, content_sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
    decision: i % 10 === 0 ? 'deny' : 'allow',
    reasons: i % 10 === 0 ? ['write outside workspace'] : [],
    revision: '2024-11-24.3',
    digest: 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    agent: 'agent-a',
    latency_ns: 41_000 + (i % 977),
  };
}

interface Run {
  perSec: number;
  p50us: number;
  p99us: number;
}

/** Latencies and busy time of one mode, accumulated over rounds. */
class Tally {
  readonly lat: number[] = [];
  records = 0;
  seconds = 0;
  run(): Run {
    return { perSec: this.records / this.seconds, p50us: quantile(this.lat, 0.5), p99us: quantile(this.lat, 0.99) };
  }
}

const us = (ns: bigint): number => Number(ns) / 1000;

/** The baseline: one ~500-byte buffer at a time, write then fdatasync, with node:fs. */
async function rawRound(fh: FileHandle, n: number, t: Tally): Promise<void> {
  const buf = Buffer.alloc(512, 0x61);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const s = process.hrtime.bigint();
    await fh.write(buf);
    await fh.datasync();
    t.lat.push(us(process.hrtime.bigint() - s));
  }
  t.seconds += Number(process.hrtime.bigint() - t0) / 1e9;
  t.records += n;
}

/** `concurrency` callers append `n` records in all, each awaiting its own append. */
async function walRound(wal: Wal, concurrency: number, n: number, t: Tally): Promise<void> {
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const r = record(next++);
        const s = process.hrtime.bigint();
        await wal.append(r);
        t.lat.push(us(process.hrtime.bigint() - s));
      }
    }),
  );
  t.seconds += Number(process.hrtime.bigint() - t0) / 1e9;
  t.records += n;
}

const fmt = (r: Run): string => `${Math.round(r.perSec).toLocaleString('en-US')} records/s, p50 ${round(r.p50us, 1)} µs, p99 ${round(r.p99us, 1)} µs`;

try {
  // Rounds interleave the modes so that a neighbour's load on the disk hits all of them alike.
  const rounds = quick ? 2 : 5;
  const per = { raw: 600, c1: 600, c16: 6000, c256: 40_000 };
  const raw = new Tally();
  const modes = [1, 16, 256].map((c) => ({ c, tally: new Tally(), dir: join(root, `c${c}`) }));
  const fh = await open(join(root, 'raw.bin'), 'w');
  const wals = await Promise.all(modes.map((m) => openWal({ dir: m.dir, key, queueLimit: 100_000 })));
  await rawRound(fh, 200, new Tally()); // warm-up: file system and JIT
  await walRound(wals[1]!, 16, 2000, new Tally());
  for (let r = 0; r < rounds; r++) {
    await rawRound(fh, per.raw, raw);
    for (const [i, m] of modes.entries()) await walRound(wals[i]!, m.c, m.c === 1 ? per.c1 : m.c === 16 ? per.c16 : per.c256, m.tally);
  }
  await fh.close();
  await Promise.all(wals.map((w) => w.close()));
  const [c1, c16, c256] = modes.map((m) => m.tally.run()) as [Run, Run, Run];
  const base = raw.run();
  process.stdout.write(`${rounds} interleaved rounds; ~500-byte records; ${tmpdir()}\n`);
  process.stdout.write(`baseline  raw write+fdatasync loop : ${fmt(base)}\n`);
  process.stdout.write(`WAL       concurrency 1          : ${fmt(c1)}\n`);
  process.stdout.write(`WAL       concurrency 16         : ${fmt(c16)}\n`);
  process.stdout.write(`WAL       concurrency 256        : ${fmt(c256)}\n`);

  const t0 = process.hrtime.bigint();
  const report = await verifyWal(modes[2]!.dir, { publicKey: loadPublicKey(pair.publicPem) });
  const vs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (!report.ok) throw new Error(`the benchmark's WAL does not verify: ${JSON.stringify(report.problem)}`);
  process.stdout.write(`verify    ${report.records.toLocaleString('en-US')} records in ${round(vs, 2)} s (${Math.round(report.records / vs).toLocaleString('en-US')} records/s)\n`);
  process.stdout.write(`targets   c256 >= 50,000/s and >= 10x raw: ${c256.perSec >= 50_000 && c256.perSec >= 10 * base.perSec ? 'met' : 'NOT met'}; c1 p50 <= 1.2x raw p50: ${c1.p50us <= 1.2 * base.p50us ? 'met' : 'NOT met'}\n`);

  printResult({
    name: 'wal_durable_appends_c256',
    unit: 'records/s',
    value: Math.round(c256.perSec),
    baseline: 'raw write+fdatasync loop, one record at a time (node:fs)',
    baseline_value: Math.round(base.perSec),
    better: 'higher',
    c256_p50_us: round(c256.p50us, 1),
    c256_p99_us: round(c256.p99us, 1),
    c16_records_per_s: Math.round(c16.perSec),
    c16_p50_us: round(c16.p50us, 1),
    c16_p99_us: round(c16.p99us, 1),
    c1_records_per_s: Math.round(c1.perSec),
    c1_p50_us: round(c1.p50us, 1),
    c1_p99_us: round(c1.p99us, 1),
    raw_p50_us: round(base.p50us, 1),
    raw_p99_us: round(base.p99us, 1),
    c1_p50_vs_raw_p50: round(c1.p50us / base.p50us, 3),
    verify_records_per_s: Math.round(report.records / vs),
  });
} finally {
  rmSync(root, { recursive: true, force: true });
}
