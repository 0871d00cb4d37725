// ENOSPC and EIO through the fs seam: the append fails loudly, nothing acknowledged is lost,
// nothing unacknowledged is kept, and the WAL carries on when the disk recovers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openWal, readRecords, verifyWal, walDir, type AppendResult, type HashedRecord } from '../../../src/adk/audit/index.ts';
import { AutonomyError } from '../../../src/common/errors.ts';
import { decision, nodeKey, tempState } from './helpers.ts';
import { faultyFs, type Fault } from './faulty-fs.ts';

const faults: Fault[] = [
  { op: 'write', code: 'ENOSPC', partial: 300 },
  { op: 'write', code: 'ENOSPC' },
  { op: 'sync', code: 'EIO' },
  { op: 'write', code: 'EIO', partial: 7 },
];

for (const fault of faults) {
  test(`${fault.code} on ${fault.op}${fault.partial ? ` after ${fault.partial} bytes` : ''}: appends reject with wal_io, then recover`, async () => {
    const state = tempState();
    const fs = faultyFs();
    const { key, pub } = nodeKey(state);
    const wal = await openWal({ dir: walDir(state), key, fs, checkpointEvery: 4 });
    const acked: AppendResult[] = [];
    for (let i = 0; i < 5; i++) acked.push(await wal.append(decision(i)));

    fs.fault = fault;
    const failed = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => wal.append(decision(100 + i))));
    for (const r of failed) {
      assert.equal(r.status, 'rejected');
      assert.ok(r.reason instanceof AutonomyError && r.reason.code === 'wal_io', String(r.reason));
      assert.match(r.reason.message, new RegExp(fault.code));
    }
    // Still failing: the disk has not recovered, and the WAL says so again.
    await assert.rejects(wal.append(decision(200)), (e: unknown) => e instanceof AutonomyError && e.code === 'wal_io');

    fs.fault = null;
    for (let i = 0; i < 5; i++) acked.push(await wal.append(decision(300 + i)));
    await wal.close();

    const recs = new Map<number, HashedRecord>();
    assert.equal(await readRecords(walDir(state), (r) => recs.set(r.seq, r)), null);
    for (const a of acked) assert.equal(recs.get(a.seq)?.hash, a.hash, `acknowledged seq ${a.seq}`);
    const ids = [...recs.values()].map((r) => r.decision_id).filter((x) => x !== undefined);
    assert.ok(!ids.some((id) => /^dec-(1\d\d|200)$/.test(id!)), `an unacknowledged record was kept: ${ids.join(',')}`);
    assert.equal((await verifyWal(walDir(state), { publicKey: pub })).ok, true);
  });
}

test('a disk that stays full while the WAL is closed: close fails loudly and the next open recovers', async () => {
  const state = tempState();
  const fs = faultyFs();
  const { key, pub } = nodeKey(state);
  const wal = await openWal({ dir: walDir(state), key, fs });
  const a = await wal.append(decision(1));
  fs.fault = { op: 'write', code: 'ENOSPC', partial: 100 };
  await assert.rejects(wal.close(), (e: unknown) => e instanceof AutonomyError && e.code === 'wal_io');
  fs.fault = null;
  const again = await openWal({ dir: walDir(state), key, fs });
  assert.equal(again.recovery.previousRun, 'crashed');
  assert.ok(again.recovery.tornTail !== null);
  await again.close();
  const seqs: number[] = [];
  await readRecords(walDir(state), (r) => seqs.push(r.seq));
  assert.ok(seqs.includes(a.seq));
  assert.equal((await verifyWal(walDir(state), { publicKey: pub })).ok, true);
});

test('a failed segment cut (no space for the new file) fails the batch and is retried', async () => {
  const state = tempState();
  const fs = faultyFs();
  const { key, pub } = nodeKey(state);
  const wal = await openWal({ dir: walDir(state), key, fs, segmentBytes: 1024 });
  const acked: AppendResult[] = [];
  for (let i = 0; i < 3; i++) acked.push(await wal.append(decision(i)));
  fs.fault = { op: 'createFile', code: 'ENOSPC' };
  await assert.rejects(wal.append(decision(50)), (e: unknown) => e instanceof AutonomyError && e.code === 'wal_io');
  fs.fault = { op: 'sync', code: 'EIO' };
  await assert.rejects(wal.append(decision(51)), (e: unknown) => e instanceof AutonomyError && e.code === 'wal_io');
  fs.fault = null;
  for (let i = 0; i < 3; i++) acked.push(await wal.append(decision(10 + i)));
  await wal.close();
  const hashes = new Map<number, string>();
  await readRecords(walDir(state), (r) => hashes.set(r.seq, r.hash));
  for (const x of acked) assert.equal(hashes.get(x.seq), x.hash);
  assert.equal((await verifyWal(walDir(state), { publicKey: pub })).ok, true);
});
