// The sending side of the protocol over node:http: peer deliveries for the scheduler and the
// signed control calls edgectl makes to its own daemon.
import { Agent, request } from 'node:http';
import type { Readable } from 'node:stream';
import { edgeError } from './errors.ts';
import type { RequestSigner } from './protocol.ts';
import type { SendResult, Transport } from './scheduler.ts';
import type { SegmentStore } from './segment-store.ts';

/** A response, body fully read. */
export interface Reply {
  status: number;
  body: Buffer;
}

/** Sends one signed request; rejects only when no HTTP answer came (refused, reset, timeout). */
export function signedRequest(opts: {
  base: string;
  method: string;
  path: string;
  to: string;
  signer: RequestSigner;
  /** The body: bytes, or a stream of `length` bytes (then `digest` is required). */
  body?: Uint8Array | { stream: Readable; length: number };
  agent?: Agent;
  timeoutMs: number;
  headers?: Record<string, string>;
  /** The body's SHA-256, when the caller already knows it. */
  digest?: string;
}): Promise<Reply> {
  const body = opts.body ?? new Uint8Array(0);
  const streamed = 'stream' in body ? body : null;
  if (streamed && opts.digest === undefined) throw new Error('signedRequest: a streamed body needs its digest');
  const signed = opts.signer.headers(opts.method, opts.path, opts.to, streamed ? '' : (body as Uint8Array), opts.digest);
  const url = new URL(opts.path, opts.base);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: opts.method,
      agent: opts.agent,
      timeout: opts.timeoutMs,
      headers: { ...opts.headers, ...signed, 'content-length': String(body.length) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${opts.base} within ${opts.timeoutMs} ms`)));
    req.on('error', reject);
    if (streamed) {
      streamed.stream.on('error', (e) => req.destroy(e));
      streamed.stream.pipe(req);
    } else {
      req.end(body);
    }
  });
}

/** The `code: message` of an error reply, or the status when the body is not one. */
export function describeReply(r: Reply): string {
  try {
    const e = (JSON.parse(r.body.toString('utf8')) as { error?: { code?: string; message?: string } }).error;
    if (e?.code) return `HTTP ${r.status} ${e.code}: ${e.message ?? ''}`;
  } catch {
    // Not JSON: fall through to the bare status.
  }
  return `HTTP ${r.status}`;
}

/** Segments larger than this are streamed to the peer rather than read into memory first. */
const STREAM_ABOVE = 1024 * 1024;

/** Delivers segments to peers with PUT /v1/segments/HASH. */
export class HttpTransport implements Transport {
  readonly #peers: ReadonlyMap<string, string>;
  readonly #store: SegmentStore;
  readonly #signer: RequestSigner;
  readonly #timeoutMs: number;
  // Keep-alive: a relay sends many segments to few peers, so reuse connections.
  readonly #agent = new Agent({ keepAlive: true });

  constructor(peers: ReadonlyMap<string, string>, store: SegmentStore, signer: RequestSigner, timeoutMs: number) {
    this.#peers = peers;
    this.#store = store;
    this.#signer = signer;
    this.#timeoutMs = timeoutMs;
  }

  async send(peer: string, segment: string): Promise<SendResult> {
    try {
      const base = this.#peers.get(peer);
      if (!base) throw edgeError('peer_unknown', `${peer} is no longer a known peer`);
      // Large segments are streamed from the file, so a delivery never holds a segment-sized
      // buffer (measured: allocating and freeing one per 4 MiB send cost more than the copy);
      // small ones are read whole, which takes fewer system calls. The segment's address is its
      // digest; the receiver checks the bytes against it.
      const size = this.#store.size(segment) ?? 0;
      const body = size > STREAM_ABOVE ? this.#store.stream(segment) : await this.#store.read(segment);
      const r = await signedRequest({ base, method: 'PUT', path: `/v1/segments/${segment}`, to: peer, signer: this.#signer, body, digest: segment, agent: this.#agent, timeoutMs: this.#timeoutMs, headers: { 'content-type': 'application/octet-stream' } });
      return r.status === 200 || r.status === 201 ? { ok: true } : { ok: false, error: describeReply(r) };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  }

  close(): void {
    this.#agent.destroy();
  }
}
