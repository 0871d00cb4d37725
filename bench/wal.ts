// `npm run bench -- wal [--quick]`: durable appends per second and append latency at
// concurrency 1, 16 and 256 with ~500-byte records, against a raw loop of write + fdatasync of
// one record at a time with node:fs, measured in the same run on the same disk.
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWal, verifyWal, type AppendInput } from '../src/adk/audit/index.ts';
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

const us = (ns: bigint): number => Number(ns) / 1000;

/** The baseline: one ~500-byte buffer at a time, write then fdatasync, with node:fs. */
async function rawLoop(n: number): Promise<Run> {
  const fh = await open(join(root, 'raw.bin'), 'w');
  const buf = Buffer.alloc(512, 0x61);
  const lat: number[] = [];
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const s = process.hrtime.bigint();
    await fh.write(buf);
    await fh.datasync();
    lat.push(us(process.hrtime.bigint() - s));
  }
  const total = Number(process.hrtime.bigint() - t0) / 1e9;
  await fh.close();
  return { perSec: n / total, p50us: quantile(lat, 0.5), p99us: quantile(lat, 0.99) };
}

/** `concurrency` callers append `n` records in all, each awaiting its own append. */
async function walRun(dir: string, concurrency: number, n: number): Promise<Run> {
  const wal = await openWal({ dir, key, queueLimit: 100_000 });
  const lat: number[] = [];
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const s = process.hrtime.bigint();
        await wal.append(record(i));
        lat.push(us(process.hrtime.bigint() - s));
      }
    }),
  );
  const total = Number(process.hrtime.bigint() - t0) / 1e9;
  await wal.close();
  return { perSec: n / total, p50us: quantile(lat, 0.5), p99us: quantile(lat, 0.99) };
}

const fmt = (r: Run): string => `${Math.round(r.perSec).toLocaleString('en-US')} records/s, p50 ${round(r.p50us, 1)} µs, p99 ${round(r.p99us, 1)} µs`;

try {
  const scale = quick ? 0.2 : 1;
  const sizes = { raw: Math.round(3000 * scale), c1: Math.round(3000 * scale), c16: Math.round(30_000 * scale), c256: Math.round(200_000 * scale) };
  await rawLoop(200); // warm-up: file system and JIT
  await walRun(join(root, 'warm'), 16, 2000);
  const raw = await rawLoop(sizes.raw);
  process.stdout.write(`baseline  raw write+fdatasync loop : ${fmt(raw)}\n`);
  const c1 = await walRun(join(root, 'c1'), 1, sizes.c1);
  process.stdout.write(`WAL       concurrency 1          : ${fmt(c1)}\n`);
  const c16 = await walRun(join(root, 'c16'), 16, sizes.c16);
  process.stdout.write(`WAL       concurrency 16         : ${fmt(c16)}\n`);
  const c256 = await walRun(join(root, 'c256'), 256, sizes.c256);
  process.stdout.write(`WAL       concurrency 256        : ${fmt(c256)}\n`);

  const t0 = process.hrtime.bigint();
  const report = await verifyWal(join(root, 'c256'), { publicKey: loadPublicKey(pair.publicPem) });
  const vs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (!report.ok) throw new Error(`the benchmark's WAL does not verify: ${JSON.stringify(report.problem)}`);
  process.stdout.write(`verify    ${report.records.toLocaleString('en-US')} records in ${round(vs, 2)} s (${Math.round(report.records / vs).toLocaleString('en-US')} records/s)\n`);
  process.stdout.write(`targets   c256 >= 50,000/s and >= 10x raw: ${c256.perSec >= 50_000 && c256.perSec >= 10 * raw.perSec ? 'met' : 'NOT met'}; c1 p50 <= 1.2x raw p50: ${c1.p50us <= 1.2 * raw.p50us ? 'met' : 'NOT met'}\n`);

  printResult({
    name: 'wal_durable_appends_c256',
    unit: 'records/s',
    value: Math.round(c256.perSec),
    baseline: 'raw write+fdatasync loop, one record at a time (node:fs)',
    baseline_value: Math.round(raw.perSec),
    better: 'higher',
    c256_p50_us: round(c256.p50us, 1),
    c256_p99_us: round(c256.p99us, 1),
    c16_records_per_s: Math.round(c16.perSec),
    c16_p50_us: round(c16.p50us, 1),
    c16_p99_us: round(c16.p99us, 1),
    c1_records_per_s: Math.round(c1.perSec),
    c1_p50_us: round(c1.p50us, 1),
    c1_p99_us: round(c1.p99us, 1),
    raw_p50_us: round(raw.p50us, 1),
    raw_p99_us: round(raw.p99us, 1),
    c1_p50_vs_raw_p50: round(c1.p50us / raw.p50us, 3),
    verify_records_per_s: Math.round(report.records / vs),
  });
} finally {
  rmSync(root, { recursive: true, force: true });
}
