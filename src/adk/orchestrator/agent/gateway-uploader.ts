// The gateway side of uploads through the edge relay: reads the audit envelopes its local edged
// holds (delivered by peers whose nodes cannot reach the orchestrator) and uploads each with the
// gateway's own request signature. The orchestrator checks the node's signature, chain and
// checkpoints; the gateway only carries. Envelopes go in (node, segment, offset) order, since the
// relay may deliver a node's later segment first: one the orchestrator answers with audit_gap
// waits for the next round, when the earlier one may have arrived. Status envelopes (a node's
// report with its report sequence) go after, oldest first; the orchestrator ignores any older than
// the last it applied, so their order across rounds does not matter. Toward those nodes, the
// gateway hands on each one's desired state with the bundle bytes (a desired envelope addressed to
// the edge peer the node's envelopes came from) whenever its version changes; the node verifies
// the bundle against its own trust keys, so the gateway only carries.
import { AutonomyError, isAutonomyError } from '../../../common/errors.ts';
import { decodeEnvelope, decodeStatusEnvelope, encodeDesiredEnvelope, isEnvelope, isStatusEnvelope } from '../audit-ingest/relay-envelope.ts';
import type { EdgeControl } from './edge-handoff.ts';
import type { DesiredState } from '../service.ts';
import type { NodeClient } from './node-client.ts';

/** Refusals that may pass once other uploads land: the envelope stays pending. */
const WAIT = new Set(['audit_gap', 'audit_busy']);
/** Refusals of the envelope itself: retrying it can never succeed, so it is done with. */
const FINAL = new Set(['relay_tampered', 'audit_tampered', 'audit_unsealed', 'bad_request', 'node_not_found', 'payload_too_large']);

/** A segment of the local edged waiting to be uploaded. */
interface Pending {
  hash: string;
  node: string;
  segment: string;
  offset: number;
  bytes: Buffer;
  /** A status envelope (segment '' and offset its seq), not audit. */
  status: boolean;
}

/** What one round did. */
export interface RelayRound {
  uploaded: number;
  accepted: number;
  /** Status reports the orchestrator applied (older ones it ignores are uploaded, not applied). */
  reported: number;
  /** Desired states handed toward nodes (a new version each). */
  handed: number;
  refused: number;
  waiting: number;
}

/** Options of a gateway uploader. */
export interface GatewayUploaderOptions {
  /** This gateway's client (an enrolled node the orchestrator allows to relay). */
  client: Pick<NodeClient, 'relayAudit' | 'relayStatus' | 'gatewayDesired' | 'gatewayBundle'>;
  /** The gateway's local edged. */
  edge: EdgeControl;
  /** Segments already uploaded or refused (what the last run recorded). */
  done?: Iterable<string>;
  /** Called after a round that changed the done set, with all of it, to record it for the next run. */
  onDone?: (done: readonly string[]) => void;
  say: (line: string) => void;
}

/** Uploads the audit envelopes a gateway's edged received. */
export class GatewayUploader {
  readonly #o: GatewayUploaderOptions;
  readonly #done: Set<string>;
  /** Envelopes read from edged and not yet done (so a waiting one is not fetched every round). */
  readonly #pending = new Map<string, Pending>();
  /** Nodes whose status reports this run has delivered, and the desired version last handed to each (0: none). */
  readonly #reporting = new Map<string, number>();
  /** The edge peer each node's envelopes came from: where its desired state goes. */
  readonly #peers = new Map<string, string>();

  constructor(o: GatewayUploaderOptions) {
    this.#o = o;
    this.#done = new Set(o.done ?? []);
  }

  /** One round: read new segments, upload every pending envelope in order. */
  async syncOnce(): Promise<RelayRound> {
    const listed = JSON.parse((await this.#o.edge.call('GET', '/v1/local/segments')).body.toString('utf8')) as { hash: string }[];
    const held = new Set(listed.map((s) => s.hash));
    let changed = false;
    // Forget what edged no longer holds (its retention removed it): the set stays bounded.
    for (const h of this.#done) {
      if (!held.has(h)) {
        this.#done.delete(h);
        changed = true;
      }
    }
    for (const { hash, from } of listed as { hash: string; from?: string }[]) {
      if (this.#done.has(hash) || this.#pending.has(hash)) continue;
      const bytes = (await this.#o.edge.call('GET', `/v1/local/segments/${hash}`)).body;
      if (isStatusEnvelope(bytes)) {
        let head = { node: '', seq: 0 };
        try {
          head = decodeStatusEnvelope(bytes);
        } catch {
          // Malformed after the magic: the orchestrator refuses it and says why; it still goes.
        }
        this.#pending.set(hash, { hash, node: head.node, segment: '', offset: head.seq, bytes, status: true });
        if (head.node && from && from !== 'local') this.#peers.set(head.node, from);
        continue;
      }
      if (!isEnvelope(bytes)) {
        // Other traffic of the relay: not ours to upload.
        this.#done.add(hash);
        changed = true;
        continue;
      }
      let head = { node: '', segment: '', offset: 0 };
      try {
        head = decodeEnvelope(bytes);
      } catch {
        // Malformed after the magic: the orchestrator refuses it and says why; it still goes.
      }
      this.#pending.set(hash, { hash, node: head.node, segment: head.segment, offset: head.offset, bytes, status: false });
    }

    const round: RelayRound = { uploaded: 0, accepted: 0, reported: 0, handed: 0, refused: 0, waiting: 0 };
    const blocked = new Set<string>();
    const order = [...this.#pending.values()].sort((a, b) => Number(a.status) - Number(b.status) || cmp(a.node, b.node) || cmp(a.segment, b.segment) || a.offset - b.offset || cmp(a.hash, b.hash));
    try {
      for (const p of order) {
        if (!p.status && blocked.has(p.node)) {
          round.waiting++;
          continue;
        }
        try {
          if (p.status) {
            const r = await this.#o.client.relayStatus(p.bytes);
            if (r.applied) round.reported++;
            // Said once per node: heartbeats would fill the log.
            if (r.applied && !this.#reporting.has(r.node)) {
              this.#o.say(`gateway: relaying status reports of node ${r.node}`);
              this.#reporting.set(r.node, 0);
            }
          } else {
            const r = await this.#o.client.relayAudit(p.bytes);
            round.accepted += r.accepted;
            if (r.accepted > 0) this.#o.say(`gateway: uploaded ${r.accepted} record(s) of node ${r.node} (${p.segment} offset ${p.offset}, to seq ${r.head_seq})`);
          }
          round.uploaded++;
        } catch (e) {
          if (!isAutonomyError(e)) throw e;
          if (WAIT.has(e.code)) {
            // Later segments of this node cannot land before this one: they wait too.
            blocked.add(p.node);
            round.waiting++;
            continue;
          }
          if (!FINAL.has(e.code)) throw e;
          round.refused++;
          const what = p.status ? `status seq ${p.offset}` : `${p.segment || '?'} offset ${p.offset}`;
          this.#o.say(`gateway: REFUSED ${p.hash.slice(0, 12)} (node ${p.node || '?'}, ${what}): ${e.code}: ${e.message}`);
        }
        this.#pending.delete(p.hash);
        this.#done.add(p.hash);
        changed = true;
      }
    } finally {
      if (changed) this.#o.onDone?.([...this.#done].sort());
    }
    for (const node of [...this.#reporting.keys()].sort()) if (await this.#handDesired(node)) round.handed++;
    if (round.waiting > 0 && round.uploaded === 0 && round.refused === 0) {
      // Nothing moved: say so through the retry loop (once per distinct message), not every round.
      throw new AutonomyError('audit_gap', `${round.waiting} relayed envelope(s) wait for earlier records of ${[...blocked].sort().join(', ')} to arrive`);
    }
    return round;
  }

  /** Hands the node's desired state toward it if its version changed since last handed; returns whether it did. */
  async #handDesired(node: string): Promise<boolean> {
    const peer = this.#peers.get(node);
    if (peer === undefined) return false;
    let d: DesiredState;
    try {
      d = await this.#o.client.gatewayDesired(node);
    } catch (e) {
      // Its reports now come through another gateway: that one hands it on.
      if (!(isAutonomyError(e) && e.code === 'forbidden')) throw e;
      this.#reporting.delete(node);
      return false;
    }
    if (d.version === this.#reporting.get(node) || d.revision === null) return false;
    const bundle = await this.#o.client.gatewayBundle(node, d.revision, d.digest);
    await this.#o.edge.call('POST', `/v1/local/segments?to=${encodeURIComponent(peer)}`, encodeDesiredEnvelope({ node, revision: d.revision, digest: d.digest ?? '', version: d.version }, bundle));
    this.#reporting.set(node, d.version);
    this.#o.say(`gateway: handed revision ${d.revision} (version ${d.version}) toward node ${node} through edge peer ${peer}`);
    return true;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
