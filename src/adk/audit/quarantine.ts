// `quarantine`: sets the damaged part of a log aside and starts a new epoch whose first record
// names what was set aside, so the break is on the signed record (docs/wal.md).
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { keyId } from '../../common/ed25519.ts';
import { AutonomyError } from '../../common/errors.ts';
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

/**
 * The whole quarantine, decided before anything moves and written to PENDING_FILE, so an
 * interrupted run is finished by the next one exactly as planned.
 */
interface Plan {
  result: QuarantineResult;
  /** Bytes of the first moved segment that are intact and go back under its name. */
  prefixBytes: number;
  /** The payloads of the new segment: quarantine, stop, checkpoint. */
  texts: string[];
}

/** A quarantine in progress; its presence refuses opens for append until it is finished. */
export const PENDING_FILE = 'QUARANTINE.pending';

/**
 * Quarantines the damage of the WAL in dir, or finishes an interrupted quarantine; null if there
 * is no damage (a torn tail is not damage: the next open cuts it).
 */
export async function quarantineWal(opts: QuarantineOptions): Promise<QuarantineResult | null> {
  const fs = opts.fs ?? nodeFs;
  const { dir } = opts;
  await acquireLock(fs, dir);
  try {
    let plan = await pendingPlan(fs, dir);
    if (!plan) {
      plan = await makePlan(fs, dir, opts.key);
      if (!plan) return null;
      await writeDurably(fs, dir, PENDING_FILE, JSON.stringify(plan));
    }
    await execute(fs, dir, plan);
    await fs.unlink(join(dir, PENDING_FILE));
    await fs.fsyncDir(dir);
    return plan.result;
  } finally {
    await releaseLock(fs, dir);
  }
}

/** The plan of an interrupted quarantine, if there is one. */
export async function pendingPlan(fs: WalFs, dir: string): Promise<Plan | null> {
  let text: string;
  try {
    text = (await fs.readFile(join(dir, PENDING_FILE))).toString('utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    return JSON.parse(text) as Plan;
  } catch (e) {
    throw new AutonomyError('wal_quarantine_pending', `${join(dir, PENDING_FILE)} is not a readable quarantine plan; inspect it and the quarantine directory by hand`, { cause: e });
  }
}

async function makePlan(fs: WalFs, dir: string, key: KeyObject): Promise<Plan | null> {
  const scan = await scanWal(fs, dir, { publicKey: createPublicKey(key) });
  const d = scan.damage;
  if (!d) return null;
  const moved = scan.segments.slice(d.segmentIndex);
  const contents = await Promise.all(moved.map((s) => fs.readFile(join(dir, s.name))));
  const head = scan.head;
  const fromSeq = (head?.seq ?? 0) + 1;
  // The new epoch starts after any seq still readable in the damaged part: none is reused.
  let toSeq = Math.max(fromSeq, d.seq);
  moved.forEach((s, i) => (toSeq = Math.max(toSeq, s.firstSeq, maxSeqIn(contents[i]!))));
  const seq = toSeq + 1;
  const epoch = (head?.epoch ?? 1) + 1;
  const sha = createHash('sha256');
  for (const c of contents) sha.update(c);
  const result: QuarantineResult = {
    seq, epoch, from_seq: fromSeq, to_seq: toSeq, files: moved.map((s) => s.name),
    bytes: contents.reduce((n, c) => n + c.length, 0), sha256: sha.digest('hex'), code: d.code, reason: d.reason,
    moved_to: join(QUARANTINE_DIR, `${epoch}-${seq}`),
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
  add(payloadText(checkpointFields({ key, keyId: keyId(createPublicKey(key)) }, epoch, seq + 2, prev, time()), seq + 2, epoch, prev));
  return { result, prefixBytes: moved.length > 0 ? d.offset : 0, texts };
}

// Every step can be repeated: a file is moved only if it is not yet in the quarantine
// directory, and whatever is written goes through a temporary file and a rename.
async function execute(fs: WalFs, dir: string, plan: Plan): Promise<void> {
  const { result, prefixBytes, texts } = plan;
  const dest = join(dir, result.moved_to);
  await fs.mkdir(dest, 0o700);
  const there = new Set(await fs.readdir(dest));
  for (const name of result.files) if (!there.has(name)) await fs.rename(join(dir, name), join(dest, name));
  await fs.fsyncDir(dest);
  await fs.fsyncDir(dir);
  const first = result.files[0];
  if (first !== undefined && prefixBytes > 0 && !(await fs.readdir(dir)).includes(first)) {
    await writeDurably(fs, dir, first, (await fs.readFile(join(dest, first))).subarray(0, prefixBytes));
  }
  await writeDurably(fs, dir, segmentName(result.seq), encodeFrames(texts));
}

/** Writes a file through a temporary file, fsync and rename, then fsyncs the directory. */
async function writeDurably(fs: WalFs, dir: string, name: string, data: Uint8Array | string): Promise<void> {
  const tmp = join(dir, `${name}.tmp`);
  await fs.writeFile(tmp, data, 0o600);
  const f = await fs.openFile(tmp);
  try {
    await f.datasync();
  } finally {
    await f.close();
  }
  await fs.rename(tmp, join(dir, name));
  await fs.fsyncDir(dir);
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
