// Following a live WAL (`autonomy audit tail -f`) through readNewRecords: new records once each,
// and a read that overlaps a write is not mistaken for tampering, while real damage still is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openNodeWal, readNewRecords, readRecords, walDir, type HashedRecord, type LogPosition } from '../../../src/adk/audit/index.ts';
import { decodeFrames } from '../../../src/adk/audit/frame.ts';
import { nodeFs, type WalFs } from '../../../src/adk/audit/fs-seam.ts';
import { AutonomyError } from '../../../src/common/errors.ts';
import { decision, segmentFiles, tempState } from './helpers.ts';

/**
 * Runs fn on a WAL with a few records, still open (so its segment ends in preallocated zeros),
 * with the position of its start and the seqs of every record in it.
 */
async function withLiveWal(fn: (dir: string, start: LogPosition, seqs: number[]) => Promise<void>): Promise<void> {
  const state = tempState();
  const wal = await openNodeWal(state, { checkpointIntervalMs: 0 });
  try {
    for (let i = 0; i < 6; i++) await wal.append(decision(i));
    const dir = walDir(state);
    const seqs: number[] = [];
    await readRecords(dir, (r) => seqs.push(r.seq));
    await fn(dir, { segment: segmentFiles(dir)[0]!, offset: 0 }, seqs);
  } finally {
    await wal.close();
  }
}

/** nodeFs whose reads see the header of a frame in the middle zeroed, for the first `times` reads. */
function overlappingReads(times: number): WalFs {
  let reads = 0;
  return {
    ...nodeFs,
    async readFrom(path, offset) {
      const buf = await nodeFs.readFrom(path, offset);
      if (reads++ < times) {
        const { frames } = decodeFrames(buf);
        buf.fill(0, frames[3]!.offset, frames[3]!.offset + 8);
      }
      return buf;
    },
  };
}

test('a follower reads what was appended after its position, once each', () =>
  withLiveWal(async (dir, start, seqs) => {
    const got: number[] = [];
    const pos = await readNewRecords(dir, start, (r) => got.push(r.seq));
    assert.deepEqual(got, seqs);
    const again: HashedRecord[] = [];
    assert.deepEqual(await readNewRecords(dir, pos, (r) => again.push(r)), pos);
    assert.deepEqual(again, []);
  }));

test('a read that overlaps a write (a later page filled before an earlier one) is read again, not reported', () =>
  withLiveWal(async (dir, start, seqs) => {
    const got: number[] = [];
    await readNewRecords(dir, start, (r) => got.push(r.seq), overlappingReads(1));
    assert.deepEqual(got, seqs);
  }));

test('damage in the middle that is still there on the second read is tampering', () =>
  withLiveWal(async (dir, start) => {
    const got: number[] = [];
    await assert.rejects(
      readNewRecords(dir, start, (r) => got.push(r.seq), overlappingReads(2)),
      (e: unknown) => e instanceof AutonomyError && e.code === 'wal_tampered',
    );
    assert.equal(got.length, 3, 'the records before the damage were still read');
  }));
