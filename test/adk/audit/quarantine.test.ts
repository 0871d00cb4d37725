// Quarantine: the damaged part is set aside, a new epoch starts with a record naming it, and
// the log verifies and accepts appends again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openNodeWal, quarantineWal, readRecords, verifyWal, walDir, type HashedRecord } from '../../../src/adk/audit/index.ts';
import { decision, nodeKey, segmentFiles, tempState } from './helpers.ts';
import { faultyFs } from './faulty-fs.ts';
import { AutonomyError } from '../../../src/common/errors.ts';

async function damagedWal(damage: (dir: string, files: string[]) => void): Promise<{ state: string; before: HashedRecord[] }> {
  const state = tempState();
  const wal = await openNodeWal(state, { segmentBytes: 2048, checkpointEvery: 5 });
  for (let i = 0; i < 30; i++) await wal.append(decision(i));
  await wal.close();
  const before: HashedRecord[] = [];
  await readRecords(walDir(state), (r) => before.push(r));
  damage(walDir(state), segmentFiles(walDir(state)));
  return { state, before };
}

async function quarantineAndCheck(state: string, before: HashedRecord[]): Promise<HashedRecord[]> {
  const { key, pub } = nodeKey(state);
  const damaged = await verifyWal(walDir(state), { publicKey: pub });
  assert.equal(damaged.ok, false);
  const movedBytes = (files: string[], dir: string) => createHash('sha256').update(Buffer.concat(files.map((f) => readFileSync(join(dir, f))))).digest('hex');

  const q = await quarantineWal({ dir: walDir(state), key });
  assert.ok(q);
  assert.equal(q.from_seq, (damaged.lastSeq ?? 0) + 1);
  assert.equal(q.sha256, movedBytes(q.files, join(walDir(state), q.moved_to)));
  assert.equal((await verifyWal(walDir(state), { publicKey: pub })).ok, true);

  const wal = await openNodeWal(state);
  const a = await wal.append(decision(1000));
  await wal.close();
  const after: HashedRecord[] = [];
  await readRecords(walDir(state), (r) => after.push(r));
  const marker = after.find((r) => r.kind === 'quarantine')!;
  assert.equal(marker.epoch, 2);
  assert.equal(marker.seq, q.to_seq + 1);
  assert.deepEqual(marker.detail, { from_seq: q.from_seq, to_seq: q.to_seq, files: q.files, bytes: q.bytes, sha256: q.sha256, code: q.code, reason: q.reason, moved_to: q.moved_to });
  assert.equal(after.find((r) => r.seq === a.seq)?.epoch, 2);
  // The intact prefix is untouched.
  assert.deepEqual(after.slice(0, q.from_seq - 1), before.slice(0, q.from_seq - 1));
  assert.equal((await verifyWal(walDir(state), { publicKey: pub })).ok, true);
  return after;
}

test('a flipped byte in the middle: the segment from that record on is set aside, its prefix kept', async () => {
  const { state, before } = await damagedWal((dir, files) => {
    const p = join(dir, files[1]!);
    const b = readFileSync(p);
    b[600]! ^= 1;
    writeFileSync(p, b);
  });
  const after = await quarantineAndCheck(state, before);
  const marker = after.find((r) => r.kind === 'quarantine')!;
  assert.ok(marker.seq > before.at(-1)!.seq, 'a seq still readable in the damaged part is never reused');
});

test('a deleted segment in the middle', async () => {
  const { state, before } = await damagedWal((dir, files) => rmSync(join(dir, files[1]!)));
  await quarantineAndCheck(state, before);
});

test('the last segment deleted after a cut', async () => {
  const { state, before } = await damagedWal((dir, files) => rmSync(join(dir, files.at(-1)!)));
  await quarantineAndCheck(state, before);
});

test('the very first record damaged: everything is set aside and the new epoch starts from genesis', async () => {
  const { state, before } = await damagedWal((dir, files) => {
    const p = join(dir, files[0]!);
    const b = readFileSync(p);
    b[20]! ^= 1;
    writeFileSync(p, b);
  });
  const after = await quarantineAndCheck(state, before);
  assert.equal(after[0]!.kind, 'quarantine');
  assert.equal(after[0]!.prev_hash, '0'.repeat(64));
});

test('an intact log, or one with only a torn tail, has nothing to quarantine', async () => {
  const { state } = await damagedWal(() => {});
  assert.equal(await quarantineWal({ dir: walDir(state), key: nodeKey(state).key }), null);
  assert.ok(!existsSync(join(walDir(state), 'quarantine')));
});

test('an interrupted quarantine refuses opens, fails verify, and is finished exactly as planned by the next run', async () => {
  // Interrupt before each rename in turn: the plan, each moved file, the prefix, the new segment.
  for (let k = 0; ; k++) {
    const { state, before } = await damagedWal((dir, files) => {
      const p = join(dir, files[1]!);
      const b = readFileSync(p);
      b[600]! ^= 1;
      writeFileSync(p, b);
      rmSync(join(dir, files[2]!));
    });
    const { key, pub } = nodeKey(state);
    const fs = faultyFs();
    fs.renamesBeforeFailure = k;
    const first = await quarantineWal({ dir: walDir(state), key, fs }).then(
      (r) => r,
      (e: unknown) => e,
    );
    if (!(first instanceof Error)) {
      assert.ok(k >= 3, `${k} renames suffice`);
      return;
    }
    if (k > 0) {
      await assert.rejects(openNodeWal(state), (e: unknown) => e instanceof AutonomyError && e.code === 'wal_quarantine_pending');
      assert.equal((await verifyWal(walDir(state), { publicKey: pub })).problem?.code, 'quarantine_pending');
    }
    const q = await quarantineWal({ dir: walDir(state), key });
    assert.ok(q, `interrupted after ${k} renames`);
    assert.equal(q.sha256, createHash('sha256').update(Buffer.concat(q.files.map((f) => readFileSync(join(walDir(state), q.moved_to, f))))).digest('hex'));
    assert.equal((await verifyWal(walDir(state), { publicKey: pub })).ok, true, `interrupted after ${k} renames`);
    const after: HashedRecord[] = [];
    await readRecords(walDir(state), (r) => after.push(r));
    assert.deepEqual(after.slice(0, q.from_seq - 1), before.slice(0, q.from_seq - 1));
    assert.equal(after.filter((r) => r.kind === 'quarantine').length, 1);
  }
});
