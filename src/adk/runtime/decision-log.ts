// Where decisions are recorded before the caller hears them (INV-03). The runtime depends only
// on this interface; the audit WAL implements it in production, MemoryLog in tests.
import { AutonomyError } from '../../common/errors.ts';
import { sha256Hex } from '../../common/hash.ts';
import type { AppendInput } from '../audit/record.ts';

/** One decision as recorded: the audit WAL's decision record, as the caller gives it. */
export type DecisionRecord = AppendInput & { kind: 'decision'; decision_id: string };

/** Where a record landed in the chain. */
export interface LogPosition {
  seq: number;
  hash: string;
}

/** An append-only, durable decision log. */
export interface DecisionLog {
  /** Resolves once the record is durable; rejects if it cannot be made so. */
  append(record: DecisionRecord): Promise<LogPosition>;
  /** Flushes and releases the log. */
  close(): Promise<void>;
}

/** An in-memory hash-chained log for tests; `failWith` makes every append reject. */
export class MemoryLog implements DecisionLog {
  readonly records: (DecisionRecord & LogPosition)[] = [];
  failWith: Error | null = null;
  closed = false;
  #hash = '0'.repeat(64);

  async append(record: DecisionRecord): Promise<LogPosition> {
    if (this.closed) throw new AutonomyError('wal_closed', 'the log is closed');
    if (this.failWith) throw this.failWith;
    const seq = this.records.length + 1;
    this.#hash = sha256Hex(this.#hash + JSON.stringify(record));
    this.records.push({ ...record, seq, hash: this.#hash });
    return { seq, hash: this.#hash };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
