// `verify`: the whole log checked against the rules of docs/wal.md, including how it ends.
import type { KeyObject } from 'node:crypto';
import { AutonomyError } from '../../common/errors.ts';
import { nodeFs, type WalFs } from './fs-seam.ts';
import { PENDING_FILE, pendingPlan } from './quarantine.ts';
import { scanWal, type ScanProgress, type ScanResult } from './scan.ts';
import { lockHolder } from './segment.ts';

/** The first reason the log does not verify. */
export interface VerifyProblem {
  code: string;
  segment: string;
  offset: number;
  seq: number;
  reason: string;
}

/** The outcome of verifyWal. */
export interface VerifyReport {
  ok: boolean;
  problem: VerifyProblem | null;
  records: number;
  firstSeq: number | null;
  lastSeq: number | null;
  headHash: string | null;
  lastCheckpoint: ScanResult['lastCheckpoint'];
  unsealed: number;
  signaturesChecked: boolean;
  /** Pid of a live process appending to the log, whose tail may legitimately be open. */
  liveWriter: number | null;
  cleanEnd: boolean;
}

/** Options of verifyWal. */
export interface VerifyOptions {
  /** Checkpoint signatures are checked against this key; without it only the chain is checked. */
  publicKey?: KeyObject | undefined;
  onProgress?: ((p: ScanProgress) => void) | undefined;
  fs?: WalFs;
}

/** Verifies the WAL in dir without modifying it; throws `wal_not_found` if there is none. */
export async function verifyWal(dir: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const fs = opts.fs ?? nodeFs;
  const scan = await scanWal(fs, dir, { publicKey: opts.publicKey, onProgress: opts.onProgress });
  const pending = await pendingPlan(fs, dir);
  if (scan.segments.length === 0 && !pending) throw new AutonomyError('wal_not_found', `no WAL segments in ${dir}`);
  const liveWriter = await lockHolder(fs, dir);
  const next = (scan.head?.seq ?? 0) + 1;
  const lastSegment = scan.head?.segment ?? scan.segments.at(-1)?.name ?? '';
  let problem: VerifyProblem | null = null;
  if (pending) {
    const r = pending.result;
    problem = { code: 'quarantine_pending', segment: PENDING_FILE, offset: 0, seq: r.from_seq, reason: `a quarantine of seq ${r.from_seq}..${r.to_seq} was interrupted; run \`autonomy audit quarantine\` again to finish it` };
  } else if (scan.damage) {
    const { code, segment, offset, seq, reason } = scan.damage;
    problem = { code, segment, offset, seq, reason };
  } else if (!scan.cleanEnd && liveWriter === null) {
    // At rest a log ends with `stop, checkpoint`; anything else is a crash not yet recovered
    // or records cut from the end, and the two cannot be told apart from the log alone.
    problem = scan.torn
      ? { code: 'torn_tail', segment: scan.torn.segment, offset: scan.torn.offset, seq: next, reason: `${scan.torn.bytes} bytes at the end of ${scan.torn.segment} are a torn record (${scan.torn.problem.replace('_', ' ')}): a crash the next open will cut off, or tampering` }
      : scan.incompleteCut
        ? { code: 'unclean_end', segment: scan.incompleteCut, offset: 0, seq: next, reason: `the log ends in an interrupted segment cut (${scan.incompleteCut} is empty): a crash the next open will record, or tampering` }
        : { code: 'unclean_end', segment: lastSegment, offset: scan.head?.end ?? 0, seq: next, reason: `the log does not end with a stop record and a checkpoint, and no process has it open: the writer crashed (the next open records it) or records were cut from the end` };
  }
  return {
    ok: problem === null,
    problem,
    records: scan.records,
    firstSeq: scan.firstSeq,
    lastSeq: scan.head?.seq ?? null,
    headHash: scan.head?.hash ?? null,
    lastCheckpoint: scan.lastCheckpoint,
    unsealed: scan.unsealed,
    signaturesChecked: scan.signaturesChecked,
    liveWriter,
    cleanEnd: scan.cleanEnd,
  };
}
