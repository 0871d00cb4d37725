// The node agent of `autonomy serve --orchestrator URL`: pulls the desired state (long poll with
// ETag), downloads and activates new revisions through the runtime's own signed-bundle store,
// reports what is actually active, and uploads the sealed WAL. It never stands between the
// runtime and a decision: every failure here is logged and retried on a fixed back-off schedule
// while the runtime keeps enforcing its last valid policy.
import { AuditUploader, type AuditSink, type UploadPosition } from '../orchestrator/agent/audit-uploader.ts';
import type { DesiredSource, StatusSink } from '../orchestrator/agent/edge-handoff.ts';
import { checkDigest, type NodeClient, type StatusReport } from '../orchestrator/agent/node-client.ts';
import { retryLoop } from '../orchestrator/agent/retry-loop.ts';

/** Options of a node agent. */
export interface NodeAgentOptions {
  client: NodeClient;
  /** Activates a downloaded bundle and reloads the decision server; throws to refuse it. */
  activate: (revision: string, bytes: Buffer) => Promise<void>;
  /** The revision the runtime has active at start (null: none). */
  active: string | null;
  /** The WAL directory whose sealed records are uploaded. */
  walDir: string;
  /** Where sealed records go (default: uploaded to the orchestrator by client; else e.g. handed to the local edged). */
  auditSink?: AuditSink;
  /** Where uploads resume (what the last run recorded; null: from the first segment). */
  uploadFrom?: UploadPosition | null;
  /** Called after each upload that moved the position, to record it for the next run. */
  onUploaded?: (pos: UploadPosition) => void;
  /** Where status reports are also handed (the local edged, for a gateway to deliver), when the node has no route. */
  statusRelay?: StatusSink | null;
  /** Where desired state handed on by a gateway arrives (the local edged), when the node has no route. */
  desiredRelay?: DesiredSource | null;
  /** The last report sequence used (what the last run recorded; 0: none). */
  reportSeqFrom?: number;
  /** Called with every new report sequence, to record it for the next run. */
  onReportSeq?: (seq: number) => void;
  /** A relayed report is handed again after this long even if unchanged (so the fleet view sees the node alive). */
  relayHeartbeatMs?: number;
  /** Seals what the WAL holds (a checkpoint) so uploads do not wait for the WAL's own interval. */
  seal: () => Promise<unknown>;
  say: (line: string) => void;
  /** How long one long poll may wait (the orchestrator caps it). */
  waitMs?: number;
  /** How often the WAL is sealed and uploaded. */
  uploadEveryMs?: number;
  /** Delays after consecutive failures; the last repeats. Deterministic so tests can bound catch-up. */
  backoffMs?: readonly number[];
}

export const DEFAULT_BACKOFF_MS: readonly number[] = [250, 500, 1000, 2000, 5000];

/** A running node agent. */
export class NodeAgent {
  readonly #o: Required<NodeAgentOptions>;
  readonly #uploader: AuditUploader;
  readonly #abort = new AbortController();
  #active: string | null;
  #etag: string | null = null;
  #seq: number;
  /** What the node would report now: the outcome of its last activation. */
  #status: StatusReport;
  /** The last report handed to the relay (its JSON) and when. */
  #relayed: { text: string; at: number } | null = null;
  /** The newest desired-state version received through the relay and acted on. */
  #relayVersion = 0;
  #loops: Promise<void>[] = [];

  constructor(o: NodeAgentOptions) {
    this.#o = {
      waitMs: 20_000, uploadEveryMs: 5000, backoffMs: DEFAULT_BACKOFF_MS, uploadFrom: null, onUploaded: () => undefined, auditSink: o.client,
      statusRelay: null, desiredRelay: null, reportSeqFrom: 0, onReportSeq: () => undefined, relayHeartbeatMs: 15_000, ...o,
    };
    this.#active = o.active;
    this.#seq = this.#o.reportSeqFrom;
    this.#status = { active_revision: o.active, status: 'ok' };
    this.#uploader = new AuditUploader(this.#o.auditSink, o.walDir, this.#o.uploadFrom);
  }

  /** The orchestrator revision this agent last activated (or found active at start). */
  get active(): string | null {
    return this.#active;
  }

  /** Starts the desired-state loop and the audit loop. */
  start(): void {
    const common = { prefix: 'orchestrator:', backoffMs: this.#o.backoffMs, signal: this.#abort.signal, say: this.#o.say };
    this.#loops = [
      // After a failure the next poll goes without the ETag: it gets the full state and reports again.
      retryLoop({ ...common, name: 'policy', step: () => this.syncOnce(), pauseMs: 0, onFailure: () => (this.#etag = null) }),
      retryLoop({ ...common, name: 'audit', step: () => this.uploadOnce(), pauseMs: this.#o.uploadEveryMs }),
      ...(this.#o.statusRelay ? [retryLoop({ ...common, name: 'status relay', step: async () => (await this.relayDesiredOnce(), await this.relayStatusOnce()), pauseMs: Math.min(this.#o.uploadEveryMs, this.#o.relayHeartbeatMs) })] : []),
    ];
  }

  /** Stops both loops (an in-flight long poll is aborted) and waits for them. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await Promise.all(this.#loops);
  }

  /** One poll-and-converge round. */
  async syncOnce(): Promise<void> {
    const poll = await this.#o.client.desired(this.#etag, this.#etag ? this.#o.waitMs : 0, this.#abort.signal);
    if (!poll.state) return;
    const want = poll.state.revision;
    if (want === null || want === this.#active) {
      // Tells the orchestrator what is active (after a start or a reconnect it may not know).
      await this.#report({ active_revision: this.#active, status: 'ok' });
    } else {
      const digest = poll.state.digest;
      await this.#report(await this.#activate(want, () => this.#o.client.bundle(want, digest)));
    }
    // Only once the report is through: if it fails, the next round polls without the ETag, gets
    // the full state again and reports again.
    this.#etag = poll.etag;
  }

  /** Seals the WAL and uploads what was not uploaded yet; returns the records accepted. */
  async uploadOnce(): Promise<number> {
    await this.#o.seal();
    const before = this.#uploader.position;
    const accepted = await this.#uploader.sync();
    const after = this.#uploader.position;
    if (after !== null && (after.segment !== before?.segment || after.offset !== before.offset)) this.#o.onUploaded(after);
    return accepted;
  }

  /**
   * Acts on the newest desired state a gateway handed on through the relay, if newer than the last
   * acted on: the bundle goes through the same activation as a download (the node's own trust
   * keys decide). Returns whether there was a new one.
   */
  async relayDesiredOnce(): Promise<boolean> {
    const relay = this.#o.desiredRelay;
    if (!relay) return false;
    let newest = null;
    for (const d of await relay.receivedDesired()) if (d.version > (newest?.version ?? this.#relayVersion)) newest = d;
    if (newest === null) return false;
    this.#relayVersion = newest.version;
    const d = newest;
    if (d.revision !== this.#active) this.#status = await this.#activate(d.revision, async () => checkDigest(d.revision, d.bytes, d.digest));
    return true;
  }

  /** Fetches and activates a revision; the report of the outcome (a refusal keeps the active policy). */
  async #activate(want: string, fetch: () => Promise<Buffer>): Promise<StatusReport> {
    try {
      await this.#o.activate(want, await fetch());
      this.#active = want;
      this.#o.say(`orchestrator: activated revision ${want}`);
      return { active_revision: want, status: 'ok' };
    } catch (e) {
      // A refused bundle (signature, tests, downgrade) leaves the active policy as it was.
      const message = e instanceof Error ? e.toString() : String(e);
      this.#o.say(`orchestrator: revision ${want} not activated, keeping ${this.#active ?? 'no policy'}: ${message}`);
      return { active_revision: this.#active, status: 'failed', failed_revision: want, error: message };
    }
  }

  /** Hands the current status to the relay if it changed or the heartbeat is due; returns whether it did. */
  async relayStatusOnce(): Promise<boolean> {
    const relay = this.#o.statusRelay;
    if (!relay) return false;
    const text = JSON.stringify(this.#status);
    const now = Date.now();
    if (this.#relayed && this.#relayed.text === text && now - this.#relayed.at < this.#o.relayHeartbeatMs) return false;
    await relay.handStatus(this.#nextSeq(), Buffer.from(text, 'utf8'));
    this.#relayed = { text, at: now };
    return true;
  }

  // A hybrid clock: the wall clock in ms, but strictly increasing across reports and restarts, so
  // the orchestrator orders this node's reports as the node made them, whichever path they took.
  #nextSeq(): number {
    this.#seq = Math.max(Date.now(), this.#seq + 1);
    this.#o.onReportSeq(this.#seq);
    return this.#seq;
  }

  async #report(r: StatusReport): Promise<void> {
    this.#status = r;
    await this.#o.client.report({ ...r, seq: this.#nextSeq() });
  }
}
