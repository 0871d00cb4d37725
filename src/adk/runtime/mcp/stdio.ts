// `autonomy mcp -- SERVER_CMD ARGS…`: an MCP server on our stdio with the real server as a child
// on its stdio. Messages are relayed as the bytes they came as (one JSON-RPC message per line),
// parsed only to route them: only tools/call waits for a decision. When the child dies, every
// request it owed an answer gets a JSON-RPC error and the proxy exits non-zero.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { checkDepth, DEFAULT_LIMITS } from '../request.ts';
import type { Decider } from '../decision.ts';
import type { PolicySource } from '../policy-source.ts';
import { LineReader, scanTopLevelId, type Frame } from './framing.ts';
import { McpGate } from './gate.ts';
import { parseMessage, rpcError, RpcCode, type RpcMessage } from './jsonrpc.ts';
import { McpRelay, type Peer } from './relay.ts';

/** Default limit on one message from the client (the issue's "oversized message"). */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** Default limit on one message from the server: file contents can be large, but not endless. */
export const DEFAULT_MAX_SERVER_MESSAGE_BYTES = 64 * 1024 * 1024;
/** How long the server gets to exit after its stdin closes before SIGTERM, then SIGKILL (MCP's shutdown). */
const EXIT_GRACE_MS = 3000;
const NL = Buffer.from('\n');

export interface StdioProxyOptions {
  /** The server's command and arguments. */
  command: readonly string[];
  decider: Decider;
  policy: PolicySource;
  /** The client's side: messages in, messages out (process.stdin/stdout in production). */
  input: Readable;
  output: Writable;
  maxMessageBytes?: number;
  maxServerMessageBytes?: number;
  /** Called once the child runs, e.g. to forward signals to it. */
  onSpawn?: (kill: (sig: NodeJS.Signals) => void) => void;
}

/** Relays one client to one spawned server until either side ends; resolves with the exit code. */
export function runStdioProxy(o: StdioProxyOptions): Promise<number> {
  const [cmd, ...args] = o.command;
  const child = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  o.onSpawn?.((sig) => child.kill(sig));
  const gate = new McpGate(o.decider, o.policy, { server: cmd!, argv: o.command, transport: 'stdio' });
  // A side that does not read holds back the side that writes to it (backpressure), so neither
  // direction can make the proxy buffer without end.
  const write = (stream: Writable, from: Readable, msg: RpcMessage, raw?: Buffer): void => {
    if (stream.writableEnded || stream.destroyed) return;
    stream.write(raw ?? JSON.stringify(msg));
    if (!stream.write(NL) && !from.isPaused()) {
      from.pause();
      stream.once('drain', () => from.resume());
    }
  };
  const toServer: Peer = { send: (msg, raw) => write(child.stdin, o.input, msg, raw) };
  const toClient: Peer = { send: (msg, raw) => write(o.output, child.stdout, msg, raw) };
  const relay = new McpRelay(gate, toServer, toClient);
  const maxDepth = DEFAULT_LIMITS.maxDepth;

  const clientReader = new LineReader(o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, (f: Frame) => {
    if (f.kind === 'oversized') {
      const id = scanTopLevelId(f.prefix);
      warn(`refused a client message over ${f.limit} bytes${id === null ? '' : ` (id ${JSON.stringify(id)})`}; not forwarded`);
      return toClient.send(rpcError(id, RpcCode.invalidRequest, `autonomy: message over ${f.limit} bytes; not forwarded`));
    }
    const text = f.bytes.toString('utf8');
    try {
      // Before JSON.parse, so a deeply nested message cannot exhaust the stack.
      checkDepth(text, maxDepth);
    } catch (e) {
      const id = scanTopLevelId(f.bytes);
      return toClient.send(rpcError(id, RpcCode.invalidRequest, `autonomy: ${e instanceof Error ? e.message : String(e)}; not forwarded`));
    }
    const parsed = parseMessage(text);
    if (!parsed.ok) {
      warn(`refused a malformed client message: ${parsed.message}`);
      return toClient.send(rpcError(parsed.id, parsed.code, `autonomy: ${parsed.message}; not forwarded`));
    }
    relay.fromClient(parsed.msg, f.bytes);
  });

  return new Promise<number>((resolve) => {
    let clientEnded = false;
    let finished = false;
    let exitCode: number | null = null;
    const finish = async (code: number): Promise<void> => {
      if (finished) return;
      finished = true;
      await relay.settle();
      // Nothing more from the client can be relayed; stop holding its input open.
      o.input.removeAllListeners('data');
      o.input.destroy();
      resolve(code);
    };

    const serverReader = new LineReader(o.maxServerMessageBytes ?? DEFAULT_MAX_SERVER_MESSAGE_BYTES, (f: Frame) => {
      if (f.kind === 'oversized') {
        // Its id cannot be trusted to be read whole; the request it answered would wait forever, so stop.
        warn(`the MCP server sent a message over ${f.limit} bytes; stopping it`);
        child.kill('SIGTERM');
        return;
      }
      const parsed = parseMessage(f.bytes.toString('utf8'));
      if (!parsed.ok) return void warn(`dropped a malformed message from the MCP server: ${parsed.message}`);
      relay.fromServer(parsed.msg, f.bytes);
    });

    child.stdout.on('data', (c: Buffer) => serverReader.push(c));
    child.stdin.on('error', (e: NodeJS.ErrnoException) => warn(`writing to the MCP server: ${e.code ?? e.message}`));
    o.output.on('error', (e: NodeJS.ErrnoException) => {
      warn(`writing to the client: ${e.code ?? e.message}; stopping`);
      clientEnded = true;
      child.stdin.end();
    });
    child.once('error', (e: NodeJS.ErrnoException) => {
      warn(`${cmd}: ${e.code === 'ENOENT' ? 'command not found' : e.message}`);
      exitCode = e.code === 'ENOENT' ? 127 : 126;
      relay.serverGone(`autonomy: the MCP server could not be started: ${e.message}`);
      void finish(exitCode);
    });
    child.once('close', (status, signal) => {
      // A child that never started was reported by 'error'.
      if (exitCode !== null) return;
      const code = status ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
      if (clientEnded) return void finish(0);
      const why = `the MCP server exited unexpectedly (${signal ? `signal ${signal}` : `exit code ${status}`})`;
      warn(why);
      relay.serverGone(`autonomy: ${why}`);
      void finish(code === 0 ? 1 : code);
    });

    o.input.on('data', (c: Buffer) => clientReader.push(c));
    o.input.once('end', () => {
      clientEnded = true;
      if (clientReader.partial) warn('the client closed its input in the middle of a message; that message was dropped');
      // Decisions under way still reach the server before its input closes.
      void relay.settle().then(() => {
        child.stdin.end();
        const term = setTimeout(() => child.kill('SIGTERM'), EXIT_GRACE_MS).unref();
        const kill = setTimeout(() => child.kill('SIGKILL'), 2 * EXIT_GRACE_MS).unref();
        child.once('close', () => {
          clearTimeout(term);
          clearTimeout(kill);
        });
      });
    });
  });
}

function warn(s: string): void {
  process.stderr.write(`autonomy mcp: ${s}\n`);
}
