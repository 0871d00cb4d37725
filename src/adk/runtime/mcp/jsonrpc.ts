// The few JSON-RPC 2.0 shapes the MCP proxy reads and writes. The proxy relays messages it does
// not need to understand untouched, so these are deliberately loose: an object with jsonrpc "2.0".

/** A request or notification id; JSON-RPC allows strings and numbers (null only in errors). */
export type RpcId = string | number;

/** Any JSON-RPC message, as parsed; only the fields the proxy reads are named. */
export interface RpcMessage {
  jsonrpc: '2.0';
  id?: RpcId | null;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: unknown;
}

/** JSON-RPC and MCP error codes the proxy answers with. */
export const RpcCode = {
  parseError: -32700,
  invalidRequest: -32600,
  invalidParams: -32602,
  internalError: -32603,
  /** The MCP SDK's ConnectionClosed: the server behind the proxy is gone. */
  connectionClosed: -32000,
} as const;

/** Parses one message's text; returns why not when it is not a JSON-RPC 2.0 object. */
export function parseMessage(text: string): { ok: true; msg: RpcMessage } | { ok: false; code: number; message: string; id: RpcId | null } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { ok: false, code: RpcCode.parseError, message: `not JSON: ${e instanceof Error ? e.message : String(e)}`, id: null };
  }
  if (Array.isArray(v)) return { ok: false, code: RpcCode.invalidRequest, message: 'JSON-RPC batches are not accepted (MCP 2025-06-18 removed them)', id: null };
  if (typeof v !== 'object' || v === null) return { ok: false, code: RpcCode.invalidRequest, message: 'a JSON-RPC message must be an object', id: null };
  const o = v as Record<string, unknown>;
  const id = typeof o['id'] === 'string' || typeof o['id'] === 'number' ? o['id'] : null;
  if (o['jsonrpc'] !== '2.0') return { ok: false, code: RpcCode.invalidRequest, message: 'jsonrpc must be "2.0"', id };
  if (o['method'] !== undefined && typeof o['method'] !== 'string') return { ok: false, code: RpcCode.invalidRequest, message: 'method must be a string', id };
  if (o['id'] !== undefined && o['id'] !== null && id === null) return { ok: false, code: RpcCode.invalidRequest, message: 'id must be a string or a number', id: null };
  return { ok: true, msg: o as unknown as RpcMessage };
}

/** True for a request (method and id). */
export function isRequest(m: RpcMessage): m is RpcMessage & { method: string; id: RpcId } {
  return typeof m.method === 'string' && m.id !== undefined && m.id !== null;
}

/** True for a response (id and result or error, no method). */
export function isResponse(m: RpcMessage): m is RpcMessage & { id: RpcId } {
  return m.method === undefined && m.id !== undefined && m.id !== null && ('result' in m || 'error' in m);
}

/** A JSON-RPC error response. */
export function rpcError(id: RpcId | null, code: number, message: string, data?: unknown): RpcMessage {
  const error: Record<string, unknown> = { code, message };
  if (data !== undefined) error['data'] = data;
  return { jsonrpc: '2.0', id, error };
}

/** A map key that keeps 1 and "1" apart. */
export function idKey(id: RpcId): string {
  return typeof id === 'number' ? `n${id}` : `s${id}`;
}

/** o[k] when o is a plain object, else undefined: for reading untrusted params. */
export function field(o: unknown, k: string): unknown {
  return typeof o === 'object' && o !== null && !Array.isArray(o) ? (o as Record<string, unknown>)[k] : undefined;
}
