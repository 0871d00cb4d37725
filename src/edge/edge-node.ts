// One edge node's behaviour, independent of HTTP: accepting local segments, receiving them from
// peers, the deadletter operations and retention. The server maps routes onto these calls;
// tests drive them directly with in-memory storage.
import { AutonomyError } from '../common/errors.ts';
import { sha256Hex } from '../common/hash.ts';
import type { Clock } from './clock.ts';
import { edgeError } from './errors.ts';
import { State, STATES, type Entry, type Ledger } from './ledger.ts';
import type { Scheduler } from './scheduler.ts';
import type { PutOutcome, SegmentStore } from './segment-store.ts';

export interface SegmentView {
  hash: string;
  size: number;
  from: string;
  stored_at: string;
  deliveries: { peer: string; state: State; failures: number }[];
}

export interface EntryView {
  id: string;
  segment: string;
  peer: string;
  state: State;
  failures: number;
  next_attempt_at: string;
  last_error: string | null;
  updated_at: string;
}

export type StateCounts = Record<State, number>;

export interface NodeOptions {
  nodeId: string;
  peers: readonly { id: string; address: string }[];
  retentionMs: number | null;
  clock: Clock;
  /** Called when a background ledger commit fails (the daemon stops). */
  onFatal?: (e: unknown) => void;
}

export class EdgeNode {
  readonly store: SegmentStore;
  readonly ledger: Ledger;
  readonly scheduler: Scheduler;
  readonly #opts: NodeOptions;
  readonly #peerIds: Set<string>;
  readonly #onFatal: (e: unknown) => void;

  constructor(store: SegmentStore, ledger: Ledger, scheduler: Scheduler, opts: NodeOptions) {
    this.store = store;
    this.ledger = ledger;
    this.scheduler = scheduler;
    this.#opts = opts;
    this.#peerIds = new Set(opts.peers.map((p) => p.id));
    // Without a handler the failure still surfaces: the next awaited commit rejects with it.
    this.#onFatal = opts.onFatal ?? (() => undefined);
  }

  /**
   * Brings ledger and store into agreement after a start: files the ledger never recorded (a
   * crash between the file's rename and the ledger commit, so never acknowledged) are adopted.
   * Returns the ledger's segments whose file is missing, for the daemon to report.
   */
  async reconcile(): Promise<string[]> {
    for (const { hash, size } of this.store.list()) if (!this.ledger.segment(hash)) this.ledger.addSegment(hash, size, 'recovered');
    await this.ledger.commit();
    return this.ledger.segments().filter((s) => !this.store.has(s.hash)).map((s) => s.hash);
  }

  /** Stores a local segment and schedules it to `to` (default: every known peer). */
  async put(bytes: Uint8Array, to?: readonly string[]): Promise<{ hash: string; size: number; outcome: PutOutcome; deliveries: { peer: string; state: State }[] }> {
    const peers = to && to.length > 0 ? [...new Set(to)].sort() : [...this.#peerIds].sort();
    for (const p of peers) if (!this.#peerIds.has(p)) throw edgeError('bad_request', `${JSON.stringify(p)} is not a known peer (known: ${[...this.#peerIds].sort().join(', ') || 'none'})`);
    const hash = sha256Hex(bytes);
    const outcome = await this.store.put(hash, bytes, hash);
    this.ledger.addSegment(hash, bytes.length, 'local');
    const deliveries = peers.map((p) => this.ledger.schedule(hash, p)).map((e) => ({ peer: e.peer, state: e.state }));
    // Acknowledge only what a crash cannot take back.
    await this.ledger.commit();
    this.scheduler.kick();
    return { hash, size: bytes.length, outcome, deliveries };
  }

  /**
   * Stores a segment a peer delivered; the caller has authenticated the peer. Resolves once the
   * bytes are durable. The ledger record (sender, time) is committed soon, not waited for: if
   * a crash loses it, reconcile() adopts the file at the next start, so nothing acknowledged
   * can be lost, and the sender's latency carries one fsync less.
   */
  async receive(peer: string, hash: string, bytes: Uint8Array, digest?: string): Promise<PutOutcome> {
    const outcome = await this.store.put(hash, bytes, digest);
    this.ledger.addSegment(hash, bytes.length, peer);
    this.ledger.commitSoon().catch(this.#onFatal);
    return outcome;
  }

  /** A stored segment's bytes, verified. */
  get(hash: string): Promise<Buffer> {
    return this.store.get(hash);
  }

  /** Entry counts by state. */
  counts(entries: readonly Entry[] = this.ledger.entries()): StateCounts {
    const c = Object.fromEntries(STATES.map((s) => [s, 0])) as StateCounts;
    for (const e of entries) c[e.state]++;
    return c;
  }

  status(): { node_id: string; segments: number; stored_bytes: number; disk_ceiling_bytes: number; entries: StateCounts; peers: number } {
    return {
      node_id: this.#opts.nodeId,
      segments: this.ledger.segments().length,
      stored_bytes: this.store.usedBytes(),
      disk_ceiling_bytes: this.store.ceilingBytes,
      entries: this.counts(),
      peers: this.#peerIds.size,
    };
  }

  segments(): SegmentView[] {
    return this.ledger.segments().map((s) => ({
      hash: s.hash,
      size: s.size,
      from: s.from,
      stored_at: iso(s.storedAt),
      deliveries: this.ledger.entriesOf(s.hash).map((e) => ({ peer: e.peer, state: e.state, failures: e.failures })).sort((a, b) => (a.peer < b.peer ? -1 : 1)),
    }));
  }

  peers(): { id: string; address: string; entries: StateCounts }[] {
    const all = this.ledger.entries();
    return [...this.#opts.peers].sort((a, b) => (a.id < b.id ? -1 : 1)).map((p) => ({ id: p.id, address: p.address, entries: this.counts(all.filter((e) => e.peer === p.id)) }));
  }

  deadletters(): EntryView[] {
    return this.ledger.entries().filter((e) => e.state === State.Deadletter).map(view);
  }

  /** Deadletter → Scheduled with a fresh retry budget. */
  async retry(sel: { ids?: readonly string[]; all?: boolean }): Promise<string[]> {
    const ids = this.#select(sel);
    for (const id of ids) this.ledger.transition(id, State.Scheduled, { failures: 0 });
    await this.ledger.commit();
    this.scheduler.kick();
    return ids;
  }

  /** Forgets Deadletter entries; deletes a segment's file once no entry still needs it. */
  async purge(sel: { ids?: readonly string[]; all?: boolean }): Promise<{ purged: string[]; removed: string[] }> {
    const ids = this.#select(sel);
    const segments = new Set<string>();
    for (const id of ids) {
      segments.add(this.ledger.entry(id)!.segment);
      this.ledger.purge(id);
    }
    const removed = [...segments].sort().filter((h) => !this.ledger.needs(h));
    return { purged: ids, removed: await this.#remove(removed) };
  }

  /** Removes segments past retention whose every delivery is acked, oldest first. */
  async sweep(): Promise<string[]> {
    const ttl = this.#opts.retentionMs;
    if (ttl === null) return [];
    const cutoff = this.#opts.clock.now() - ttl;
    // segments() is oldest first, then by hash: a deterministic eviction order.
    const expired = this.ledger.segments().filter((s) => s.storedAt <= cutoff && !this.ledger.needs(s.hash)).map((s) => s.hash);
    return this.#remove(expired);
  }

  async #remove(hashes: readonly string[]): Promise<string[]> {
    // Ledger first, then the file: a crash in between leaves an orphan file (adopted at the
    // next start), never a ledger entry pointing at nothing.
    for (const h of hashes) this.ledger.evict(h);
    await this.ledger.commit();
    for (const h of hashes) await this.store.remove(h);
    return [...hashes];
  }

  /** Resolves ids (exact or a unique prefix) or --all among Deadletter entries. */
  #select(sel: { ids?: readonly string[]; all?: boolean }): string[] {
    const dead = this.ledger.entries().filter((e) => e.state === State.Deadletter).map((e) => e.id);
    if (sel.all) return dead;
    if (!sel.ids || sel.ids.length === 0) throw edgeError('bad_request', 'name deadletter entries by id, or use --all');
    const out = new Set<string>();
    for (const want of sel.ids) {
      const hits = dead.includes(want) ? [want] : dead.filter((id) => id.startsWith(want));
      if (hits.length === 0) {
        const e = this.ledger.entry(want);
        throw new AutonomyError('entry_not_found', e ? `${want} is ${e.state}, not Deadletter` : `no deadletter entry matches ${JSON.stringify(want)}`);
      }
      if (hits.length > 1) throw edgeError('bad_request', `${JSON.stringify(want)} matches ${hits.length} deadletter entries; give more of the id`);
      out.add(hits[0]!);
    }
    return [...out];
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function view(e: Entry): EntryView {
  return { id: e.id, segment: e.segment, peer: e.peer, state: e.state, failures: e.failures, next_attempt_at: iso(e.nextAt), last_error: e.lastError, updated_at: iso(e.updatedAt) };
}
