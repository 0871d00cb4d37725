// The relay ledger: per (segment, peer) the delivery state machine, kept as a write-ahead log
// of JSON lines. Every change is a record applied in memory at once and made durable by a
// group commit (one write + fdatasync for all records queued meanwhile). See docs/edge.md for
// the format and the crash rules.
import { AutonomyError } from '../common/errors.ts';
import type { Clock } from './clock.ts';
import { GroupSync } from './group-sync.ts';

/** Delivery states; see the diagram in docs/edge.md. */
export const State = {
  Scheduled: 'Scheduled',
  Inflight: 'Inflight',
  Acked: 'Acked',
  Failed: 'Failed',
  Deadletter: 'Deadletter',
} as const;
export type State = (typeof State)[keyof typeof State];
export const STATES: readonly State[] = Object.values(State);

/** The legal edges of the state machine, from → allowed targets. */
const EDGES: Record<State, readonly State[]> = {
  // Inflight → Scheduled is only taken at restart, for a send that never finished.
  Scheduled: ['Inflight'],
  Inflight: ['Acked', 'Failed', 'Scheduled'],
  Failed: ['Scheduled', 'Deadletter'],
  Deadletter: ['Scheduled'],
  Acked: [],
};

/** One delivery of one segment to one peer. */
export interface Entry {
  id: string;
  segment: string;
  peer: string;
  state: State;
  /** Attempts that ended in failure since the entry was (re)scheduled by hand. */
  failures: number;
  /** When the entry becomes (or became) eligible to send; orders the scan. */
  nextAt: number;
  lastError: string | null;
  updatedAt: number;
}

/** A segment this node holds. `from` is 'local' for an edgectl put, else the sending peer. */
export interface SegmentInfo {
  hash: string;
  size: number;
  from: string;
  storedAt: number;
}

/** A ledger record as written, one JSON object per line. */
export type LedgerRecord =
  | { seq: number; at: number; op: 'segment'; hash: string; size: number; from: string }
  | { seq: number; at: number; op: 'entry'; segment: string; peer: string; state?: State; failures?: number; next_at?: number; error?: string | null }
  | { seq: number; at: number; op: 'state'; id: string; from: State; to: State; failures: number; next_at: number; error: string | null }
  | { seq: number; at: number; op: 'purge'; id: string }
  | { seq: number; at: number; op: 'evict'; hash: string };

type Distribute<T> = T extends unknown ? Omit<T, 'seq' | 'at'> : never;
type RecordBody = Distribute<LedgerRecord>;

/** Durable storage of ledger records; in memory for tests, a file for the daemon. */
export interface LedgerLog {
  /** Every record, oldest first (a torn tail is cut off by the implementation). */
  load(): LedgerRecord[];
  /** Appends newline-terminated lines; resolves once they are durable. */
  append(lines: string): Promise<void>;
  /** Atomically replaces the whole log (compaction). */
  replace(records: readonly LedgerRecord[]): void;
}

/** The id of the entry for (segment, peer). */
export function entryId(segment: string, peer: string): string {
  return `${segment}@${peer}`;
}

/** Scan order: next-attempt time, then segment hash, then peer id. */
export function scanOrder(a: Entry, b: Entry): number {
  return a.nextAt - b.nextAt || cmp(a.segment, b.segment) || cmp(a.peer, b.peer);
}

/** The first index in sorted q whose entry does not sort before e. */
function lowerBound(q: readonly Entry[], e: Entry): number {
  let lo = 0;
  let hi = q.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (scanOrder(q[mid]!, e) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface LedgerOptions {
  /** Rewrite the log as a snapshot at open when it holds more records than this. */
  compactAbove?: number;
  /** How long commitSoon() waits for more records to share its flush (default 5 ms). */
  lingerMs?: number;
}

/** The delivery ledger. Mutations apply at once; `commit()` resolves when they are durable. */
export class Ledger {
  readonly #log: LedgerLog;
  readonly #clock: Clock;
  readonly #entries = new Map<string, Entry>();
  readonly #segments = new Map<string, SegmentInfo>();
  readonly #bySegment = new Map<string, Set<string>>();
  /** Entries not Acked: those that still need their segment. */
  readonly #active = new Set<string>();
  /**
   * Scheduled and Failed entries, each kept in scan order, so that a scan walks a sorted list
   * instead of sorting the ledger every time.
   */
  readonly #queues = { Scheduled: [] as Entry[], Failed: [] as Entry[] };
  /** Transition counts since open, keyed 'From→To'; feeds the metrics. */
  readonly transitions = new Map<string, number>();
  #seq = 0;
  #pending: string[] = [];
  readonly #sync = new GroupSync(() => this.#flush());
  readonly #lingerMs: number;
  #soon: Promise<void> | null = null;
  #broken: unknown = null;

  private constructor(log: LedgerLog, clock: Clock, lingerMs: number) {
    this.#log = log;
    this.#clock = clock;
    this.#lingerMs = lingerMs;
  }

  /**
   * Replays the log. Inflight entries (sends cut short by a crash) go back to Scheduled with
   * their failure count unchanged: an attempt that never finished uses up no retry.
   */
  static async open(log: LedgerLog, clock: Clock, options: LedgerOptions = {}): Promise<Ledger> {
    const ledger = new Ledger(log, clock, options.lingerMs ?? 5);
    const records = log.load();
    for (const r of records) {
      if (r.seq <= ledger.#seq) throw new AutonomyError('ledger_corrupt', `ledger record seq ${r.seq} follows seq ${ledger.#seq}; the log was reordered or spliced`);
      ledger.#apply(r);
      ledger.#seq = r.seq;
    }
    ledger.transitions.clear();
    if (records.length > (options.compactAbove ?? 200_000)) ledger.#compact();
    for (const e of ledger.entries()) {
      if (e.state === State.Inflight) ledger.transition(e.id, State.Scheduled, { error: 'interrupted by a restart' });
    }
    await ledger.commit();
    return ledger;
  }

  /** Records a segment this node now holds (no-op if already recorded). */
  addSegment(hash: string, size: number, from: string): SegmentInfo {
    const known = this.#segments.get(hash);
    if (known) return known;
    this.#record({ op: 'segment', hash, size, from });
    return this.#segments.get(hash)!;
  }

  /** Creates a Scheduled entry for (segment, peer) unless one exists; returns the entry. */
  schedule(segment: string, peer: string): Entry {
    const known = this.#entries.get(entryId(segment, peer));
    if (known) return known;
    if (!this.#segments.has(segment)) throw new AutonomyError('ledger_invalid', `cannot schedule ${segment}: the segment is not in the ledger`);
    this.#record({ op: 'entry', segment, peer });
    return this.#entries.get(entryId(segment, peer))!;
  }

  /**
   * Moves an entry along a legal edge of the state machine; anything else is a bug. The next
   * attempt is due delayMs after the record's own timestamp, or now for an entry Scheduled by
   * hand or by a restart. A Failed entry promoted to Scheduled keeps the time it was due, so
   * retries are ordered by when they fell due, not by when a scan happened to run.
   */
  transition(id: string, to: State, opts: { failures?: number; delayMs?: number; error?: string | null } = {}): Entry {
    const e = this.#entries.get(id);
    if (!e) throw new AutonomyError('entry_not_found', `no ledger entry ${id}`);
    if (!EDGES[e.state].includes(to)) throw new AutonomyError('ledger_invalid', `illegal transition ${e.state} → ${to} for ${id}`);
    // One reading of the clock per record, so a record's wait (next_at - at) is exactly the delay.
    const at = this.#clock.now();
    this.#record(
      {
        op: 'state',
        id,
        from: e.state,
        to,
        failures: opts.failures ?? e.failures,
        next_at: opts.delayMs !== undefined ? at + opts.delayMs : to === State.Scheduled && e.state !== State.Failed ? at : e.nextAt,
        error: opts.error === undefined ? e.lastError : opts.error,
      },
      at,
    );
    return e;
  }

  /** Forgets a Deadletter entry (edgectl deadletter purge). */
  purge(id: string): void {
    const e = this.#entries.get(id);
    if (!e) throw new AutonomyError('entry_not_found', `no ledger entry ${id}`);
    if (e.state !== State.Deadletter) throw new AutonomyError('ledger_invalid', `${id} is ${e.state}, only Deadletter entries can be purged`);
    this.#record({ op: 'purge', id });
  }

  /** Forgets a segment whose file is being removed; refuses while an entry still needs it. */
  evict(hash: string): void {
    if (!this.#segments.has(hash)) return;
    if (this.needs(hash)) throw new AutonomyError('ledger_invalid', `segment ${hash} is still needed by an undelivered entry`);
    this.#record({ op: 'evict', hash });
  }

  /** True while any entry of the segment is not Acked (Scheduled, Inflight, Failed, Deadletter). */
  needs(hash: string): boolean {
    for (const id of this.#bySegment.get(hash) ?? []) if (this.#active.has(id)) return true;
    return false;
  }

  entry(id: string): Entry | undefined {
    return this.#entries.get(id);
  }

  /** Every entry in scan order. */
  entries(): Entry[] {
    return [...this.#entries.values()].sort(scanOrder);
  }

  /** Scheduled entries in scan order (a live view: copy it before changing states). */
  scheduled(): readonly Entry[] {
    return this.#queues.Scheduled;
  }

  /** Failed entries in scan order, so the earliest retry comes first (a live view). */
  failed(): readonly Entry[] {
    return this.#queues.Failed;
  }

  /** Entries not yet Acked, in scan order. */
  activeEntries(): Entry[] {
    return [...this.#active].map((id) => this.#entries.get(id)!).sort(scanOrder);
  }

  entriesOf(segment: string): Entry[] {
    return [...(this.#bySegment.get(segment) ?? [])].map((id) => this.#entries.get(id)!).sort(scanOrder);
  }

  segment(hash: string): SegmentInfo | undefined {
    return this.#segments.get(hash);
  }

  /** Every segment, oldest first (then by hash). */
  segments(): SegmentInfo[] {
    return [...this.#segments.values()].sort((a, b) => a.storedAt - b.storedAt || cmp(a.hash, b.hash));
  }

  /** Resolves when every mutation made before the call is durable. */
  commit(): Promise<void> {
    if (this.#broken) return Promise.reject(this.#broken);
    // Nothing queued: what was queued before is durable once the flush in progress ends.
    return this.#pending.length === 0 ? this.#sync.idle() : this.#sync.request();
  }

  /**
   * commit() after a short linger, so that records arriving meanwhile share one fsync. For
   * relay progress, which nobody waits on: a record lost to a crash only means a delivery is
   * replayed from its previous state, and the receiver takes the repeat as a no-op.
   */
  commitSoon(): Promise<void> {
    this.#soon ??= new Promise<void>((resolve) => setTimeout(resolve, this.#lingerMs)).then(() => {
      this.#soon = null;
      return this.commit();
    });
    return this.#soon;
  }

  async #flush(): Promise<void> {
    if (this.#broken) throw this.#broken;
    const batch = this.#pending.join('');
    this.#pending = [];
    if (batch === '') return;
    try {
      await this.#log.append(batch);
    } catch (e) {
      // After a failed fsync the file's contents are unknown; refuse to acknowledge anything more.
      this.#broken = new AutonomyError('ledger_write_failed', `the ledger could not be made durable: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      throw this.#broken;
    }
  }

  #record(body: RecordBody, at = this.#clock.now()): void {
    if (this.#broken) throw this.#broken;
    const r = { seq: ++this.#seq, at, ...body } as LedgerRecord;
    this.#apply(r);
    this.#pending.push(`${JSON.stringify(r)}\n`);
  }

  #apply(r: LedgerRecord): void {
    switch (r.op) {
      case 'segment':
        this.#segments.set(r.hash, { hash: r.hash, size: r.size, from: r.from, storedAt: r.at });
        break;
      case 'entry': {
        const id = entryId(r.segment, r.peer);
        const state = r.state ?? State.Scheduled;
        const e: Entry = { id, segment: r.segment, peer: r.peer, state, failures: r.failures ?? 0, nextAt: r.next_at ?? r.at, lastError: r.error ?? null, updatedAt: r.at };
        this.#entries.set(id, e);
        this.#enqueue(e);
        let set = this.#bySegment.get(r.segment);
        if (!set) this.#bySegment.set(r.segment, (set = new Set()));
        set.add(id);
        if (state !== State.Acked) this.#active.add(id);
        break;
      }
      case 'state': {
        const e = this.#entries.get(r.id);
        if (!e) throw new AutonomyError('ledger_corrupt', `ledger record seq ${r.seq} changes unknown entry ${r.id}`);
        // Out of its queue before its sort key changes, back in after.
        this.#dequeue(e);
        e.state = r.to;
        e.failures = r.failures;
        e.nextAt = r.next_at;
        e.lastError = r.error;
        e.updatedAt = r.at;
        this.#enqueue(e);
        if (r.to === State.Acked) this.#active.delete(r.id);
        else this.#active.add(r.id);
        const key = `${r.from}→${r.to}`;
        this.transitions.set(key, (this.transitions.get(key) ?? 0) + 1);
        break;
      }
      case 'purge': {
        const e = this.#entries.get(r.id);
        if (!e) break;
        this.#dequeue(e);
        this.#entries.delete(r.id);
        this.#active.delete(r.id);
        this.#bySegment.get(e.segment)?.delete(r.id);
        break;
      }
      case 'evict': {
        for (const id of this.#bySegment.get(r.hash) ?? []) {
          this.#dequeue(this.#entries.get(id)!);
          this.#entries.delete(id);
          this.#active.delete(id);
        }
        this.#bySegment.delete(r.hash);
        this.#segments.delete(r.hash);
        break;
      }
    }
  }

  #enqueue(e: Entry): void {
    if (e.state !== State.Scheduled && e.state !== State.Failed) return;
    const q = this.#queues[e.state];
    q.splice(lowerBound(q, e), 0, e);
  }

  #dequeue(e: Entry): void {
    if (e.state !== State.Scheduled && e.state !== State.Failed) return;
    const q = this.#queues[e.state];
    const i = lowerBound(q, e);
    if (q[i] === e) q.splice(i, 1);
  }

  /** Rewrites the log as one record per segment and entry, preserving every state. */
  #compact(): void {
    const at = this.#clock.now();
    const records: LedgerRecord[] = [];
    for (const s of this.segments()) records.push({ seq: ++this.#seq, at: s.storedAt, op: 'segment', hash: s.hash, size: s.size, from: s.from });
    for (const e of this.entries()) {
      records.push({ seq: ++this.#seq, at, op: 'entry', segment: e.segment, peer: e.peer, state: e.state, failures: e.failures, next_at: e.nextAt, error: e.lastError });
    }
    this.#log.replace(records);
  }
}

/** A ledger log in memory, for tests; `lines` is exactly what a file would hold. */
export class MemoryLedgerLog implements LedgerLog {
  lines: string[] = [];
  load(): LedgerRecord[] {
    return this.lines.map((l) => JSON.parse(l) as LedgerRecord);
  }
  async append(lines: string): Promise<void> {
    for (const l of lines.split('\n')) if (l) this.lines.push(l);
  }
  replace(records: readonly LedgerRecord[]): void {
    this.lines = records.map((r) => JSON.stringify(r));
  }
}
