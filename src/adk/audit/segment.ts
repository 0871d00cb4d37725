// Segment files (named by their first seq) and the single-writer lock of a WAL directory.
import { join, resolve } from 'node:path';
import { AutonomyError } from '../../common/errors.ts';
import type { WalFs } from './fs-seam.ts';

const SEGMENT = /^(\d{20})\.wal$/;
export const LOCK_FILE = 'LOCK';
export const QUARANTINE_DIR = 'quarantine';

/** A segment file and the seq its first record must have. */
export interface SegmentRef {
  name: string;
  firstSeq: number;
}

/** The file name of the segment whose first record has seq. */
export function segmentName(firstSeq: number): string {
  return `${String(firstSeq).padStart(20, '0')}.wal`;
}

/** The segments of a WAL directory in log order; other files are ignored. */
export async function listSegments(fs: WalFs, dir: string): Promise<SegmentRef[]> {
  const out: SegmentRef[] = [];
  for (const name of await fs.readdir(dir)) {
    const m = SEGMENT.exec(name);
    if (m) out.push({ name, firstSeq: Number(m[1]) });
  }
  // Zero-padded names sort numerically as strings.
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of a live process holding the WAL's lock, or null. */
export async function lockHolder(fs: WalFs, dir: string): Promise<number | null> {
  let text: string;
  try {
    text = (await fs.readFile(join(dir, LOCK_FILE))).toString('utf8');
  } catch {
    return null;
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 && isAlive(pid) ? pid : null;
}

/**
 * Takes the WAL's single-writer lock. A lock left by a dead process is taken over (its crash is
 * handled by recovery); a live holder is an error, as two writers would corrupt the chain.
 */
export async function acquireLock(fs: WalFs, dir: string): Promise<void> {
  const key = resolve(dir);
  if (heldHere.has(key)) throw new AutonomyError('wal_locked', `${dir} is already open for append in this process`);
  await takeLock(fs, dir);
  heldHere.add(key);
}

// Directories this process holds: the pid in LOCK cannot tell two opens in one process apart.
const heldHere = new Set<string>();

async function takeLock(fs: WalFs, dir: string): Promise<void> {
  const path = join(dir, LOCK_FILE);
  try {
    const f = await fs.createFile(path, 0o600);
    try {
      await f.write(Buffer.from(`${process.pid}\n`), 0);
    } finally {
      await f.close();
    }
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const holder = await lockHolder(fs, dir);
  if (holder !== null && holder !== process.pid) throw new AutonomyError('wal_locked', `${dir} is open for append by process ${holder}`);
  await fs.writeFile(path, `${process.pid}\n`, 0o600);
}

/** Releases the lock taken by acquireLock. */
export async function releaseLock(fs: WalFs, dir: string): Promise<void> {
  heldHere.delete(resolve(dir));
  await fs.unlink(join(dir, LOCK_FILE));
}
