// The node side of the API: enrollment and signed requests. Used by the simulated agents (tests,
// `npm run sim`) and meant for the runtime's node agent (`autonomy serve --orchestrator URL`).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { keyId, publicPemOf } from '../../../common/ed25519.ts';
import { AutonomyError } from '../../../common/errors.ts';
import { sha256Hex } from '../../../common/hash.ts';
import { checked, request } from '../api/client.ts';
import { signRequest } from '../auth/signature.ts';
import type { DesiredState } from '../service.ts';

/** What a node reports after trying to activate its desired revision. */
export interface StatusReport {
  active_revision: string | null;
  status: 'ok' | 'failed';
  failed_revision?: string | null;
  error?: string | null;
  /** The node's report sequence (direct and relayed reports share it); without it, the signed request time orders reports. */
  seq?: number;
}

/** A poll's answer: the desired state, or null when unchanged since etag. */
export interface DesiredPoll {
  state: DesiredState | null;
  etag: string | null;
}

/** A node's client: every request signed with the node key. */
export class NodeClient {
  readonly base: string;
  readonly nodeId: string;
  readonly #key: KeyObject;
  #lastTime = 0;

  constructor(baseUrl: string, key: KeyObject) {
    this.base = baseUrl.replace(/\/+$/, '');
    this.#key = key;
    this.nodeId = keyId(key.type === 'private' ? createPublicKey(key) : key);
  }

  /** Enrolls the key with a one-time token; returns the client and the labels given. */
  static async enroll(baseUrl: string, key: KeyObject, token: string): Promise<{ client: NodeClient; labels: Record<string, string> }> {
    const client = new NodeClient(baseUrl, key);
    const res = await client.#send('POST', '/v1/enroll', Buffer.from(JSON.stringify({ token, public_key: publicPemOf(key) })), 'application/json');
    const body = (await res.json()) as { labels: Record<string, string> };
    return { client, labels: body.labels };
  }

  // Signed times strictly increase, so the orchestrator's ordering of reports matches ours.
  #time(): number {
    this.#lastTime = Math.max(Date.now(), this.#lastTime + 1);
    return this.#lastTime;
  }

  async #send(method: string, path: string, body: Buffer, type?: string, extra: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
    const headers = { ...signRequest(this.#key, this.nodeId, method, path, body, this.#time()), ...extra, ...(type && { 'content-type': type }) };
    return checked(await request(`${this.base}${path}`, { method, headers, ...(body.length > 0 && { body }), ...(signal && { signal }) }));
  }

  /** The desired state; with etag, long-polls up to waitMs for a change (null state: unchanged). */
  async desired(etag: string | null = null, waitMs = 0, signal?: AbortSignal): Promise<DesiredPoll> {
    const path = etag && waitMs > 0 ? `/v1/node/desired?wait_ms=${waitMs}` : '/v1/node/desired';
    const res = await this.#send('GET', path, Buffer.alloc(0), undefined, etag ? { 'if-none-match': etag } : {}, signal);
    if (res.status === 304) return { state: null, etag };
    return { state: (await res.json()) as DesiredState, etag: res.headers.get('etag') };
  }

  /** Downloads a bundle and checks its bytes against the digest the orchestrator announced. */
  async bundle(revision: string, digest: string | null): Promise<Buffer> {
    const res = await this.#send('GET', `/v1/node/bundles/${encodeURIComponent(revision)}`, Buffer.alloc(0));
    return checkDigest(revision, Buffer.from(await res.arrayBuffer()), digest);
  }

  /** The desired state of a node whose reports come through this gateway. */
  async gatewayDesired(node: string): Promise<DesiredState> {
    return (await (await this.#send('GET', `/v1/gateway/nodes/${encodeURIComponent(node)}/desired`, Buffer.alloc(0))).json()) as DesiredState;
  }

  /** A bundle of a node whose reports come through this gateway, checked against the announced digest. */
  async gatewayBundle(node: string, revision: string, digest: string | null): Promise<Buffer> {
    const res = await this.#send('GET', `/v1/gateway/nodes/${encodeURIComponent(node)}/bundles/${encodeURIComponent(revision)}`, Buffer.alloc(0));
    return checkDigest(revision, Buffer.from(await res.arrayBuffer()), digest);
  }

  /** Reports the active revision and the outcome of the last activation. */
  async report(r: StatusReport): Promise<{ applied: boolean }> {
    return (await (await this.#send('POST', '/v1/node/status', Buffer.from(JSON.stringify(r)), 'application/json')).json()) as { applied: boolean };
  }

  /** Uploads sealed WAL bytes of one segment starting at offset. */
  async uploadAudit(segment: string, offset: number, bytes: Buffer): Promise<{ accepted: number; duplicates: number; head_seq: number | null }> {
    const path = `/v1/node/audit?segment=${encodeURIComponent(segment)}&offset=${offset}`;
    return (await (await this.#send('POST', path, bytes, 'application/octet-stream')).json()) as { accepted: number; duplicates: number; head_seq: number | null };
  }

  /** Delivers another node's audit envelope received through the edge relay (this node must be an allowed gateway). */
  async relayAudit(envelope: Buffer): Promise<{ node: string; accepted: number; duplicates: number; head_seq: number | null }> {
    return (await (await this.#send('POST', '/v1/gateway/audit', envelope, 'application/octet-stream')).json()) as { node: string; accepted: number; duplicates: number; head_seq: number | null };
  }

  /** Delivers another node's status envelope received through the edge relay (this node must be an allowed gateway). */
  async relayStatus(envelope: Buffer): Promise<{ node: string; seq: number; applied: boolean }> {
    return (await (await this.#send('POST', '/v1/gateway/status', envelope, 'application/octet-stream')).json()) as { node: string; seq: number; applied: boolean };
  }

  /** A raw signed request (tests use it to probe what a node may not do). */
  raw(method: string, path: string, body = Buffer.alloc(0), headers: Record<string, string> = {}): Promise<Response> {
    return this.#send(method, path, body, undefined, headers);
  }
}

/** The bytes, if they hash to digest (null: nothing announced); throws bundle_digest otherwise. */
export function checkDigest(revision: string, bytes: Buffer, digest: string | null): Buffer {
  // Transport integrity only: the node's trust is in the bundle's own signature, checked on activation.
  if (digest !== null && sha256Hex(bytes) !== digest) throw new AutonomyError('bundle_digest', `bundle ${revision}: the bytes do not match digest ${digest}`);
  return bytes;
}
