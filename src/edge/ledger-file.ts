// The ledger log on disk: ROOT/ledger.jsonl, one JSON record per line, appended and
// fdatasynced. A write that a crash cut short leaves a last line without its newline: that
// tail was never acknowledged and is cut off at open. Any other damage is corruption and the
// daemon refuses to start rather than guess.
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AutonomyError } from '../common/errors.ts';
import type { LedgerLog, LedgerRecord } from './ledger.ts';
import { syncDir } from './segment-store.ts';

export class FileLedgerLog implements LedgerLog {
  readonly path: string;
  #fh: FileHandle | null = null;
  /** Bytes cut off the tail at load, for the daemon to report. */
  tornBytes = 0;

  constructor(path: string) {
    this.path = path;
  }

  load(): LedgerRecord[] {
    if (!existsSync(this.path)) return [];
    const buf = readFileSync(this.path);
    const end = buf.lastIndexOf(0x0a) + 1;
    if (end < buf.length) {
      this.tornBytes = buf.length - end;
      const fd = openSync(this.path, 'r+');
      try {
        ftruncateSync(fd, end);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    const records: LedgerRecord[] = [];
    const lines = buf.subarray(0, end).toString('utf8').split('\n');
    lines.pop();
    lines.forEach((line, i) => {
      let r: unknown;
      try {
        r = JSON.parse(line);
      } catch (e) {
        throw new AutonomyError('ledger_corrupt', `line ${i + 1} is not a ledger record; refusing to start on a damaged ledger`, { cause: e, location: { file: this.path, row: i + 1, col: 1 } });
      }
      if (typeof r !== 'object' || r === null || typeof (r as { seq?: unknown }).seq !== 'number' || typeof (r as { op?: unknown }).op !== 'string') {
        throw new AutonomyError('ledger_corrupt', `line ${i + 1} is not a ledger record; refusing to start on a damaged ledger`, { location: { file: this.path, row: i + 1, col: 1 } });
      }
      records.push(r as LedgerRecord);
    });
    return records;
  }

  async append(lines: string): Promise<void> {
    this.#fh ??= await open(this.path, 'a', 0o600);
    await this.#fh.write(lines);
    await this.#fh.datasync();
  }

  replace(records: readonly LedgerRecord[]): void {
    const tmp = `${this.path}.compact`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    syncDir(dirname(this.path));
  }

  async close(): Promise<void> {
    await this.#fh?.close();
    this.#fh = null;
  }
}
