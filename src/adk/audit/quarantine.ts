// `quarantine`: sets the damaged part of a log aside and starts a new epoch whose first record
// names what was set aside, so the break is on the signed record (docs/wal.md).
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { keyId } from '../../common/ed25519.ts';
import { sha256Hex } from '../../common/hash.ts';
import { checkpointFields } from './checkpoint.ts';
import { ALIGN, checkFrame, encodeFrames, HEADER_BYTES } from './frame.ts';
import { nodeFs, type WalFs } from './fs-seam.ts';
import { GENESIS_HASH, payloadText, prepareFields, RecordKind } from './record.ts';
import { scanWal } from './scan.ts';
import { acquireLock, QUARANTINE_DIR, releaseLock, segmentName } from './segment.ts';

/** What was set aside; also the `detail` of the quarantine record. */
export interface QuarantineResult {
  seq: number;
  epoch: number;
  from_seq: number;
  to_seq: number;
  files: string[];
  bytes: number;
  sha256: string;
  code: string;
  reason: string;
  moved_to: string;
}

/** Options of quarantineWal. */
export interface QuarantineOptions {
  dir: string;
  key: KeyObject;
  fs?: WalFs;
}

/** Quarantines the damage of the WAL in dir; null if there is none (a torn tail is not damage). */
export async function quarantineWal(opts: QuarantineOptions): Promise<QuarantineResult | null> {
  const fs = opts.fs ?? nodeFs;
  const { dir } = opts;
  await acquireLock(fs, dir);
  try {
    const scan = await scanWal(fs, dir, { publicKey: createPublicKey(opts.key) });
    const d = scan.damage;
    if (!d) return null;
    const moved = scan.segments.slice(d.segmentIndex);
    const contents = await Promise.all(moved.map((s) => fs.readFile(join(dir, s.name))));
    const head = scan.head;
    const fromSeq = (head?.seq ?? 0) + 1;
    // Sequence numbers are never reused: the new epoch starts after any seq the damaged part holds.
    let toSeq = Math.max(fromSeq, d.seq);
    moved.forEach((s, i) => (toSeq = Math.max(toSeq, s.firstSeq, maxSeqIn(contents[i]!))));
    const seq = toSeq + 1;
    const epoch = (head?.epoch ?? 1) + 1;
    const sha = createHash('sha256');
    for (const c of contents) sha.update(c);
    const movedTo = join(QUARANTINE_DIR, `${epoch}-${seq}`);

    await fs.mkdir(join(dir, movedTo), 0o700);
    for (const s of moved) await fs.rename(join(dir, s.name), join(dir, movedTo, s.name));
    await fs.fsyncDir(join(dir, movedTo));
    await fs.fsyncDir(dir);
    if (moved.length > 0 && d.offset > 0) {
      // The intact prefix of the first damaged segment goes back, through a temp file.
      const tmp = join(dir, `${moved[0]!.name}.tmp`);
      await fs.writeFile(tmp, contents[0]!.subarray(0, d.offset), 0o600);
      const f = await fs.openFile(tmp);
      try {
        await f.datasync();
      } finally {
        await f.close();
      }
      await fs.rename(tmp, join(dir, moved[0]!.name));
    }

    const result: QuarantineResult = {
      seq, epoch, from_seq: fromSeq, to_seq: toSeq, files: moved.map((s) => s.name),
      bytes: contents.reduce((n, c) => n + c.length, 0), sha256: sha.digest('hex'), code: d.code, reason: d.reason, moved_to: movedTo,
    };
    const { seq: _s, epoch: _e, ...detail } = result;
    // A run of its own: quarantine, stop, checkpoint, so the log is again at rest and sealed.
    const time = () => (BigInt(Date.now()) * 1_000_000n).toString();
    const texts: string[] = [];
    let prev = head?.hash ?? GENESIS_HASH;
    const add = (text: string): void => {
      texts.push(text);
      prev = sha256Hex(text);
    };
    add(payloadText(prepareFields(RecordKind.quarantine, time(), { detail: { ...detail } }), seq, epoch, prev));
    add(payloadText(prepareFields(RecordKind.stop, time(), {}), seq + 1, epoch, prev));
    add(payloadText(checkpointFields({ key: opts.key, keyId: keyId(createPublicKey(opts.key)) }, epoch, seq + 2, prev, time()), seq + 2, epoch, prev));
    const f = await fs.createFile(join(dir, segmentName(seq)), 0o600);
    try {
      await f.write(encodeFrames(texts), 0);
      await f.datasync();
    } finally {
      await f.close();
    }
    await fs.fsyncDir(dir);
    return result;
  } finally {
    await releaseLock(fs, dir);
  }
}

// The largest seq of any intact frame in damaged bytes, found by trying every aligned offset.
function maxSeqIn(buf: Buffer): number {
  let max = 0;
  for (let at = 0; at < buf.length; at += ALIGN) {
    const len = checkFrame(buf, at);
    if (typeof len !== 'number') continue;
    try {
      const seq = (JSON.parse(buf.toString('utf8', at + HEADER_BYTES, at + HEADER_BYTES + len)) as { seq?: unknown }).seq;
      if (Number.isSafeInteger(seq)) max = Math.max(max, seq as number);
    } catch {
      // Not a record; damaged bytes may hold anything.
    }
  }
  return max;
}
