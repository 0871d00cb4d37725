// The node side of uploads through the edge relay: instead of calling the orchestrator, sealed
// WAL bytes are wrapped in an envelope signed by the node key and stored in the node's local
// edged, which delivers them to its configured peers (a gateway among them). Once edged has
// answered, the bytes are durable there, so the uploader may move on: delivery, retries and the
// deadletter are the relay's job (docs/edge.md).
import type { KeyObject } from 'node:crypto';
import { decodeDesiredEnvelope, encodeEnvelope, encodeStatusEnvelope, isDesiredEnvelope, type DesiredEnvelope } from '../audit-ingest/relay-envelope.ts';
import type { AuditSink } from './audit-uploader.ts';

/** The local edged's control API (src/edge/control-client.ts). */
export interface EdgeControl {
  call(method: string, path: string, body?: Uint8Array): Promise<{ status: number; body: Buffer }>;
}

/** Where a node's status reports go when it has no route: a gateway delivers them. */
export interface StatusSink {
  /** Stores the report (its JSON) with the node's report sequence, durably, for delivery. */
  handStatus(seq: number, report: Buffer): Promise<void>;
}

/** Where a node without a route finds the desired state a gateway handed toward it. */
export interface DesiredSource {
  /** The desired envelopes for this node received since the last call. */
  receivedDesired(): Promise<DesiredEnvelope[]>;
}

/** An AuditSink (and StatusSink, DesiredSource) that hands sealed records and reports to the local edged for a gateway to upload. */
export class EdgeHandoff implements AuditSink, StatusSink, DesiredSource {
  readonly #key: KeyObject;
  readonly #nodeId: string;
  readonly #edge: EdgeControl;
  readonly #query: string;
  /** Received segments already looked at (forgotten once edged no longer holds them). */
  readonly #seen = new Set<string>();

  /** to: the edge peers to deliver to (empty: every known peer of the local edged). */
  constructor(key: KeyObject, nodeId: string, edge: EdgeControl, to: readonly string[] = []) {
    this.#key = key;
    this.#nodeId = nodeId;
    this.#edge = edge;
    this.#query = to.length ? `?${to.map((p) => `to=${encodeURIComponent(p)}`).join('&')}` : '';
  }

  /** Stores the envelope in edged; nothing is accepted by the orchestrator yet, so 0. */
  async uploadAudit(segment: string, offset: number, bytes: Buffer): Promise<{ accepted: number }> {
    await this.#edge.call('POST', `/v1/local/segments${this.#query}`, encodeEnvelope(this.#key, this.#nodeId, segment, offset, bytes));
    return { accepted: 0 };
  }

  /** Stores a status envelope in edged. */
  async handStatus(seq: number, report: Buffer): Promise<void> {
    await this.#edge.call('POST', `/v1/local/segments${this.#query}`, encodeStatusEnvelope(this.#key, this.#nodeId, seq, report));
  }

  /** Reads the segments edged received from peers since the last call; returns the desired envelopes addressed to this node. */
  async receivedDesired(): Promise<DesiredEnvelope[]> {
    const listed = JSON.parse((await this.#edge.call('GET', '/v1/local/segments')).body.toString('utf8')) as { hash: string; from: string }[];
    const held = new Set(listed.map((s) => s.hash));
    for (const h of this.#seen) if (!held.has(h)) this.#seen.delete(h);
    const out: DesiredEnvelope[] = [];
    // What this node put itself ('local') is its own audit and reports.
    for (const { hash } of listed.filter((s) => s.from !== 'local' && !this.#seen.has(s.hash))) {
      const bytes = (await this.#edge.call('GET', `/v1/local/segments/${hash}`)).body;
      this.#seen.add(hash);
      if (!isDesiredEnvelope(bytes)) continue;
      try {
        const d = decodeDesiredEnvelope(bytes);
        if (d.node === this.#nodeId) out.push(d);
      } catch {
        // Malformed: nothing a node could act on; the bundle would have been checked anyway.
      }
    }
    return out;
  }
}
