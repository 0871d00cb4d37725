// Parsing and validating decision requests: size and depth limits first, then the shape of
// `{tool, args, agent?, context?}`. Pure functions; the server feeds them bytes.
import { AutonomyError } from '../../common/errors.ts';

/** A validated decision request; it is also the policy's `input`. */
export interface DecisionRequest {
  tool: string;
  args: Record<string, unknown>;
  agent?: unknown;
  context?: unknown;
}

/** Limits on what a request may hold. */
export interface RequestLimits {
  /** Maximum body size in bytes (default 1 MiB). */
  maxBytes: number;
  /** Maximum nesting of arrays and objects (default 64). */
  maxDepth: number;
}

export const DEFAULT_LIMITS: RequestLimits = { maxBytes: 1024 * 1024, maxDepth: 64 };

const KNOWN = new Set(['tool', 'args', 'agent', 'context']);
const MAX_TOOL = 256;

/** Parses JSON text within the limits; throws AutonomyError bad_request. */
export function parseBody(text: string, limits: RequestLimits = DEFAULT_LIMITS): unknown {
  if (Buffer.byteLength(text) > limits.maxBytes) throw bad(`request body is over ${limits.maxBytes} bytes`);
  // Checked on the text before JSON.parse so a deeply nested body cannot exhaust the stack.
  checkDepth(text, limits.maxDepth);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw bad(`request body is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Checks that a decision request has the contract's shape. */
export function validateDecision(body: unknown): DecisionRequest {
  if (!isObject(body)) throw bad('request body must be a JSON object');
  for (const k of Object.keys(body)) if (!KNOWN.has(k)) throw bad(`unknown field ${JSON.stringify(k)} (expected tool, args, agent, context)`);
  const { tool, args, agent, context } = body;
  if (typeof tool !== 'string' || tool.length === 0) throw bad('"tool" must be a non-empty string');
  if (tool.length > MAX_TOOL) throw bad(`"tool" is longer than ${MAX_TOOL} characters`);
  if (args !== undefined && !isObject(args)) throw bad('"args" must be a JSON object');
  const req: DecisionRequest = { tool, args: (args as Record<string, unknown> | undefined) ?? {} };
  if (agent !== undefined) req.agent = agent;
  if (context !== undefined) req.context = context;
  return req;
}

/** Maximum nesting depth of JSON text; strings are skipped so brackets inside them do not count. */
export function checkDepth(text: string, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) throw bad(`request nests deeper than ${maxDepth} levels`);
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(message: string): AutonomyError {
  return new AutonomyError('bad_request', message);
}
