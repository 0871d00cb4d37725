// The writer through its public interface: group commit, backpressure, records, checkpoints,
// segment cuts, the single-writer lock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openNodeWal, openWal, readRecords, verifyWal, walDir, type HashedRecord } from '../../../src/adk/audit/index.ts';
import { AutonomyError } from '../../../src/common/errors.ts';
import { sha256Hex } from '../../../src/common/hash.ts';
import { canonicalJson } from '../../../src/adk/audit/canonical.ts';
import { decision, nodeKey, segmentFiles, tempState } from './helpers.ts';
import { faultyFs } from './faulty-fs.ts';

const isCode = (code: string) => (e: unknown) => e instanceof AutonomyError && e.code === code;

async function all(dir: string): Promise<HashedRecord[]> {
  const out: HashedRecord[] = [];
  assert.equal(await readRecords(dir, (r) => out.push(r)), null);
  return out;
}

test('a new state directory: owner-only dirs and key, a start run, and records that read back with their hashes', async () => {
  const state = join(tempState(), 'state');
  const wal = await openNodeWal(state);
  assert.deepEqual(wal.recovery, { previousRun: 'none', tornTail: null, incompleteCut: null });
  const r1 = await wal.append(decision(1));
  const r2 = await wal.append({ ...decision(2), context: { server: 'fs', transport: 'stdio' } });
  assert.equal(r2.seq, r1.seq + 1);
  assert.deepEqual(wal.head(), r2);
  await wal.close();
  assert.equal(statSync(state).mode & 0o777, 0o700);
  assert.equal(statSync(walDir(state)).mode & 0o777, 0o700);
  assert.equal(statSync(join(state, 'node.key')).mode & 0o777, 0o600);
  for (const f of segmentFiles(walDir(state))) assert.equal(statSync(join(walDir(state), f)).mode & 0o777, 0o600);

  const recs = await all(walDir(state));
  assert.deepEqual(recs.map((r) => r.kind), ['start', 'checkpoint', 'decision', 'decision', 'stop', 'checkpoint']);
  const d = recs.find((r) => r.seq === r1.seq)!;
  assert.equal(d.hash, r1.hash);
  assert.equal(d.decision_id, 'dec-1');
  assert.equal(d.args_hash, sha256Hex(canonicalJson(decision(1).args)));
  assert.deepEqual(d.agent, { id: 'agent-7' });
  assert.equal(d.context, undefined);
  assert.deepEqual(recs.find((r) => r.seq === r2.seq)!.context, { server: 'fs', transport: 'stdio' });
  assert.match(d.time, /^\d{19}$/);
  for (let i = 1; i < recs.length; i++) assert.equal(recs[i]!.prev_hash, recs[i - 1]!.hash);
  const report = await verifyWal(walDir(state), { publicKey: nodeKey(state).pub });
  assert.equal(report.ok, true);
  assert.equal(report.records, 6);
});

test('group commit: 256 concurrent appends share far fewer fsyncs, each resolves with its own seq', async () => {
  const state = tempState();
  const fs = faultyFs();
  const wal = await openWal({ dir: walDir(state), key: nodeKey(state).key, fs, checkpointEvery: 100_000 });
  const before = fs.writes;
  const results = await Promise.all(Array.from({ length: 256 }, (_, i) => wal.append(decision(i))));
  const syncs = fs.writes - before;
  assert.ok(syncs <= 3, `${syncs} durable writes for 256 appends`);
  assert.deepEqual(results.map((r) => r.seq), results.map((_, i) => results[0]!.seq + i));
  await wal.close();
  const bySeq = new Map((await all(walDir(state))).map((r) => [r.seq, r]));
  results.forEach((r, i) => assert.equal(bySeq.get(r.seq)?.decision_id, `dec-${i}`));
});

test('onFlush reports each group commit: its duration and the records it carried', async () => {
  const state = tempState();
  const flushes: { seconds: number; records: number }[] = [];
  const wal = await openWal({ dir: walDir(state), key: nodeKey(state).key, checkpointEvery: 100_000, onFlush: (seconds, records) => flushes.push({ seconds, records }) });
  assert.deepEqual(flushes.map((f) => f.records), [2], 'the start record and its checkpoint, in one batch');
  flushes.length = 0;
  await Promise.all(Array.from({ length: 100 }, (_, i) => wal.append(decision(i))));
  assert.equal(flushes.reduce((n, f) => n + f.records, 0), 100);
  assert.ok(flushes.length <= 3 && flushes.every((f) => f.seconds >= 0), JSON.stringify(flushes));
  await wal.close();
});

test('backpressure: beyond queueLimit appends reject at once with wal_backpressure; the rest land', async () => {
  const state = tempState();
  const fs = faultyFs();
  const wal = await openWal({ dir: walDir(state), key: nodeKey(state).key, fs, queueLimit: 8 });
  let open!: () => void;
  fs.gate = new Promise((r) => (open = r));
  const settled = Array.from({ length: 12 }, (_, i) => wal.append(decision(i)).then((r) => r, (e: unknown) => e));
  fs.gate = null;
  open();
  const out = await Promise.all(settled);
  const rejected = out.filter((x) => x instanceof AutonomyError);
  assert.equal(rejected.length, 4);
  assert.ok(rejected.every(isCode('wal_backpressure')));
  await wal.close();
  assert.equal((await all(walDir(state))).filter((r) => r.kind === 'decision').length, 8);
});

test('bad records and reserved kinds are rejected before they are queued', async () => {
  const state = tempState();
  const wal = await openNodeWal(state);
  await assert.rejects(wal.append({ ...decision(1), kind: 'checkpoint' as 'decision' }), isCode('wal_bad_record'));
  await assert.rejects(wal.append({ ...decision(1), decision: 'maybe' as 'allow' }), isCode('wal_bad_record'));
  await assert.rejects(wal.append({ ...decision(1), args: { n: NaN } }), isCode('wal_bad_record'));
  await assert.rejects(wal.append({ ...decision(1), latency_ns: -1 }), isCode('wal_bad_record'));
  await assert.rejects(wal.append({ ...decision(1), args: { big: 'x'.repeat(17 * 1024 * 1024) } }), isCode('wal_bad_record'));
  const ok = await wal.append({ kind: 'policy_activation', revision: 'r2', digest: 'd', detail: { bundle: 'b.tar.gz' } });
  await wal.close();
  await assert.rejects(wal.append(decision(2)), isCode('wal_closed'));
  const recs = await all(walDir(state));
  assert.deepEqual(recs.filter((r) => r.kind !== 'checkpoint').map((r) => r.kind), ['start', 'policy_activation', 'stop']);
  assert.equal(recs.find((r) => r.seq === ok.seq)!.revision, 'r2');
});

test('redaction: hashed and omitted fields never reach the disk, args_hash covers the original', async () => {
  const state = tempState();
  const wal = await openNodeWal(state, { redaction: { paths: { token: 'omitted', 'body.card': 'hashed' } } });
  const args = { url: 'https://x', token: 'SECRET-TOKEN', body: { card: '4111-1111', qty: 2 } };
  const { seq } = await wal.append({ ...decision(1), args });
  await wal.close();
  for (const f of segmentFiles(walDir(state))) {
    const text = readFileSync(join(walDir(state), f), 'latin1');
    assert.doesNotMatch(text, /SECRET-TOKEN|4111-1111/);
  }
  const r = (await all(walDir(state))).find((x) => x.seq === seq)!;
  assert.deepEqual(r.args, { url: 'https://x', body: { card: `sha256:${sha256Hex('"4111-1111"')}`, qty: 2 } });
  assert.equal(r.args_hash, sha256Hex(canonicalJson(args)));
});

test('checkpoints every N records and on request; segments are cut at the size limit and end with a roll checkpoint', async () => {
  const state = tempState();
  const wal = await openNodeWal(state, { checkpointEvery: 10, segmentBytes: 8192 });
  for (let i = 0; i < 100; i++) await wal.append(decision(i));
  await wal.append(decision(100));
  const cp = await wal.checkpoint();
  assert.equal(cp.seq, wal.head().seq);
  await wal.close();
  const recs = await all(walDir(state));
  const decisionsSinceCheckpoint: number[] = [];
  let n = 0;
  for (const r of recs) {
    if (r.kind === 'checkpoint') {
      decisionsSinceCheckpoint.push(n);
      n = 0;
    } else n++;
  }
  assert.ok(decisionsSinceCheckpoint.every((k) => k <= 10));
  assert.ok(decisionsSinceCheckpoint.filter((k) => k === 10).length >= 3, String(decisionsSinceCheckpoint));
  const files = segmentFiles(walDir(state));
  assert.ok(files.length >= 5, `${files.length} segments`);
  for (const f of files.slice(0, -1)) assert.ok(statSync(join(walDir(state), f)).size < 8192 + 1024);
  const firstSeqs = files.map((f) => Number(f.slice(0, 20)));
  const rolls = recs.filter((r) => r.detail?.['roll'] === true);
  assert.deepEqual(rolls.map((r) => r.seq + 1), firstSeqs.slice(1));
  assert.equal((await verifyWal(walDir(state), { publicKey: nodeKey(state).pub })).ok, true);
});

test('a second writer is refused while the first holds the lock; reopening after close works', async () => {
  const state = tempState();
  const wal = await openNodeWal(state);
  await assert.rejects(openNodeWal(state), isCode('wal_locked'));
  await wal.close();
  const again = await openNodeWal(state);
  assert.equal(again.recovery.previousRun, 'clean');
  await again.close();
});

test('records stay chained across runs, each run starting with start and ending with stop', async () => {
  const state = tempState();
  for (let run = 0; run < 3; run++) {
    const wal = await openNodeWal(state);
    await Promise.all([1, 2, 3].map((i) => wal.append(decision(run * 10 + i))));
    await wal.close();
  }
  const recs = await all(walDir(state));
  assert.equal(recs.filter((r) => r.kind === 'start').length, 3);
  assert.equal(recs.filter((r) => r.kind === 'stop').length, 3);
  assert.deepEqual(recs.map((r) => r.seq), recs.map((_, i) => i + 1));
  assert.equal((await verifyWal(walDir(state), { publicKey: nodeKey(state).pub })).ok, true);
});

test('a checkpoint is written after checkpointIntervalMs when records arrived since the last one', { timeout: 20_000 }, async () => {
  const state = tempState();
  const wal = await openNodeWal(state, { checkpointIntervalMs: 20, checkpointEvery: 1_000_000 });
  const { seq } = await wal.append(decision(1));
  // Wait for the event itself (bounded by the test's timeout), never for a duration.
  while (wal.head().seq === seq) await new Promise((r) => setTimeout(r, 5));
  const head = wal.head();
  await wal.close();
  const recs = await all(walDir(state));
  const cp = recs.find((r) => r.seq === head.seq)!;
  assert.equal(cp.kind, 'checkpoint');
  assert.equal(cp.seq, seq + 1);
});

test('verify while a writer has the log open: the open tail is fine, the writer is named, progress is reported per segment', async () => {
  const state = tempState();
  const wal = await openNodeWal(state, { segmentBytes: 2048 });
  for (let i = 0; i < 20; i++) await wal.append(decision(i));
  const progress: number[] = [];
  const live = await verifyWal(walDir(state), { publicKey: nodeKey(state).pub, onProgress: (p) => progress.push(p.segmentsDone) });
  assert.equal(live.ok, true, JSON.stringify(live.problem));
  assert.equal(live.liveWriter, process.pid);
  assert.equal(live.cleanEnd, false);
  assert.ok(live.unsealed > 0);
  assert.deepEqual(progress, progress.map((_, i) => i + 1));
  assert.ok(progress.length >= 3);
  await wal.close();
  const closed = await verifyWal(walDir(state), { publicKey: nodeKey(state).pub });
  assert.equal(closed.liveWriter, null);
  assert.equal(closed.cleanEnd, true);
});
