// The policy side of the MCP proxy: turns a tools/call into a decision request for the runtime's
// decision core (which records it in the WAL before answering), a deny into the tool result the
// model reads, and `visible_tools` into the list of tools the client is shown.
import { AutonomyError } from '../../../common/errors.ts';
import type { Decider, DecisionResponse } from '../decision.ts';
import { isActive, type PolicySource } from '../policy-source.ts';
import { DEFAULT_LIMITS, validateDecision } from '../request.ts';
import { field, RpcCode, type RpcId, type RpcMessage } from './jsonrpc.ts';

/** Who is on each end of the proxy, as the policy sees it in input.agent and input.context. */
export interface GateContext {
  /** The server: its command (stdio) or URL (HTTP). */
  server: string;
  transport: 'stdio' | 'streamable-http';
  /** The full command line of a stdio server. */
  argv?: readonly string[];
}

/** The outcome of a tools/call: forward it, or answer the client with `reply`. */
export type CallVerdict = { allow: true; decision: DecisionResponse } | { allow: false; reply: RpcMessage };

/** Decides tools/call requests and tools/list visibility for one MCP session. */
export class McpGate {
  readonly #decider: Decider;
  readonly #policy: PolicySource;
  readonly #context: Record<string, unknown>;
  #agent: { name: string; version: string } | undefined;

  constructor(decider: Decider, policy: PolicySource, context: GateContext) {
    this.#decider = decider;
    this.#policy = policy;
    this.#context = { ...context };
  }

  /** Notes the client's name and version from its initialize request (input.agent). */
  observeInitialize(params: unknown): void {
    const info = field(params, 'clientInfo');
    const name = field(info, 'name');
    const version = field(info, 'version');
    this.#agent = { name: typeof name === 'string' ? name : 'unknown', version: typeof version === 'string' ? version : 'unknown' };
  }

  /** Notes the server's name and version from its initialize result (input.context.server_info). */
  observeServerInfo(result: unknown): void {
    const info = field(result, 'serverInfo');
    const name = field(info, 'name');
    const version = field(info, 'version');
    if (typeof name === 'string') this.#context['server_info'] = { name, version: typeof version === 'string' ? version : 'unknown' };
  }

  /** Decides one tools/call request; a malformed one is denied (and recorded) as bad_request. */
  async authorizeCall(id: RpcId, params: unknown): Promise<CallVerdict> {
    let decision: DecisionResponse;
    let malformed = false;
    try {
      let req;
      try {
        const args = field(params, 'arguments');
        // The stdio framing checks depth on the text; HTTP messages arrive parsed, so check here too.
        if (nestedDeeperThan(args, DEFAULT_LIMITS.maxDepth)) throw new AutonomyError('bad_request', `arguments nest deeper than ${DEFAULT_LIMITS.maxDepth} levels`);
        req = validateDecision({ tool: field(params, 'name'), args, ...this.#input() });
      } catch (e) {
        if (!(e instanceof AutonomyError)) throw e;
        malformed = true;
        req = new AutonomyError(e.code, `tools/call params: ${e.message}`);
      }
      decision = await this.#decider.decide(req);
    } catch (e) {
      // The decision core turns every known failure into a deny; this is for the unknown ones.
      return { allow: false, reply: { jsonrpc: '2.0', id, error: { code: RpcCode.internalError, message: `autonomy: internal error while deciding, call not forwarded: ${e instanceof Error ? e.message : String(e)}` } } };
    }
    if (decision.decision === 'allow') return { allow: true, decision };
    const meta = { decision_id: decision.decision_id, reasons: decision.reasons, wal: decision.wal };
    if (malformed) return { allow: false, reply: { jsonrpc: '2.0', id, error: { code: RpcCode.invalidParams, message: `autonomy: ${decision.error?.message ?? 'bad tools/call params'}`, data: meta } } };
    const text = `autonomy denied this call (decision ${decision.decision_id}): ${decision.reasons.join('; ')}`;
    return { allow: false, reply: { jsonrpc: '2.0', id, result: { content: [{ type: 'text', text }], isError: true, _meta: { 'autonomyops/decision': meta } } } };
  }

  /**
   * The tools the policy lets the client see (`<entrypoint>.visible_tools`), or null when the
   * policy does not say. Any failure hides every tool: what cannot be decided is not offered.
   */
  async visibleTools(): Promise<Set<string> | null> {
    const state = this.#policy.current();
    if (!isActive(state)) return new Set();
    const path = state.entrypoint.split('.');
    if (path[0] !== 'data' || path.length < 2) return new Set();
    let result: unknown;
    try {
      ({ result } = await this.#decider.data([...path.slice(1), 'visible_tools'], this.#input()));
    } catch (e) {
      process.stderr.write(`autonomy mcp: visible_tools could not be evaluated, hiding every tool: ${e instanceof Error ? e.message : String(e)}\n`);
      return new Set();
    }
    if (result === undefined) return null;
    if (!Array.isArray(result) || !result.every((t) => typeof t === 'string')) {
      process.stderr.write('autonomy mcp: visible_tools is not a set of tool names, hiding every tool\n');
      return new Set();
    }
    return new Set(result);
  }

  /** A tools/list result with only the visible tools, or the result unchanged when all are. */
  async filterToolsList(result: unknown): Promise<unknown> {
    const visible = await this.visibleTools();
    if (visible === null) return result;
    const tools = field(result, 'tools');
    if (!Array.isArray(tools)) return result;
    return { ...(result as object), tools: tools.filter((t) => visible.has(field(t, 'name') as string)) };
  }

  #input(): { agent?: unknown; context: unknown } {
    return this.#agent === undefined ? { context: this.#context } : { agent: this.#agent, context: this.#context };
  }
}


/** True when v nests arrays and objects more than `limit` deep; stops looking at the limit. */
function nestedDeeperThan(v: unknown, limit: number): boolean {
  if (typeof v !== 'object' || v === null) return false;
  if (limit === 0) return true;
  for (const x of Array.isArray(v) ? v : Object.values(v)) if (nestedDeeperThan(x, limit - 1)) return true;
  return false;
}
