// The HTTP face of a node: peer deliveries (PUT /v1/segments/HASH, signed by a known peer),
// control calls from edgectl (/v1/local/…, signed with this node's own key), /health and
// /metrics. Routing and body handling only; behaviour lives in EdgeNode.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { AutonomyError } from '../common/errors.ts';
import type { EdgeNode } from './edge-node.ts';
import { edgeError, statusOf } from './errors.ts';
import { renderMetrics, RequestCounters } from './metrics.ts';
import { RequestVerifier, type Accepted } from './protocol.ts';
import { isHash } from './segment-store.ts';

export interface ServerOptions {
  node: EdgeNode;
  /** Verifies deliveries from known peers. */
  peers: RequestVerifier;
  /** Verifies control calls, which only this node's own key may sign. */
  control: RequestVerifier;
  maxSegmentBytes: number;
  log: (line: string) => void;
}

type Handler = (req: IncomingMessage, res: ServerResponse, path: string, params: string[]) => Promise<void>;

/** Creates the server (not yet listening). */
export function createEdgeServer(o: ServerOptions): { server: Server; counters: RequestCounters } {
  const counters = new RequestCounters();
  const { node } = o;

  const authed = async (v: RequestVerifier, req: IncomingMessage, path: string, maxBody: number): Promise<{ who: Accepted; body: Buffer }> => {
    const who = v.verify(req.method ?? '', path, req.headers);
    const { body, digest } = await readBody(req, maxBody);
    RequestVerifier.checkBody(who, body, digest);
    return { who, body };
  };
  const control = (maxBody = 64 * 1024): ((req: IncomingMessage, path: string) => Promise<Buffer>) => async (req, path) => (await authed(o.control, req, path, maxBody)).body;
  const controlBody = control();
  const selection = (body: Buffer): { ids?: string[]; all?: boolean } => {
    let v: unknown;
    try {
      v = JSON.parse(body.toString('utf8') || '{}');
    } catch {
      throw edgeError('bad_request', 'expected a JSON body {"ids": [...]} or {"all": true}');
    }
    const s = v as { ids?: unknown; all?: unknown };
    if ((s.ids !== undefined && !(Array.isArray(s.ids) && s.ids.every((x) => typeof x === 'string'))) || (s.all !== undefined && typeof s.all !== 'boolean')) {
      throw edgeError('bad_request', 'expected a JSON body {"ids": [...]} or {"all": true}');
    }
    return s as { ids?: string[]; all?: boolean };
  };

  const routes: [string, RegExp, Handler][] = [
    ['GET', /^\/health$/, async (_req, res) => json(res, 200, { status: 'ok', node_id: node.status().node_id })],
    ['GET', /^\/metrics$/, async (_req, res) => send(res, 200, 'text/plain; version=0.0.4', renderMetrics(node, counters))],
    ['PUT', /^\/v1\/segments\/([^/]+)$/, async (req, res, path, [hash]) => {
      const who = o.peers.verify('PUT', path, req.headers);
      if (!isHash(hash!)) throw edgeError('bad_request', `${JSON.stringify(hash)} is not a SHA-256 hex digest`);
      // Refuse what cannot fit before reading a byte of it.
      const declared = Number(req.headers['content-length'] ?? NaN);
      if (!Number.isSafeInteger(declared)) throw edgeError('bad_request', 'a segment delivery needs a content-length');
      if (declared > o.maxSegmentBytes) throw edgeError('payload_too_large', `${declared} bytes is over max_segment_bytes (${o.maxSegmentBytes})`);
      if (!node.store.has(hash!)) node.store.checkRoom(declared);
      // One SHA-256 pass, while the body arrives, serves both checks: the signed digest and
      // the address.
      const { body, digest } = await readBody(req, o.maxSegmentBytes);
      RequestVerifier.checkBody(who, body, digest);
      const outcome = await node.receive(who.peer, hash!, body, digest);
      counters.received++;
      counters.receivedBytes += body.length;
      json(res, outcome === 'stored' ? 201 : 200, { hash, outcome });
    }],
    ['POST', /^\/v1\/local\/segments$/, async (req, res, path) => {
      const body = await control(o.maxSegmentBytes)(req, path);
      const to = new URL(path, 'http://x').searchParams.getAll('to');
      json(res, 201, await node.put(body, to));
    }],
    ['GET', /^\/v1\/local\/segments$/, async (req, res, path) => {
      await controlBody(req, path);
      json(res, 200, node.segments());
    }],
    ['GET', /^\/v1\/local\/segments\/([0-9a-f]{64})$/, async (req, res, path, [hash]) => {
      await controlBody(req, path);
      send(res, 200, 'application/octet-stream', await node.get(hash!));
    }],
    ['GET', /^\/v1\/local\/status$/, async (req, res, path) => {
      await controlBody(req, path);
      json(res, 200, { ...node.status(), inflight: node.scheduler.inflightCount() });
    }],
    ['GET', /^\/v1\/local\/peers$/, async (req, res, path) => {
      await controlBody(req, path);
      json(res, 200, node.peers());
    }],
    ['GET', /^\/v1\/local\/deadletter$/, async (req, res, path) => {
      await controlBody(req, path);
      json(res, 200, node.deadletters());
    }],
    ['POST', /^\/v1\/local\/deadletter\/retry$/, async (req, res, path) => {
      json(res, 200, { retried: await node.retry(selection(await controlBody(req, path))) });
    }],
    ['POST', /^\/v1\/local\/deadletter\/purge$/, async (req, res, path) => {
      json(res, 200, await node.purge(selection(await controlBody(req, path))));
    }],
  ];

  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    const pathname = path.split('?')[0]!;
    const handle = async (): Promise<void> => {
      const matching = routes.filter(([, re]) => re.test(pathname));
      if (matching.length === 0) throw edgeError('not_found', `no route ${pathname}`);
      const route = matching.find(([m]) => m === req.method);
      if (!route) throw edgeError('bad_request', `${req.method} is not allowed on ${pathname}`);
      await route[2](req, res, path, route[1].exec(pathname)!.slice(1));
    };
    handle().catch((e: unknown) => {
      const status = statusOf(e);
      const code = e instanceof AutonomyError ? e.code : 'internal';
      counters.reject(code);
      if (status >= 500 && code !== 'disk_ceiling') o.log(`${req.method} ${pathname}: ${code}: ${e instanceof Error ? e.message : String(e)}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // The body may be unread (refused before reading it): close rather than drain it.
      res.setHeader('connection', 'close');
      json(res, status, { error: { code, message: e instanceof Error ? e.message : String(e) } });
    });
  });
  return { server, counters };
}

/** Reads a request body, hashing it on the way in; refuses more than max bytes. */
function readBody(req: IncomingMessage, max: number): Promise<{ body: Buffer; digest: string }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const hash = createHash('sha256');
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > max) {
        reject(edgeError('payload_too_large', `the body is over ${max} bytes`));
        req.pause();
        return;
      }
      chunks.push(c);
      hash.update(c);
    });
    req.on('end', () => resolve({ body: Buffer.concat(chunks, n), digest: hash.digest('hex') }));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, v: unknown): void {
  send(res, status, 'application/json', `${JSON.stringify(v)}\n`);
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
