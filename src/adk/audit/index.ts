// The audit WAL's public entry: what the runtime and the CLI use. Internals (frame codec,
// scanner, fs seam) are imported from their modules by tests and sibling code.
import { join } from 'node:path';
import { loadOrCreateKey } from '../../common/ed25519.ts';
import { openWal, type Wal, type WalOptions } from './wal.ts';

export { openWal, type Wal, type WalOptions, type AppendResult, type RecoveryNote } from './wal.ts';
export { verifyWal, type VerifyReport, type VerifyOptions, type VerifyProblem } from './verify.ts';
export { quarantineWal, type QuarantineResult } from './quarantine.ts';
export { readRecords, readLog, readNewRecords, matches, parseTime, jsonLine, csvHeader, csvLine, humanLine, isoTime, type HashedRecord, type RecordFilter, type LogPosition } from './export.ts';
export { RecordKind, type AppendInput, type WalRecord } from './record.ts';
export { RedactionMode, type RedactionConfig } from './redact.ts';
export type { WalFs, WalFile } from './fs-seam.ts';

/** Name of the node key in the state directory (node.key, node.pub). */
export const NODE_KEY = 'node';

/** The WAL directory inside a state directory. */
export function walDir(stateDir: string): string {
  return join(stateDir, 'wal');
}

/** Opens the WAL of a state directory with the node key, both created (owner-only) on first use. */
export async function openNodeWal(stateDir: string, opts: Omit<WalOptions, 'dir' | 'key'> = {}): Promise<Wal> {
  const key = loadOrCreateKey(stateDir, NODE_KEY);
  return openWal({ ...opts, dir: walDir(stateDir), key });
}
