// The HTTP API on node:http: routing, bodies, status codes. The decisions themselves are the
// Decider's; this module only turns bytes into requests and answers into bytes.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { AutonomyError, isAutonomyError } from '../../common/errors.ts';
import { bearerCheck } from './auth.ts';
import type { Decider, DecisionResponse } from './decision.ts';
import type { RuntimeMetrics } from './metrics.ts';
import { isActive, type PolicySource } from './policy-source.ts';
import { Reason } from './reasons.ts';
import { DEFAULT_LIMITS, parseBody, validateDecision, type RequestLimits } from './request.ts';

export interface ServerOptions {
  decider: Decider;
  policy: PolicySource;
  metrics: RuntimeMetrics;
  /** Every endpoint but /health requires `Authorization: Bearer <token>`. */
  token: string;
  limits?: RequestLimits;
}

const JSON_TYPE = 'application/json';

/** Creates the runtime's HTTP server (not yet listening). */
export function createRuntimeServer(opts: ServerOptions): Server {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const authorized = bearerCheck(opts.token);
  const server = createServer((req, res) => {
    handle(opts, limits, authorized, req, res).catch((e: unknown) => {
      // A bug on the way to an answer: the caller still gets a deny, never a hung socket.
      if (!res.headersSent) sendJson(res, 500, internalDeny(e));
      else res.destroy();
    });
  });
  // Bound how long a slow client may hold a connection before its request is complete.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  return server;
}

async function handle(opts: ServerOptions, limits: RequestLimits, isAuthorized: (header: string | undefined) => boolean, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  const method = req.method ?? 'GET';
  if (path === '/health') {
    if (method !== 'GET' && method !== 'HEAD') return sendJson(res, 405, { code: 'method_not_allowed', message: 'use GET' });
    return health(opts, res);
  }
  const authorized = isAuthorized(req.headers.authorization);
  if (path === '/v1/decide') {
    if (method !== 'POST') return sendJson(res, 405, runtimeDeny(Reason.badRequest, 'method_not_allowed', 'use POST /v1/decide'));
    if (!authorized) return sendJson(res, 401, runtimeDeny('unauthorized', 'unauthorized', 'missing or wrong bearer token'), true);
    const body = await readBody(req, limits.maxBytes);
    if (body === null) return sendJson(res, 413, await opts.decider.decide(new AutonomyError('bad_request', `request body is over ${limits.maxBytes} bytes`)), true);
    let answer: DecisionResponse;
    let status = 200;
    try {
      answer = await opts.decider.decide(validateDecision(parseBody(body, limits)));
    } catch (e) {
      if (!isAutonomyError(e)) throw e;
      answer = await opts.decider.decide(e);
      status = 400;
    }
    if (answer.error?.code === Reason.walUnavailable) status = 503;
    return sendJson(res, status, answer);
  }
  if (!authorized) return sendJson(res, 401, { code: 'unauthorized', message: 'missing or wrong bearer token' });
  if (path === '/v1/data' || path.startsWith('/v1/data/')) {
    if (method !== 'GET' && method !== 'POST') return sendJson(res, 405, { code: 'method_not_allowed', message: 'use GET or POST' });
    return data(opts, limits, req, res, url, method);
  }
  if (method !== 'GET') return sendJson(res, 405, { code: 'method_not_allowed', message: 'use GET' });
  if (path === '/v1/policy') return policy(opts, res);
  if (path === '/metrics') {
    const text = await opts.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': opts.metrics.registry.contentType, 'content-length': Buffer.byteLength(text) });
    res.end(text);
    return;
  }
  return sendJson(res, 404, { code: 'not_found', message: `no such endpoint: ${method} ${path}` });
}

function health(opts: ServerOptions, res: ServerResponse): void {
  const s = opts.policy.current();
  if (!isActive(s)) return sendJson(res, 503, { status: 'unavailable', reason: s.error, message: s.message });
  const body: Record<string, unknown> = { status: s.stale ? 'stale' : 'ok', policy: { revision: s.revision, digest: s.digest } };
  if (s.dev) body['warning'] = 'DEV MODE: serving an unsigned policy directory; every decision says so';
  sendJson(res, s.stale ? 503 : 200, body);
}

function policy(opts: ServerOptions, res: ServerResponse): void {
  const s = opts.policy.current();
  if (!isActive(s)) return sendJson(res, 503, { code: s.error, message: s.message });
  sendJson(res, 200, { result: { revision: s.revision, digest: s.digest, entrypoint: s.entrypoint, stale: s.stale, signed: !s.dev } });
}

/** OPA's Data API: `{"input": …}` in, `{"result": …, "decision_id": …}` out. */
async function data(opts: ServerOptions, limits: RequestLimits, req: IncomingMessage, res: ServerResponse, url: URL, method: string): Promise<void> {
  const segments = url.pathname.slice('/v1/data'.length).split('/').filter((s) => s !== '').map(decodeURIComponent);
  let input: unknown;
  try {
    if (method === 'POST') {
      const body = await readBody(req, limits.maxBytes);
      if (body === null) return sendJson(res, 413, { code: 'invalid_parameter', message: `request body is over ${limits.maxBytes} bytes` }, true);
      if (body.trim() !== '') {
        const doc = parseBody(body, limits);
        if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new AutonomyError('bad_request', 'request body must be an object like {"input": …}');
        input = (doc as Record<string, unknown>)['input'];
      }
    } else {
      const q = url.searchParams.get('input');
      if (q !== null) input = parseBody(q, limits);
    }
  } catch (e) {
    if (!isAutonomyError(e)) throw e;
    return sendJson(res, 400, { code: 'invalid_parameter', message: e.message });
  }
  try {
    const r = await opts.decider.data(segments, input);
    // OPA omits result when the document is undefined.
    sendJson(res, 200, r.result === undefined ? { decision_id: r.decision_id } : { result: r.result, decision_id: r.decision_id });
  } catch (e) {
    if (!isAutonomyError(e)) throw e;
    const status = e.code === Reason.noValidPolicy || e.code === Reason.policyStale || e.code === Reason.walUnavailable ? 503 : 500;
    sendJson(res, status, { code: 'internal_error', message: e.toString(), errors: [{ code: e.code, message: e.message }] });
  }
}

/** Reads a body as UTF-8; null when it is over max bytes (the rest is not read). */
function readBody(req: IncomingMessage, max: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > max) {
        over = true;
        chunks.length = 0;
        resolve(null);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

function runtimeDeny(reason: string, code: string, message: string): DecisionResponse {
  return { decision: 'deny', reasons: [reason], decision_id: '', policy: null, wal: null, error: { code, message } };
}

function internalDeny(e: unknown): DecisionResponse {
  return runtimeDeny(Reason.evalError, 'internal_error', e instanceof Error ? e.message : String(e));
}

function sendJson(res: ServerResponse, status: number, body: unknown, close = false): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text) };
  if (status === 401) headers['www-authenticate'] = 'Bearer realm="autonomy"';
  if (close) headers['connection'] = 'close';
  res.writeHead(status, headers);
  res.end(text);
}
