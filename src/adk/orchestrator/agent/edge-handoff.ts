// The node side of uploads through the edge relay: instead of calling the orchestrator, sealed
// WAL bytes are wrapped in an envelope signed by the node key and stored in the node's local
// edged, which delivers them to its configured peers (a gateway among them). Once edged has
// answered, the bytes are durable there, so the uploader may move on: delivery, retries and the
// deadletter are the relay's job (docs/edge.md).
import type { KeyObject } from 'node:crypto';
import { encodeEnvelope, encodeStatusEnvelope } from '../audit-ingest/relay-envelope.ts';
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

/** An AuditSink (and StatusSink) that hands sealed records and reports to the local edged for a gateway to upload. */
export class EdgeHandoff implements AuditSink, StatusSink {
  readonly #key: KeyObject;
  readonly #nodeId: string;
  readonly #edge: EdgeControl;
  readonly #query: string;

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
}
