// Verifies a node's audit upload against what the orchestrator already holds: the frames, the
// canonical records, the hash chain continuing from the held head, segment cuts, and every
// checkpoint signature against the node's enrolled key (docs/wal.md; the same rules as
// `autonomy audit verify`, through the WAL's own chainProblem). Pure: bytes in, verdict out.
import type { KeyObject } from 'node:crypto';
import { keyId } from '../../../common/ed25519.ts';
import { sha256Hex } from '../../../common/hash.ts';
import { decodeFrames, frameSize } from '../../audit/frame.ts';
import { decodeRecord, GENESIS_HASH, RecordKind, type WalRecord } from '../../audit/record.ts';
import { chainProblem } from '../../audit/scan.ts';
import type { AuditHead, StoredRecord } from '../types.ts';

const SEGMENT = /^(\d{20})\.wal$/;

/** An upload: bytes of one segment, starting at a frame boundary. */
export interface Upload {
  segment: string;
  offset: number;
  bytes: Buffer;
}

/** A record of the upload with its hash and where it ends in its segment. */
interface Decoded {
  rec: WalRecord;
  text: string;
  hash: string;
  end: number;
}

/** The verdict on an upload. */
export type UploadVerdict =
  | { ok: true; records: StoredRecord[]; head: AuditHead | null; duplicates: number }
  /** The records do not follow the held ones (upload the earlier ones first): not tampering. */
  | { ok: false; code: 'audit_gap' | 'audit_unsealed' | 'bad_request'; reason: string }
  | { ok: false; code: 'audit_tampered'; reason: string };

/** The first seq a segment name promises, or null if the name is not a segment's. */
export function segmentFirstSeq(name: string): number | null {
  const m = SEGMENT.exec(name);
  return m ? Number(m[1]) : null;
}

/** The seq of the first record of an upload, or null if it has no readable first record. */
export function firstSeqOf(bytes: Buffer): number | null {
  const f = decodeFrames(bytes).frames[0];
  if (!f) return null;
  try {
    return decodeRecord(f.payload.toString('utf8')).seq;
  } catch {
    // verifyUpload reports the bad record; there is nothing held to compare it with.
    return null;
  }
}

/**
 * Checks an upload. held(seq) gives the hash held for an already-ingested seq (uploads may
 * repeat: a repeat is idempotent, a different record at a held seq is tampering). Records before
 * prunedThrough were pruned by retention: a repeat of them is passed over unchecked (nothing of
 * it is stored); held must still give the anchor's hash at prunedThrough itself.
 */
export function verifyUpload(nodeId: string, head: AuditHead | null, publicKey: KeyObject, up: Upload, held: ReadonlyMap<number, string>, prunedThrough = 0): UploadVerdict {
  const firstSeq = segmentFirstSeq(up.segment);
  if (firstSeq === null || !Number.isSafeInteger(up.offset) || up.offset < 0) return { ok: false, code: 'bad_request', reason: `${JSON.stringify(up.segment)} at offset ${up.offset} does not name a WAL segment position` };
  const { frames, damage } = decodeFrames(up.bytes);
  const where = (off: number): string => `${up.segment} offset ${up.offset + off}`;
  if (damage) return { ok: false, code: 'audit_tampered', reason: `${damage.problem.replace('_', ' ')} at ${where(damage.offset)}` };
  const decoded: Decoded[] = [];
  for (const f of frames) {
    const text = f.payload.toString('utf8');
    try {
      decoded.push({ rec: decodeRecord(text), text, hash: sha256Hex(f.payload), end: up.offset + f.offset + frameSize(f.payload.length) });
    } catch (e) {
      return { ok: false, code: 'audit_tampered', reason: `${where(f.offset)}: ${(e as Error).message}` };
    }
  }

  // Records already held must be byte-identical to what is held.
  let duplicates = 0;
  const headSeq = head?.seq ?? 0;
  for (const d of decoded) {
    if (d.rec.seq > headSeq) break;
    if (d.rec.seq < prunedThrough) {
      duplicates++;
      continue;
    }
    const h = held.get(d.rec.seq);
    if (h !== d.hash) return { ok: false, code: 'audit_tampered', reason: `seq ${d.rec.seq} differs from the record already held for node ${nodeId}` };
    duplicates++;
  }
  const fresh = decoded.slice(duplicates);
  if (fresh.length === 0) return { ok: true, records: [], head, duplicates };

  const first = fresh[0]!;
  const startsAt = duplicates === 0 ? up.offset : decoded[duplicates - 1]!.end;
  const continuesHead = head !== null && head.segment === up.segment && head.end === startsAt;
  if (!(startsAt === 0 || continuesHead) || (first.rec.seq > headSeq + 1 && first.rec.kind !== RecordKind.quarantine)) {
    return { ok: false, code: 'audit_gap', reason: `the upload starts at seq ${first.rec.seq} (${up.segment} offset ${startsAt}) but the orchestrator holds up to seq ${headSeq}${head ? ` (${head.segment} offset ${head.end})` : ''}; upload the records in between first` };
  }
  let prev: WalRecord | null = head ? decodeRecord(head.record) : null;
  let prevHash = head?.hash ?? GENESIS_HASH;
  const kid = keyId(publicKey);
  for (let i = 0; i < fresh.length; i++) {
    const d = fresh[i]!;
    const firstOf = i === 0 && startsAt === 0 ? { name: up.segment, firstSeq } : null;
    const problem = chainProblem(d.rec, prev, prevHash, firstOf, kid, publicKey);
    if (problem) return { ok: false, code: 'audit_tampered', reason: `seq ${d.rec.seq}: ${problem[0]}: ${problem[1]}` };
    prev = d.rec;
    prevHash = d.hash;
  }
  const last = fresh.at(-1)!;
  if (last.rec.kind !== RecordKind.checkpoint) {
    return { ok: false, code: 'audit_unsealed', reason: `the upload ends at seq ${last.rec.seq}, which no signed checkpoint seals; upload sealed records only` };
  }
  const records: StoredRecord[] = fresh.map((d) => ({
    node: nodeId, seq: d.rec.seq, time: d.rec.time, kind: d.rec.kind, tool: d.rec.tool ?? null, decision: d.rec.decision ?? null, hash: d.hash, record: d.text,
  }));
  return { ok: true, records, head: { seq: last.rec.seq, hash: last.hash, segment: up.segment, end: last.end, record: last.text }, duplicates };
}
