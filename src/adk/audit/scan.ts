// Reads a WAL directory in log order and checks every rule of docs/wal.md: frames, canonical
// payloads, the hash chain, sequence and epoch continuity, segment names and cuts, checkpoint
// signatures. Shared by verify, recovery on open, quarantine and the readers (export, tail).
import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { AutonomyError } from '../../common/errors.ts';
import { sha256Hex } from '../../common/hash.ts';
import { keyId } from '../../common/ed25519.ts';
import { checkpointProblem, isRoll } from './checkpoint.ts';
import { decodeFrames, frameSize, type FrameProblem } from './frame.ts';
import { decodeRecord, GENESIS_HASH, RecordKind, type WalRecord } from './record.ts';
import { listSegments, segmentName, type SegmentRef } from './segment.ts';
import type { WalFs } from './fs-seam.ts';

/** The first place where the log is not what the writer could have written. */
export interface Damage {
  segment: string;
  /** Index into ScanResult.segments; segments.length when a segment is missing at the end. */
  segmentIndex: number;
  /** Byte offset in the segment where the intact prefix ends. */
  offset: number;
  /** The seq of the bad record, or the seq expected there when it cannot be read. */
  seq: number;
  code: string;
  reason: string;
}

/** Bytes at the end of the last segment that a crash left half-written. */
export interface TornTail {
  segment: string;
  offset: number;
  bytes: number;
  problem: FrameProblem;
}

/** The last intact record. */
export interface Head {
  seq: number;
  hash: string;
  epoch: number;
  kind: RecordKind;
  /** Byte offset just after it in its segment. */
  end: number;
  segment: string;
}

/** What a scan found; it stops at the first damage. */
export interface ScanResult {
  segments: SegmentRef[];
  records: number;
  firstSeq: number | null;
  head: Head | null;
  lastCheckpoint: { seq: number; time: string; keyId: string } | null;
  /** Records after the last checkpoint. */
  unsealed: number;
  /** The log ends with `stop, checkpoint`: the last run was closed cleanly. */
  cleanEnd: boolean;
  signaturesChecked: boolean;
  torn: TornTail | null;
  /** An empty last segment left by a crash in the middle of a cut. */
  incompleteCut: string | null;
  damage: Damage | null;
}

/** Progress of a scan, reported after each segment. */
export interface ScanProgress {
  segmentsDone: number;
  segmentsTotal: number;
  records: number;
  bytes: number;
}

/** Options of scanWal. */
export interface ScanOptions {
  publicKey?: KeyObject | undefined;
  onRecord?: ((record: WalRecord, hash: string) => void) | undefined;
  onProgress?: ((p: ScanProgress) => void) | undefined;
}

/** Scans the WAL in dir; throws only when a file cannot be read. */
export async function scanWal(fs: WalFs, dir: string, opts: ScanOptions = {}): Promise<ScanResult> {
  const segments = await listSegments(fs, dir);
  const pubKeyId = opts.publicKey ? keyId(opts.publicKey) : null;
  const res: ScanResult = {
    segments, records: 0, firstSeq: null, head: null, lastCheckpoint: null, unsealed: 0, cleanEnd: false,
    signaturesChecked: opts.publicKey !== undefined, torn: null, incompleteCut: null, damage: null,
  };
  let prev: WalRecord | null = null;
  let kindBeforePrev: RecordKind | null = null;
  let prevHash = GENESIS_HASH;
  let bytes = 0;

  for (let si = 0; si < segments.length && !res.damage && !res.torn; si++) {
    const seg = segments[si]!;
    const last = si === segments.length - 1;
    let buf: Buffer;
    try {
      buf = await fs.readFile(join(dir, seg.name));
    } catch (e) {
      throw new AutonomyError('wal_io', `cannot read segment ${seg.name}: ${(e as Error).message}`, { cause: e });
    }
    bytes += buf.length;
    const expectedSeq = (prev?.seq ?? 0) + 1;
    const fail = (offset: number, seq: number, code: string, reason: string): void => {
      res.damage = { segment: seg.name, segmentIndex: si, offset, seq, code, reason };
    };
    const { frames, damage } = decodeFrames(buf);

    if (frames.length === 0 && !damage) {
      // Only the last segment may be empty: right after a cut, or a cut a crash interrupted.
      if (!last) fail(0, expectedSeq, 'empty_segment', `segment ${seg.name} is empty but is not the last`);
      else if (seg.firstSeq === expectedSeq && (prev === null || isRoll(prev))) { /* a completed cut */ }
      else if (prev !== null && !isRoll(prev) && seg.firstSeq === prev.seq + 2) res.incompleteCut = seg.name;
      else fail(0, expectedSeq, 'segment_name', `segment ${seg.name} does not follow seq ${expectedSeq - 1}`);
      continue;
    }

    for (let fi = 0; fi < frames.length; fi++) {
      const { offset, payload } = frames[fi]!;
      const want = (prev?.seq ?? 0) + 1;
      let rec: WalRecord;
      try {
        rec = decodeRecord(payload.toString('utf8'));
      } catch (e) {
        fail(offset, want, 'bad_record', `record after seq ${want - 1}: ${(e as Error).message}`);
        break;
      }
      const problem = chainProblem(rec, prev, prevHash, fi === 0 ? seg : null, pubKeyId, opts.publicKey);
      if (problem) {
        fail(offset, rec.seq, problem[0], problem[1]);
        break;
      }
      prevHash = sha256Hex(payload);
      kindBeforePrev = prev?.kind ?? null;
      prev = rec;
      res.records++;
      res.firstSeq ??= rec.seq;
      res.head = { seq: rec.seq, hash: prevHash, epoch: rec.epoch, kind: rec.kind, end: offset + frameSize(payload.length), segment: seg.name };
      if (rec.kind === RecordKind.checkpoint) {
        res.lastCheckpoint = { seq: rec.seq, time: rec.time, keyId: String(rec.detail?.['key_id']) };
        res.unsealed = 0;
      } else res.unsealed++;
      opts.onRecord?.(rec, prevHash);
    }
    if (res.damage) break;
    if (damage) {
      if (last && damage.atTail && damage.problem !== 'bad_padding') {
        res.torn = { segment: seg.name, offset: damage.offset, bytes: buf.length - damage.offset, problem: damage.problem };
      } else {
        fail(damage.offset, (prev?.seq ?? 0) + 1, damage.problem, `${damage.problem.replace('_', ' ')} at offset ${damage.offset} of ${seg.name}, before the end of the log`);
      }
    }
    opts.onProgress?.({ segmentsDone: si + 1, segmentsTotal: segments.length, records: res.records, bytes });
  }

  if (!res.damage && prev && isRoll(prev) && res.head?.segment === segments.at(-1)?.name) {
    const missing = prev.seq + 1;
    res.damage = { segment: segmentName(missing), segmentIndex: segments.length, offset: 0, seq: missing, code: 'missing_segment', reason: `the segment starting at seq ${missing} is missing (seq ${prev.seq} cut the log there)` };
  }
  res.cleanEnd = !res.damage && !res.torn && !res.incompleteCut && prev?.kind === RecordKind.checkpoint && !isRoll(prev) && kindBeforePrev === RecordKind.stop;
  return res;
}

/** The first chain rule a record breaks, as [code, reason], or null. */
export function chainProblem(rec: WalRecord, prev: WalRecord | null, prevHash: string, firstOf: SegmentRef | null, pubKeyId: string | null, publicKey: KeyObject | undefined): [string, string] | null {
  const prevSeq = prev?.seq ?? 0;
  const prevEpoch = prev?.epoch ?? 1;
  if (firstOf && rec.seq !== firstOf.firstSeq) return ['segment_name', `segment ${firstOf.name} starts with seq ${rec.seq}`];
  if (prev && isRoll(prev) && !firstOf) return ['roll', `seq ${prev.seq} cuts the segment but seq ${rec.seq} follows it in the same file`];
  if (prev && !isRoll(prev) && firstOf && rec.kind !== RecordKind.quarantine) return ['missing_segment', `segment ${firstOf.name} follows seq ${prevSeq}, which did not cut its segment`];
  if (rec.kind === RecordKind.quarantine) {
    const from = rec.detail?.['from_seq'];
    const to = rec.detail?.['to_seq'];
    if (rec.epoch !== prevEpoch + 1) return ['epoch', `seq ${rec.seq}: quarantine must start epoch ${prevEpoch + 1}, not ${rec.epoch}`];
    if (from !== prevSeq + 1 || to !== rec.seq - 1 || rec.seq <= prevSeq) return ['seq_gap', `seq ${rec.seq}: quarantine range ${String(from)}..${String(to)} does not follow seq ${prevSeq}`];
  } else {
    if (rec.seq !== prevSeq + 1) return ['seq_gap', `expected seq ${prevSeq + 1}, found seq ${rec.seq}`];
    if (rec.epoch !== prevEpoch) return ['epoch', `seq ${rec.seq}: epoch ${rec.epoch} where ${prevEpoch} was expected`];
  }
  if (rec.prev_hash !== prevHash) return ['chain_break', `seq ${rec.seq}: prev_hash does not match the hash of seq ${prevSeq}`];
  if (rec.kind === RecordKind.checkpoint && publicKey && pubKeyId) {
    const why = checkpointProblem(rec, publicKey, pubKeyId);
    if (why) return ['bad_signature', why];
  }
  return null;
}
