// Recovery on open (docs/wal.md, "Recovery rules"): a torn tail is cut and recorded; anything
// else refuses to open, naming segment and seq.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, truncateSync, writeFileSync, statSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { openNodeWal, openWal, readRecords, verifyWal, walDir, type HashedRecord } from '../../../src/adk/audit/index.ts';
import { AutonomyError } from '../../../src/common/errors.ts';
import { segmentName } from '../../../src/adk/audit/segment.ts';
import { decision, nodeKey, segmentFiles, tempState } from './helpers.ts';

/** A closed WAL with some decisions; returns the state dir and the last segment's path. */
async function closedWal(n = 5, opts: { segmentBytes?: number } = {}): Promise<{ state: string; last: string }> {
  const state = tempState();
  const wal = await openNodeWal(state, opts);
  for (let i = 0; i < n; i++) await wal.append(decision(i));
  await wal.close();
  const files = segmentFiles(walDir(state));
  return { state, last: join(walDir(state), files.at(-1)!) };
}

async function records(state: string): Promise<HashedRecord[]> {
  const out: HashedRecord[] = [];
  await readRecords(walDir(state), (r) => out.push(r));
  return out;
}

const tornCases: [string, (path: string) => void][] = [
  ['a short header', (p) => appendFileSync(p, Buffer.from([0x40, 0, 0]))],
  ['a short payload', (p) => appendFileSync(p, Buffer.from([0x40, 0, 0, 0, 1, 2, 3, 4, 0x7b, 0x22]))],
  ['a CRC mismatch of the last record', (p) => appendFileSync(p, Buffer.concat([Buffer.from([8, 0, 0, 0, 1, 2, 3, 4]), Buffer.from('{"a":12}')]))],
  ['a partial record in preallocated space', (p) => appendFileSync(p, Buffer.concat([Buffer.from([0x40, 0, 0, 0, 1, 2, 3, 4, 0x7b]), Buffer.alloc(4096)]))],
];

for (const [name, tear] of tornCases) {
  test(`a torn tail (${name}) fails verify at rest, is cut on open and recorded in the start record`, async () => {
    const { state, last } = await closedWal();
    const size = statSync(last).size;
    const before = await records(state);
    tear(last);
    const report = await verifyWal(walDir(state), { publicKey: nodeKey(state).pub });
    assert.equal(report.ok, false);
    assert.equal(report.problem?.code, 'torn_tail');
    const wal = await openNodeWal(state);
    assert.equal(wal.recovery.previousRun, 'crashed');
    assert.equal(wal.recovery.tornTail?.offset, size);
    await wal.append(decision(99));
    await wal.close();
    const after = await records(state);
    assert.deepEqual(after.slice(0, before.length), before);
    const start = after[before.length]!;
    assert.equal(start.kind, 'start');
    assert.deepEqual((start.detail?.['torn_tail_cut'] as { offset: number }).offset, size);
    assert.equal((await verifyWal(walDir(state), { publicKey: nodeKey(state).pub })).ok, true);
  });
}

test('zeros after the data are preallocated space: the log verifies and appends continue after them', async () => {
  const { state, last } = await closedWal();
  const before = await records(state);
  appendFileSync(last, Buffer.alloc(10_000));
  assert.equal((await verifyWal(walDir(state), { publicKey: nodeKey(state).pub })).ok, true);
  const wal = await openNodeWal(state);
  assert.deepEqual(wal.recovery, { previousRun: 'clean', tornTail: null, incompleteCut: null });
  await wal.append(decision(7));
  await wal.close();
  const after = await records(state);
  assert.deepEqual(after.slice(0, before.length), before);
  assert.equal(after.length, before.length + 5);
  assert.equal((await verifyWal(walDir(state), { publicKey: nodeKey(state).pub })).ok, true);
});

test('the last record torn by a crash (its bytes cut short) is cut off; everything before it survives', async () => {
  const { state, last } = await closedWal();
  const before = await records(state);
  truncateSync(last, statSync(last).size - 5);
  const wal = await openNodeWal(state);
  assert.equal(wal.recovery.tornTail?.problem, 'short_payload');
  await wal.close();
  const after = await records(state);
  // The cut record was the closing checkpoint; the stop before it is still there.
  assert.deepEqual(after.slice(0, before.length - 1), before.slice(0, -1));
});

test('damage before the tail refuses to open with wal_tampered naming the segment, the offset and the seq', async () => {
  const { state, last } = await closedWal(6);
  const bytes = readFileSync(last);
  const at = 200;
  bytes[at]! ^= 0x20;
  writeFileSync(last, bytes);
  await assert.rejects(openNodeWal(state), (e: unknown) => {
    assert.ok(e instanceof AutonomyError);
    assert.equal(e.code, 'wal_tampered');
    assert.match(e.message, new RegExp(`${segmentFiles(walDir(state))[0]}.* seq \\d+`));
    return true;
  });
  // A refused open leaves the lock free for the operator's tools.
  await assert.rejects(openNodeWal(state), (e: unknown) => e instanceof AutonomyError && e.code === 'wal_tampered');
});

test('a missing segment refuses to open', async () => {
  const { state } = await closedWal(30, { segmentBytes: 2048 });
  const files = segmentFiles(walDir(state));
  assert.ok(files.length >= 3);
  truncateSync(join(walDir(state), files[1]!), 0);
  await assert.rejects(openNodeWal(state), (e: unknown) => e instanceof AutonomyError && e.code === 'wal_tampered' && e.message.includes(files[1]!));
});

test('an empty segment left by a crash in the middle of a cut is removed on open', async () => {
  const { state } = await closedWal(3);
  const recs = await records(state);
  const orphan = segmentName(recs.at(-1)!.seq + 2);
  closeSync(openSync(join(walDir(state), orphan), 'wx'));
  const report = await verifyWal(walDir(state), { publicKey: nodeKey(state).pub });
  assert.equal(report.problem?.code, 'unclean_end');
  const wal = await openNodeWal(state);
  assert.equal(wal.recovery.incompleteCut, orphan);
  await wal.close();
  assert.ok(!segmentFiles(walDir(state)).includes(orphan));
  assert.equal((await verifyWal(walDir(state), { publicKey: nodeKey(state).pub })).ok, true);
});

test('a key that does not match the checkpoints refuses to open: losing the node key is never silent', async () => {
  const { state } = await closedWal(2);
  const other = tempState();
  const { key } = nodeKey(other);
  await assert.rejects(openWal({ dir: walDir(state), key }), (e: unknown) => e instanceof AutonomyError && e.code === 'wal_tampered' && /signed by key/.test(e.message));
});
