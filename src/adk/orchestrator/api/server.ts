// The HTTP API on node:http (no framework: a dozen routes do not earn one; see docs/fleet.md).
// Admin endpoints take the admin bearer token; node endpoints take an Ed25519 request signature
// and only ever address the signing node (no node id in their paths); /v1/enroll takes a
// one-time token and a signature by the key being enrolled.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AutonomyError } from '../../../common/errors.ts';
import { csvHeader, csvLine, jsonLine, parseTime, type HashedRecord } from '../../audit/export.ts';
import type { Accounts } from '../auth/accounts.ts';
import { parseLabels } from '../enrollment/tokens.ts';
import type { OrchestratorService } from '../service.ts';
import type { AuditCursor, AuditQuery, NodeRecord } from '../types.ts';
import { authenticateAdmin } from './admin-auth.ts';
import { httpError } from './errors.ts';

const JSON_LIMIT = 1 << 20;
const BYTES_LIMIT = 128 << 20;
/** Longest long poll a node may ask for. */
const MAX_WAIT_MS = 60_000;

type Auth = 'none' | 'admin' | 'node' | 'enroll';
interface Ctx {
  req: IncomingMessage;
  url: URL;
  params: string[];
  body: Buffer;
  actor: string;
  node: (NodeRecord & { time: number }) | null;
}
type Reply = { status?: number; json?: unknown; bytes?: Buffer; text?: string; type?: string; headers?: Record<string, string> };
interface Route {
  method: string;
  path: RegExp;
  auth: Auth;
  limit: number;
  handle: (c: Ctx) => Promise<Reply>;
}

function json(c: Ctx): Record<string, unknown> {
  if (c.body.length === 0) return {};
  try {
    const v = JSON.parse(c.body.toString('utf8')) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch {
    throw new AutonomyError('bad_json', 'the body is not a JSON object');
  }
}

function int(text: string | null, name: string, dflt: number, max = Number.MAX_SAFE_INTEGER): number {
  if (text === null) return dflt;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new AutonomyError('bad_request', `${name} must be a non-negative integer`);
  if (n > max) throw new AutonomyError('bad_request', `${name} must be at most ${max}`);
  return n;
}

/** The largest page of an audit query (its default): larger results are read page by page. */
const MAX_AUDIT_PAGE = 100_000;
/** The most deliveries one listing returns. */
const MAX_DELIVERIES = 10_000;
/** The largest page of the admin log (its default): a longer log is read page by page. */
const MAX_EVENTS_PAGE = 10_000;

/** The routes, given the service and the operator accounts. */
function routes(svc: OrchestratorService, accounts: Accounts): Route[] {
  const r = (method: string, path: string, auth: Auth, handle: Route['handle'], limit = JSON_LIMIT): Route => ({ method, path: new RegExp(`^${path}$`), auth, limit, handle });
  return [
    r('GET', '/health', 'none', async () => ({ json: { ok: true } })),

    // ---- nodes
    r('POST', '/v1/enroll', 'enroll', async (c) => ({ status: 201, json: await svc.enroll(c.req.headers, 'POST', pathOf(c.url), c.body) })),
    r('GET', '/v1/node/desired', 'node', async (c) => {
      const known = etagVersion(c.req.headers['if-none-match']);
      // A node is "seen" when a request starts; capping its wait at half the offline threshold
      // keeps a node that sits in long polls from ever looking offline to the rollout engine.
      const wait = Math.min(MAX_WAIT_MS, Math.floor(svc.opts.offlineAfterMs / 2), int(c.url.searchParams.get('wait_ms'), 'wait_ms', 0));
      const d = await svc.desired(c.node!.id, known, known === null ? 0 : wait);
      const etag = `"${d.version}"`;
      if (known !== null && d.version === known) return { status: 304, headers: { etag } };
      return { json: d, headers: { etag } };
    }),
    r('GET', '/v1/node/bundles/([^/]+)', 'node', async (c) => {
      const b = await svc.bundleFor(c.node!, c.params[0]!);
      return { bytes: b.bytes, type: 'application/octet-stream', headers: { 'x-autonomy-digest': `sha256:${b.digest}` } };
    }),
    r('POST', '/v1/node/status', 'node', async (c) => ({ json: await svc.report(c.node!, json(c)) })),
    r('POST', '/v1/node/audit', 'node', async (c) => ({
      json: await svc.ingestAudit(c.node!, { segment: c.url.searchParams.get('segment') ?? '', offset: int(c.url.searchParams.get('offset'), 'offset', 0), bytes: c.body }),
    }), BYTES_LIMIT),
    // A gateway (an enrolled node allowed to relay) delivers another node's envelope as it came through edged.
    r('POST', '/v1/gateway/audit', 'node', async (c) => ({ json: await svc.ingestRelayed(c.node!, c.body) }), BYTES_LIMIT),
    r('POST', '/v1/gateway/status', 'node', async (c) => ({ json: await svc.reportRelayed(c.node!, c.body) })),
    // What a gateway hands on toward a node whose reports come through it (bytes only: the node verifies the bundle itself).
    r('GET', '/v1/gateway/nodes/([^/]+)/desired', 'node', async (c) => ({ json: await svc.desiredRelayed(c.node!, c.params[0]!) })),
    r('GET', '/v1/gateway/nodes/([^/]+)/bundles/([^/]+)', 'node', async (c) => {
      const b = await svc.bundleRelayed(c.node!, c.params[0]!, c.params[1]!);
      return { bytes: b.bytes, type: 'application/octet-stream', headers: { 'x-autonomy-digest': `sha256:${b.digest}` } };
    }),

    // ---- admin
    r('POST', '/v1/admin/tokens', 'admin', async (c) => {
      const b = json(c);
      return { status: 201, json: await svc.createToken(c.actor, b['labels'], typeof b['expires_in_ms'] === 'number' ? b['expires_in_ms'] : 3_600_000) };
    }),
    r('POST', '/v1/admin/bundles', 'admin', async (c) => {
      const res = await svc.pushBundle(c.actor, c.url.searchParams.get('revision') ?? '', c.body);
      return { status: res.created ? 201 : 200, json: res };
    }, BYTES_LIMIT),
    r('GET', '/v1/admin/bundles', 'admin', async () => ({ json: await svc.store.listBundles() })),
    r('POST', '/v1/admin/rollouts', 'admin', async (c) => ({ status: 201, json: await svc.createRollout(c.actor, json(c) as Parameters<OrchestratorService['createRollout']>[1]) })),
    r('GET', '/v1/admin/rollouts', 'admin', async () => ({ json: await svc.store.listRollouts() })),
    r('GET', '/v1/admin/rollouts/([^/]+)', 'admin', async (c) => ({ json: await svc.rolloutStatus(c.params[0]!) })),
    r('POST', '/v1/admin/rollouts/([^/]+)/(pause|resume|abort)', 'admin', async (c) => ({ json: await svc.controlRollout(c.actor, c.params[0]!, c.params[1] as 'pause') })),
    r('POST', '/v1/admin/rollback', 'admin', async (c) => {
      const b = json(c);
      if (typeof b['revision'] !== 'string') throw new AutonomyError('bad_request', 'rollback needs {"revision", "selector"}');
      return { json: await svc.rollback(c.actor, b['selector'], b['revision']) };
    }),
    r('GET', '/v1/admin/nodes', 'admin', async (c) => ({ json: await svc.listNodes(parseLabels(c.url.searchParams.get('selector') ?? '', 'selector')) })),
    r('POST', '/v1/admin/nodes/([^/]+)/gateway', 'admin', async (c) => {
      const b = json(c);
      if (typeof b['allow'] !== 'boolean') throw new AutonomyError('bad_request', 'gateway needs {"allow": true|false}');
      return { json: await svc.setGateway(c.actor, c.params[0]!, b['allow']) };
    }),
    r('GET', '/v1/admin/audit', 'admin', async (c) => auditQuery(svc, c.url.searchParams)),
    r('POST', '/v1/admin/audit/prune', 'admin', async (c) => {
      const b = json(c);
      if (typeof b['before'] !== 'string') throw new AutonomyError('bad_request', 'prune needs {"before": ISO 8601 time or nanoseconds}');
      return { json: await svc.pruneAudit(c.actor, parseTime(b['before'], 'before')) };
    }),
    r('GET', '/v1/admin/audit/verify', 'admin', async (c) => ({ json: await svc.verifyStoredAudit(c.url.searchParams.get('node') ?? undefined) })),
    r('GET', '/v1/admin/audit/deliveries', 'admin', async (c) => {
      const p = c.url.searchParams;
      return { json: await svc.listDeliveries({ ...(p.get('node') !== null && { node: p.get('node')! }), ...(p.get('via') !== null && { via: p.get('via')! }), limit: int(p.get('limit'), 'limit', 1000, MAX_DELIVERIES) }) };
    }),
    r('GET', '/v1/admin/events', 'admin', async (c) => {
      const limit = Math.max(1, int(c.url.searchParams.get('limit'), 'limit', MAX_EVENTS_PAGE, MAX_EVENTS_PAGE));
      const events = await svc.store.listAdminEvents(int(c.url.searchParams.get('after'), 'after', 0), limit);
      // A full page may have a next one, after its last event.
      return { json: events, headers: events.length === limit ? { [NEXT_HEADER]: String(events.at(-1)!.seq) } : {} };
    }),
    r('POST', '/v1/admin/operators', 'admin', async (c) => {
      const b = json(c);
      return { status: 201, json: await accounts.addOperator(c.actor, String(b['name'] ?? ''), b['role'] ?? 'admin', b['password']) };
    }),
    r('GET', '/v1/admin/operators', 'admin', async () => ({ json: await accounts.listOperators() })),
    r('DELETE', '/v1/admin/operators/([^/]+)', 'admin', async (c) => {
      await accounts.removeOperator(c.actor, c.params[0]!);
      return { json: { removed: c.params[0] } };
    }),
    r('POST', '/v1/admin/operators/([^/]+)/token', 'admin', async (c) => ({ status: 201, json: await accounts.issueToken(c.actor, c.params[0]!) })),
  ];
}

async function auditQuery(svc: OrchestratorService, p: URLSearchParams): Promise<Reply> {
  const format = p.get('format') ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'csv') throw new AutonomyError('bad_request', 'format must be jsonl or csv');
  const decision = p.get('decision');
  if (decision !== null && decision !== 'allow' && decision !== 'deny') throw new AutonomyError('bad_request', 'decision must be allow or deny');
  const q: AuditQuery = {
    ...(p.get('node') !== null && { node: p.get('node')! }),
    ...(p.get('since') !== null && { since: parseTime(p.get('since')!, 'since') }),
    ...(p.get('until') !== null && { until: parseTime(p.get('until')!, 'until') }),
    ...(p.get('tool') !== null && { tool: p.get('tool')! }),
    ...(decision !== null && { decision }),
    ...(p.get('after') !== null && { after: decodeCursor(p.get('after')!) }),
    limit: Math.max(1, int(p.get('limit'), 'limit', MAX_AUDIT_PAGE, MAX_AUDIT_PAGE)),
  };
  const rows = await svc.queryAudit(q);
  // A full page may have a next one: its cursor is the last row's place in the order.
  const last = rows.length === q.limit ? rows.at(-1) : undefined;
  const headers: Record<string, string> = last ? { [NEXT_HEADER]: encodeCursor({ time: last.time, node: last.node, seq: last.seq }) } : {};
  const hashed = (r: (typeof rows)[number]): HashedRecord => ({ ...(JSON.parse(r.record) as HashedRecord), hash: r.hash });
  if (format === 'csv') {
    // A continuation page has no header line, so pages concatenate into one CSV.
    return { type: 'text/csv; charset=utf-8', headers, text: `${q.after ? '' : `node,${csvHeader()}`}${rows.map((r) => `${r.node},${csvLine(hashed(r))}`).join('')}` };
  }
  return { type: 'application/x-ndjson', headers, text: rows.map((r) => jsonLine({ node: r.node, ...hashed(r) } as HashedRecord)).join('') };
}

/** The response header naming the cursor of the next page of an audit query. */
export const NEXT_HEADER = 'x-autonomy-next-cursor';

function encodeCursor(c: AuditCursor): string {
  return Buffer.from(JSON.stringify([c.time, c.node, c.seq])).toString('base64url');
}

function decodeCursor(text: string): AuditCursor {
  try {
    const [time, node, seq] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if (typeof time === 'string' && /^\d+$/.test(time) && typeof node === 'string' && Number.isSafeInteger(seq)) return { time, node, seq: seq as number };
  } catch {
    // Reported below.
  }
  throw new AutonomyError('bad_request', 'after is not a cursor this API gave (x-autonomy-next-cursor)');
}

/** A path segment, percent-decoded; a malformed escape is the client's error. */
export function decodeParam(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    throw new AutonomyError('bad_request', `${JSON.stringify(p)} is not a valid path segment`);
  }
}

/** The version an `If-None-Match: "N"` names, or null. */
function etagVersion(h: string | string[] | undefined): number | null {
  const m = typeof h === 'string' ? /^(?:W\/)?"(\d+)"$/.exec(h.trim()) : null;
  return m ? Number(m[1]) : null;
}

/** Path and query exactly as sent: what a node signs. */
function pathOf(url: URL): string {
  return `${url.pathname}${url.search}`;
}

/** The request body, refused past limit bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new AutonomyError('payload_too_large', `the body exceeds ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, r: Reply): void {
  const status = r.status ?? 200;
  // Answers carry node-written text (audit exports, error messages): never let a browser sniff them into HTML.
  const headers: Record<string, string> = { 'x-content-type-options': 'nosniff', ...r.headers };
  let body: Buffer | string = '';
  if (r.bytes) body = r.bytes;
  else if (r.text !== undefined) body = r.text;
  else if (r.json !== undefined && status !== 304) body = `${JSON.stringify(r.json)}\n`;
  if (status !== 304) headers['content-type'] = r.type ?? 'application/json';
  headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(status, headers);
  res.end(body);
}

/** Options of the HTTP server. */
export interface ServerOptions {
  /** Operators, tokens and console sessions: who may call the admin endpoints. */
  accounts: Accounts;
  /** The web console: handles the request and returns true if it is one of its paths. */
  console?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
  /** How often this replica steps active rollouts; 0 disables the ticker. */
  tickMs: number;
  /** Where unexpected errors are reported. */
  log?: (line: string) => void;
}

/** A running orchestrator HTTP server. */
export interface RunningServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/**
 * The request handler; inflight collects the requests being handled, so that a shutdown can
 * wait for them before the store closes.
 */
export function handler(svc: OrchestratorService, opts: ServerOptions, inflight = new Set<Promise<void>>()): (req: IncomingMessage, res: ServerResponse) => void {
  const table = routes(svc, opts.accounts);
  const log = opts.log ?? ((l) => process.stderr.write(`${l}\n`));
  return (req, res) => {
    const done = (async () => {
      const url = new URL(req.url ?? '/', 'http://orchestrator');
      if (opts.console && (await opts.console(req, res, url))) return;
      const matching = table.filter((r) => r.path.test(url.pathname));
      const route = matching.find((r) => r.method === req.method);
      if (!route) throw new AutonomyError(matching.length ? 'method_not_allowed' : 'not_found', matching.length ? `${req.method} is not allowed on ${url.pathname}` : `no endpoint ${url.pathname}`);
      const params = route.path.exec(url.pathname)!.slice(1).map(decodeParam);
      // Credentials are checked before a body is read: no one unauthenticated makes the server
      // buffer a bundle-sized body. (A node's signature covers its body, so only the claimed node
      // and the signed time can be checked first; the signature after.)
      const actor = route.auth === 'admin' ? (await authenticateAdmin(opts.accounts, req)).actor : 'admin';
      const claimant = route.auth === 'node' ? await svc.claimant(req.headers) : null;
      const body = await readBody(req, route.limit);
      const ctx: Ctx = { req, url, params, body, actor, node: null };
      if (claimant) ctx.node = await svc.authenticate(claimant, req.method!, pathOf(url), body);
      send(res, await route.handle(ctx));
    })().catch((e: unknown) => {
      const h = httpError(e);
      if (h.unexpected) log(`orchestrator: ${req.method} ${req.url}: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) send(res, { status: h.status, json: h.body });
      else res.destroy();
    });
    inflight.add(done);
    void done.finally(() => inflight.delete(done));
  };
}

/** Starts the API on host:port (port 0: any free port) and this replica's rollout ticker. */
export async function startServer(svc: OrchestratorService, opts: ServerOptions, host = '127.0.0.1', port = 0): Promise<RunningServer> {
  const inflight = new Set<Promise<void>>();
  const server = createServer(handler(svc, opts, inflight));
  // Long polls hold requests open; keep-alive lets many nodes share few sockets.
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = MAX_WAIT_MS + 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  let ticking = false;
  const log = opts.log ?? ((l) => process.stderr.write(`${l}\n`));
  const timer = opts.tickMs > 0 ? setInterval(() => {
    if (ticking) return;
    ticking = true;
    svc.tick().catch((e: unknown) => log(`orchestrator: rollout tick failed: ${e instanceof Error ? e.message : String(e)}`)).finally(() => (ticking = false));
  }, opts.tickMs) : null;
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    server,
    url: `http://${shownHost}:${addr.port}`,
    close: async () => {
      if (timer) clearInterval(timer);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      svc.close();
      await Promise.allSettled([...inflight]);
      server.closeAllConnections();
      await closed;
    },
  };
}
