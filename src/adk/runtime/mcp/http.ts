// `autonomy mcp --upstream URL`: the proxy in front of a remote Streamable HTTP MCP server,
// serving a local Streamable HTTP endpoint. The MCP SDK's transports do the HTTP (sessions, SSE
// streams, request routing); each local session gets its own upstream session and its own relay,
// so tools/call is decided exactly as on stdio.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Decider } from '../decision.ts';
import type { PolicySource } from '../policy-source.ts';
import type { ListenAddress } from '../config.ts';
import { McpGate } from './gate.ts';
import { field, isRequest, rpcError, RpcCode, type RpcId, type RpcMessage } from './jsonrpc.ts';
import { McpRelay } from './relay.ts';

export interface HttpProxyOptions {
  upstream: URL;
  listen: ListenAddress;
  decider: Decider;
  policy: PolicySource;
  /** Largest request body accepted from the client. */
  maxMessageBytes: number;
  /** A session with no request open and no call pending for this long is ended (default 30 min). */
  sessionIdleMs?: number;
}

export const DEFAULT_SESSION_IDLE_MS = 30 * 60_000;

/** A running HTTP proxy. */
export interface HttpProxy {
  /** The local MCP endpoint, e.g. http://127.0.0.1:PORT/mcp. */
  readonly url: string;
  /** Ends every session (upstream ones too) and stops listening. */
  close(): Promise<void>;
}

interface Session {
  local: StreamableHTTPServerTransport;
  upstream: StreamableHTTPClientTransport;
  relay: McpRelay;
  closed: boolean;
  /** Client requests whose responses are still open (an SSE stream counts while it lasts). */
  open: number;
  lastActive: number;
}

/** Starts the proxy; resolves once it listens. */
export async function startHttpProxy(o: HttpProxyOptions): Promise<HttpProxy> {
  const sessions = new Map<string, Session>();
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      warn(`request failed: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) reject(res, 500, RpcCode.internalError, 'autonomy: internal error');
      else res.end();
    });
  });
  await new Promise<void>((resolve, rej) => {
    server.once('error', rej);
    server.listen(o.listen.port, o.listen.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = o.listen.host.includes(':') ? `[${o.listen.host}]` : o.listen.host;
  // Only this address may be named in Host: a web page cannot rebind a name of its own to us.
  const allowedHosts = [`${host}:${port}`, `localhost:${port}`];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/mcp') return reject(res, 404, RpcCode.invalidRequest, 'the MCP endpoint is /mcp');
    const sid = req.headers['mcp-session-id'];
    if (typeof sid === 'string') {
      const s = sessions.get(sid);
      if (!s) return reject(res, 404, -32001, 'Session not found');
      track(s, res);
      return s.local.handleRequest(req, res);
    }
    if (req.method !== 'POST') return reject(res, 400, RpcCode.invalidRequest, 'no Mcp-Session-Id: start a session with an initialize POST');
    const s = await openSession();
    track(s, res);
    await s.local.handleRequest(req, res);
    // A POST that did not initialize (bad body, wrong first message) leaves a session nobody can name.
    if (s.local.sessionId === undefined) await closeSession(s);
  }

  async function openSession(): Promise<Session> {
    const gate = new McpGate(o.decider, o.policy, { server: o.upstream.href, transport: 'streamable-http' });
    const local = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableDnsRebindingProtection: true,
      allowedHosts,
      maxRequestBodySize: o.maxMessageBytes,
      onsessioninitialized: (id) => void sessions.set(id, s),
    });
    // The SDK's client transport leaves a request pending forever when its response stream ends
    // without the answer (the server died mid-call); watching the streams turns that into an error.
    const upstream = new StreamableHTTPClientTransport(o.upstream, {
      fetch: watchedFetch((ids) => {
        setTimeout(() => {
          for (const id of ids) relay.failRequest(id, 'autonomy: the upstream MCP server ended its response without answering');
        }, UNANSWERED_GRACE_MS).unref();
      }),
    });
    const relay: McpRelay = new McpRelay(
      gate,
      {
        send: (msg) => {
          upstream.send(msg as JSONRPCMessage).catch((e: unknown) => {
            // The request never reached the server: its answer is an error, never silence.
            if (isRequest(msg)) relay.failRequest(msg.id, `autonomy: the upstream MCP server did not take the request: ${e instanceof Error ? e.message : String(e)}`);
            else warn(`upstream: ${e instanceof Error ? e.message : String(e)}`);
          });
        },
      },
      { send: (msg) => toClient(msg) },
    );
    const s: Session = { local, upstream, relay, closed: false, open: 0, lastActive: Date.now() };
    function toClient(msg: RpcMessage): void {
      local.send(msg as JSONRPCMessage).catch((e: unknown) => warn(`answering the client: ${e instanceof Error ? e.message : String(e)}`));
    }
    local.onmessage = (msg) => relay.fromClient(msg as RpcMessage);
    local.onerror = (e) => warn(`client session: ${e.message}`);
    local.onclose = () => void closeSession(s);
    upstream.onmessage = (msg) => {
      const m = msg as RpcMessage;
      // Later requests must carry the negotiated version (MCP-Protocol-Version) upstream too.
      const version = field(m.result, 'protocolVersion');
      if (typeof version === 'string' && field(m.result, 'serverInfo') !== undefined) upstream.setProtocolVersion(version);
      relay.fromServer(m);
    };
    upstream.onerror = (e) => warn(`upstream: ${e.message}`);
    upstream.onclose = () => relay.serverGone('autonomy: the upstream MCP session closed');
    await upstream.start();
    return s;
  }

  function track(s: Session, res: ServerResponse): void {
    s.open++;
    s.lastActive = Date.now();
    res.once('close', () => {
      s.open--;
      s.lastActive = Date.now();
    });
  }

  // Clients that vanish without DELETE would otherwise hold their upstream session forever.
  const idleMs = o.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS;
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const s of sessions.values()) {
      if (s.open === 0 && s.relay.pendingCount === 0 && now - s.lastActive >= idleMs) {
        warn(`session ${s.local.sessionId} idle for ${Math.round((now - s.lastActive) / 1000)}s: ending it`);
        void closeSession(s);
      }
    }
  }, Math.max(10, Math.min(idleMs / 4, 60_000)));
  sweeper.unref();

  async function closeSession(s: Session): Promise<void> {
    // Closing either transport calls back here; the first call does the work.
    if (s.closed) return;
    s.closed = true;
    if (s.local.sessionId !== undefined) sessions.delete(s.local.sessionId);
    if (s.upstream.sessionId !== undefined) await s.upstream.terminateSession().catch((e: unknown) => warn(`ending the upstream session: ${String(e)}`));
    await s.upstream.close();
    await s.local.close();
  }

  return {
    url: `http://${host}:${port}/mcp`,
    async close() {
      clearInterval(sweeper);
      await Promise.all([...sessions.values()].map((s) => closeSession(s)));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/**
 * How long after a response stream ends its answer may still be on its way through the SDK's
 * parsing pipeline; only a request still unanswered after that is failed.
 */
const UNANSWERED_GRACE_MS = 1000;

/** A fetch that reports, once, the ids of the requests a POST carried when its response body ends or breaks. */
export function watchedFetch(onEnd: (ids: RpcId[]) => void): FetchLike {
  return async (url, init) => {
    const res = await fetch(url, init);
    const ids = requestIds(init?.body);
    if (ids.length === 0 || res.body === null) return res;
    const reader = res.body.getReader();
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      onEnd(ids);
    };
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            controller.close();
            end();
          } else controller.enqueue(value);
        } catch (e) {
          controller.error(e);
          end();
        }
      },
      cancel(reason) {
        end();
        return reader.cancel(reason);
      },
    });
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

/** The ids of the requests in a JSON-RPC POST body (one message or a batch). */
function requestIds(body: unknown): RpcId[] {
  if (typeof body !== 'string') return [];
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return [];
  }
  return (Array.isArray(v) ? v : [v]).filter((m): m is RpcMessage & { method: string; id: RpcId } => typeof m === 'object' && m !== null && isRequest(m as RpcMessage)).map((m) => m.id);
}

function reject(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(rpcError(null, code, message)));
}

function warn(s: string): void {
  process.stderr.write(`autonomy mcp: ${s}\n`);
}
