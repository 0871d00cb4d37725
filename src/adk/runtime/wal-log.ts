// The audit WAL as the runtime's DecisionLog; its group commits are reported for metrics.
import { existsSync } from 'node:fs';
import { openNodeWal, type Wal, type WalFile, type WalFs } from '../audit/index.ts';
import { nodeFs } from '../audit/fs-seam.ts';
import type { DecisionLog, DecisionRecord, LogPosition } from './decision-log.ts';

export interface WalLogOptions {
  /** Called after every group commit with its duration and the records it carried. */
  onFlush?: (seconds: number, records: number) => void;
  /** The file system under the WAL (tests inject ENOSPC here). */
  fs?: WalFs;
}

/** Opens the state directory's WAL (node key created on first use) as a DecisionLog. */
export async function openWalLog(stateDir: string, opts: WalLogOptions = {}): Promise<DecisionLog & { readonly wal: Wal }> {
  const wal = await openNodeWal(stateDir, opts);
  return { wal, append: (record: DecisionRecord): Promise<LogPosition> => wal.append(record), close: () => wal.close() };
}

/**
 * A WalFs whose writes fail with ENOSPC while full() is true: the disk-full failpoint
 * (AUTONOMY_FAILPOINT_WAL_FULL=FILE: full while FILE exists), as etcd's gofail failpoints are,
 * for tests of real processes only.
 */
export function diskFullFs(base: WalFs, full: () => boolean): WalFs {
  return mapFiles(base, (f) => ({
    ...forward(f),
    async write(buf, pos) {
      if (full()) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      return f.write(buf, pos);
    },
  }));
}

/** The same file system with every opened file wrapped. */
function mapFiles(base: WalFs, wrap: (f: WalFile) => WalFile): WalFs {
  return { ...base, openFile: async (p) => wrap(await base.openFile(p)), createFile: async (p, mode) => wrap(await base.createFile(p, mode)) };
}

/** A WalFile that forwards every call to f. */
function forward(f: WalFile): WalFile {
  return { write: (buf, pos) => f.write(buf, pos), datasync: () => f.datasync(), truncate: (n) => f.truncate(n), size: () => f.size(), close: () => f.close() };
}

/** The fs named by the environment's failpoint, or undefined for the real one. */
export function fsFromEnv(env: NodeJS.ProcessEnv = process.env): WalFs | undefined {
  const flag = env['AUTONOMY_FAILPOINT_WAL_FULL'];
  if (flag === undefined || flag === '') return undefined;
  return diskFullFs(nodeFs, () => existsSync(flag));
}
