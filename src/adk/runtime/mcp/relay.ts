// The MCP proxy's routing, independent of the transport: every message from the client passes
// through here on its way to the server and back. tools/call waits for a decision; everything
// else is relayed as it came. Requests the server has not answered are tracked so that, when it
// goes away, each one gets a JSON-RPC error instead of a client that waits forever.
import type { McpGate } from './gate.ts';
import { field, idKey, isRequest, isResponse, rpcError, RpcCode, type RpcId, type RpcMessage } from './jsonrpc.ts';

/** One direction of the proxy. `raw` is the message's original text when the transport has it. */
export interface Peer {
  send(msg: RpcMessage, raw?: Buffer): void;
}

/** Relays one MCP session between a client and a server through a gate. */
export class McpRelay {
  readonly #gate: McpGate;
  readonly #server: Peer;
  readonly #client: Peer;
  /** Requests forwarded to the server and not yet answered, by id: their method. */
  readonly #pending = new Map<string, { id: RpcId; method: string }>();
  /** tools/call requests waiting for their decision; true once the client cancelled one. */
  readonly #deciding = new Map<string, boolean>();
  readonly #inFlight = new Set<Promise<void>>();
  #gone: string | null = null;

  constructor(gate: McpGate, server: Peer, client: Peer) {
    this.#gate = gate;
    this.#server = server;
    this.#client = client;
  }

  /** Handles one message from the client. */
  fromClient(msg: RpcMessage, raw?: Buffer): void {
    if (isRequest(msg)) {
      if (this.#gone !== null) return this.#client.send(rpcError(msg.id, RpcCode.connectionClosed, this.#gone));
      if (msg.method === 'tools/call') return this.#track(this.#call(msg, raw));
      if (msg.method === 'initialize') this.#gate.observeInitialize(msg.params);
      this.#pending.set(idKey(msg.id), { id: msg.id, method: msg.method });
    } else if (msg.method === 'notifications/cancelled') {
      const rid = field(msg.params, 'requestId');
      if ((typeof rid === 'string' || typeof rid === 'number') && this.#deciding.has(idKey(rid))) this.#deciding.set(idKey(rid), true);
    }
    if (this.#gone === null) this.#server.send(msg, raw);
  }

  /** Handles one message from the server. */
  fromServer(msg: RpcMessage, raw?: Buffer): void {
    if (!isResponse(msg)) return this.#client.send(msg, raw);
    const key = idKey(msg.id);
    const req = this.#pending.get(key);
    this.#pending.delete(key);
    if (req?.method === 'initialize') this.#gate.observeServerInfo(msg.result);
    if (req?.method !== 'tools/list' || msg.result === undefined) return this.#client.send(msg, raw);
    this.#track(
      this.#gate.filterToolsList(msg.result).then(
        (result) => this.#client.send({ ...msg, result }),
        (e: unknown) => this.#client.send(rpcError(msg.id, RpcCode.internalError, `autonomy: tools/list could not be filtered: ${e instanceof Error ? e.message : String(e)}`)),
      ),
    );
  }

  /** The server is gone: every request it owes an answer gets an error, and so does every later one. */
  serverGone(reason: string): void {
    if (this.#gone !== null) return;
    this.#gone = reason;
    for (const { id } of this.#pending.values()) this.#client.send(rpcError(id, RpcCode.connectionClosed, reason));
    this.#pending.clear();
  }

  /** A forwarded request could not be delivered: the client gets `reason` as its error, once. */
  failRequest(id: RpcId, reason: string): void {
    if (!this.#pending.delete(idKey(id))) return;
    this.#client.send(rpcError(id, RpcCode.connectionClosed, reason));
  }

  /** Resolves once every decision and tools/list filter under way has answered. */
  async settle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  /** Requests forwarded and not yet answered (for tests and shutdown). */
  get pendingCount(): number {
    return this.#pending.size + this.#deciding.size;
  }

  async #call(msg: RpcMessage & { id: RpcId }, raw?: Buffer): Promise<void> {
    const key = idKey(msg.id);
    this.#deciding.set(key, false);
    const verdict = await this.#gate.authorizeCall(msg.id, msg.params);
    const cancelled = this.#deciding.get(key) === true;
    this.#deciding.delete(key);
    if (!verdict.allow) return this.#client.send(verdict.reply);
    // A call the client gave up on while it was being decided is not started after all.
    if (cancelled) return;
    if (this.#gone !== null) return this.#client.send(rpcError(msg.id, RpcCode.connectionClosed, this.#gone));
    this.#pending.set(key, { id: msg.id, method: 'tools/call' });
    this.#server.send(msg, raw);
  }

  #track(p: Promise<void>): void {
    const done = p.catch((e: unknown) => {
      // Both paths answer every failure themselves; reaching here is a bug, and it must not pass silently.
      process.stderr.write(`autonomy mcp: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    });
    this.#inFlight.add(done);
    void done.finally(() => this.#inFlight.delete(done));
  }
}

