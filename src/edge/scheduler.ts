// The relay scheduler: picks what to send next from the ledger alone. A scan promotes Failed
// entries whose backoff has passed, then starts Scheduled entries in scan order (next-attempt
// time, segment hash, peer id) while each peer has a free slot. No randomness anywhere: the
// same ledger and the same clock give the same sends (INV-02).
import type { Clock, Timers } from './clock.ts';
import { State, type Entry, type Ledger } from './ledger.ts';

/** The outcome of one send. */
export type SendResult = { ok: true } | { ok: false; error: string };

/** Delivers a segment to a peer; never rejects (failures are results). */
export interface Transport {
  send(peer: string, segment: string): Promise<SendResult>;
}

export interface SchedulerOptions {
  backoffMs: readonly number[];
  maxRetries: number;
  maxInflightPerPeer: number;
  /** Reports an error that stops the relay (the ledger could not be written). */
  onFatal?: (e: unknown) => void;
}

/** The delay before retry n (1-based): the n-th backoff step, the last one repeating. */
export function backoffDelay(backoffMs: readonly number[], failures: number): number {
  return backoffMs[Math.min(failures, backoffMs.length) - 1] ?? 0;
}

export class Scheduler {
  readonly #ledger: Ledger;
  readonly #transport: Transport;
  readonly #clock: Clock;
  readonly #timers: Timers;
  readonly #opts: SchedulerOptions;
  readonly #inflight = new Map<string, Promise<void>>();
  /** Sends in flight per peer. */
  readonly #busy = new Map<string, number>();
  #timer: unknown = null;
  #timerAt = Infinity;
  #kicked = false;
  #running = false;
  #failed = false;

  constructor(ledger: Ledger, transport: Transport, clock: Clock, timers: Timers, opts: SchedulerOptions) {
    this.#ledger = ledger;
    this.#transport = transport;
    this.#clock = clock;
    this.#timers = timers;
    this.#opts = opts;
  }

  /** Starts scanning on its own: after every change and when the next backoff ends. */
  start(): void {
    this.#running = true;
    this.kick();
  }

  /** Stops starting new sends; those in flight finish and are recorded. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerAt = Infinity;
    await this.settle();
  }

  /** Asks for a scan soon (coalesced). */
  kick(): void {
    if (!this.#running || this.#kicked) return;
    this.#kicked = true;
    queueMicrotask(() => {
      this.#kicked = false;
      if (this.#running) this.#safeScan();
    });
  }

  /** Resolves when no send is in flight. */
  async settle(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.all(this.#inflight.values());
  }

  /** Entries in flight right now, for status. */
  inflightCount(): number {
    return this.#inflight.size;
  }

  /** One pass over the ledger; returns the entries it started, in order. */
  scan(): Entry[] {
    const now = this.#clock.now();
    // Failed entries are in next-attempt order: the due ones form a prefix.
    const failed = this.#ledger.failed();
    const due: Entry[] = [];
    for (const e of failed) {
      if (e.nextAt > now) break;
      due.push(e);
    }
    for (const e of due) this.#ledger.transition(e.id, State.Scheduled);
    const started: Entry[] = [];
    const taken = new Map<string, number>();
    for (const e of this.#ledger.scheduled()) {
      const n = (this.#busy.get(e.peer) ?? 0) + (taken.get(e.peer) ?? 0);
      if (n >= this.#opts.maxInflightPerPeer) continue;
      taken.set(e.peer, (taken.get(e.peer) ?? 0) + 1);
      started.push(e);
    }
    for (const e of started) this.#ledger.transition(e.id, State.Inflight);
    // Sending before the Inflight record is durable is safe: a crash replays the entry as
    // Scheduled and the receiver takes the repeat as a no-op.
    if (due.length + started.length > 0) this.#commit();
    for (const e of started) this.#dispatch(e);
    this.#arm(failed[0]?.nextAt ?? Infinity);
    return started;
  }

  #dispatch(e: Entry): void {
    const { id, peer } = e;
    this.#busy.set(peer, (this.#busy.get(peer) ?? 0) + 1);
    const done = this.#transport.send(peer, e.segment).then((r) => {
      this.#record(id, r);
    }).catch((err: unknown) => this.#fatal(err)).finally(() => {
      this.#busy.set(peer, this.#busy.get(peer)! - 1);
      this.#inflight.delete(id);
      this.kick();
    });
    this.#inflight.set(id, done);
  }

  #record(id: string, r: SendResult): void {
    const e = this.#ledger.entry(id);
    // Only this method moves an entry out of Inflight (eviction and purge need other states),
    // so this guard is against recording one send twice, should that ever be attempted.
    if (!e || e.state !== State.Inflight) return;
    if (r.ok) {
      this.#ledger.transition(id, State.Acked, { error: null });
    } else {
      const failures = e.failures + 1;
      this.#ledger.transition(id, State.Failed, { failures, error: r.error, delayMs: backoffDelay(this.#opts.backoffMs, failures) });
      if (failures > this.#opts.maxRetries) this.#ledger.transition(id, State.Deadletter, { delayMs: 0 });
    }
    this.#commit();
  }

  #commit(): void {
    this.#ledger.commitSoon().catch((err: unknown) => this.#fatal(err));
  }

  /** A scan started by a timer or a kick: a failure stops the relay instead of escaping. */
  #safeScan(): void {
    try {
      this.scan();
    } catch (err) {
      this.#fatal(err);
    }
  }

  #fatal(err: unknown): void {
    this.#running = false;
    if (this.#failed) return;
    this.#failed = true;
    // Without a handler, rethrow: an unhandled failure is loud, a swallowed one is not.
    if (!this.#opts.onFatal) throw err;
    this.#opts.onFatal(err);
  }

  #arm(at: number): void {
    if (!this.#running || at === Infinity || at >= this.#timerAt) return;
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = null;
      this.#timerAt = Infinity;
      this.#safeScan();
    }, Math.max(0, at - this.#clock.now()));
  }
}
