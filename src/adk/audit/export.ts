// Readers for people and tools: filtered export (JSON Lines, CSV), lookup by decision id, and
// the last records of the log. They read through the same checks as verify and stop at damage.
import { join } from 'node:path';
import { AutonomyError } from '../../common/errors.ts';
import { sha256Hex } from '../../common/hash.ts';
import { decodeFrames } from './frame.ts';
import { nodeFs, type WalFs } from './fs-seam.ts';
import { decodeRecord, type WalRecord } from './record.ts';
import { scanWal, type ScanResult } from './scan.ts';
import { listSegments } from './segment.ts';

/** A record with its hash, as readers present it. */
export type HashedRecord = WalRecord & { hash: string };

/** Export filters; times are nanoseconds since the Unix epoch. */
export interface RecordFilter {
  since?: bigint;
  until?: bigint;
  tool?: string;
  decision?: 'allow' | 'deny';
  kind?: string;
}

/** Parses a time given as ISO 8601 or as integer nanoseconds since the epoch. */
export function parseTime(text: string, flag: string): bigint {
  if (/^\d+$/.test(text)) return BigInt(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new AutonomyError('bad_time', `${flag}: ${JSON.stringify(text)} is neither an ISO 8601 time nor nanoseconds since the epoch`);
  return BigInt(ms) * 1_000_000n;
}

/** True iff the record passes every given filter. */
export function matches(r: WalRecord, f: RecordFilter): boolean {
  const t = BigInt(r.time);
  return (f.since === undefined || t >= f.since) && (f.until === undefined || t < f.until) && (f.tool === undefined || r.tool === f.tool) &&
    (f.decision === undefined || r.decision === f.decision) && (f.kind === undefined || r.kind === f.kind);
}

/** Calls onRecord for every intact record in log order; returns the damage that stopped it, if any. */
export async function readRecords(dir: string, onRecord: (r: HashedRecord) => void, fs: WalFs = nodeFs): Promise<ScanResult['damage']> {
  return (await readLog(dir, onRecord, fs)).damage;
}

/** readRecords, returning the whole scan (head position included). */
export async function readLog(dir: string, onRecord: (r: HashedRecord) => void, fs: WalFs = nodeFs): Promise<ScanResult> {
  const scan = await scanWal(fs, dir, { onRecord: (r, hash) => onRecord({ ...r, hash }) });
  if (scan.segments.length === 0) throw new AutonomyError('wal_not_found', `no WAL segments in ${dir}`);
  return scan;
}

/** A reading position: a segment and a byte offset in it. */
export interface LogPosition {
  segment: string;
  offset: number;
}

/** How long a follower waits before it believes damage in the middle of what it read. */
const CONFIRM_MS = 100;

/**
 * Reads the records appended after `from` (as `tail -f` does) and returns the new position.
 * Incomplete frames at the end are left for the next call: a writer may be in the middle of
 * a batch. Damage stops the reader with `wal_tampered`.
 */
export async function readNewRecords(dir: string, from: LogPosition, onRecord: (r: HashedRecord) => void, fs: WalFs = nodeFs): Promise<LogPosition> {
  let pos = from;
  let rereading = false;
  for (;;) {
    // Only the bytes after the position: a follower must not read a whole segment per poll.
    const buf = await fs.readFrom(join(dir, pos.segment), pos.offset);
    const { frames, damage, end } = decodeFrames(buf);
    if (damage && !damage.atTail && !rereading) {
      // A read that overlaps a write can see a later page of the batch filled before an
      // earlier one, which looks like damage in the middle. The write is over a moment later;
      // damage still there then is real.
      rereading = true;
      await new Promise((r) => setTimeout(r, CONFIRM_MS));
      continue;
    }
    for (const f of frames) {
      const r = decodeRecord(f.payload.toString('utf8'));
      onRecord({ ...r, hash: sha256Hex(f.payload) });
    }
    pos = { segment: pos.segment, offset: pos.offset + end };
    if (damage && !damage.atTail) throw new AutonomyError('wal_tampered', `${pos.segment} at offset ${pos.offset}: ${damage.problem}`);
    if (damage) return pos;
    const next = (await listSegments(fs, dir)).find((s) => s.name > pos.segment);
    if (!next) return pos;
    pos = { segment: next.name, offset: 0 };
    rereading = false;
  }
}

/** ISO 8601 with nanoseconds, from decimal nanoseconds. */
export function isoTime(ns: string): string {
  const n = BigInt(ns);
  const iso = new Date(Number(n / 1_000_000n)).toISOString();
  return `${iso.slice(0, 19)}.${(n % 1_000_000_000n).toString().padStart(9, '0')}Z`;
}

/** One JSON Lines line (with hash). */
export function jsonLine(r: HashedRecord): string {
  return `${JSON.stringify(r)}\n`;
}

export const CSV_COLUMNS = ['seq', 'time', 'kind', 'decision_id', 'tool', 'decision', 'reasons', 'revision', 'digest', 'agent', 'context', 'latency_ns', 'args', 'args_hash', 'epoch', 'hash'] as const;

/** The CSV header line. */
export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\n`;
}

/** One CSV line (RFC 4180 quoting); structured fields as JSON, time as ISO 8601. */
export function csvLine(r: HashedRecord): string {
  const cell = (c: (typeof CSV_COLUMNS)[number]): string => {
    const v = c === 'time' ? isoTime(r.time) : c === 'reasons' ? r.reasons?.join('; ') : (r as unknown as Record<string, unknown>)[c];
    if (v === undefined) return '';
    const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `${CSV_COLUMNS.map(cell).join(',')}\n`;
}

/** One human-readable line for `tail`. */
export function humanLine(r: HashedRecord): string {
  const parts = [String(r.seq).padStart(8), isoTime(r.time), r.kind.padEnd(18)];
  if (r.decision) parts.push(r.decision.padEnd(5));
  if (r.tool !== undefined) parts.push(r.tool);
  if (r.decision_id !== undefined) parts.push(`id=${r.decision_id}`);
  if (r.reasons?.length) parts.push(`reasons=${r.reasons.join(',')}`);
  return `${parts.join('  ').trimEnd()}\n`;
}
