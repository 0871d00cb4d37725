// The TypeScript SDK: ask the runtime before acting. Every failure to get a well-formed, durable
// allow (no runtime configured, refused connection, timeout, non-2xx, bad JSON, a missing WAL
// position) is a deny with a reason (INV-01); decide() never throws.

/** Where the runtime is and how long to wait for it. */
export interface ClientOptions {
  /** Default: $AUTONOMY_RUNTIME_URL. */
  url?: string | undefined;
  /** Default: $AUTONOMY_RUNTIME_TOKEN. */
  token?: string | undefined;
  /** Per-decision timeout in milliseconds (default 2000). */
  timeoutMs?: number;
  /** Sent as `agent` with every request. */
  agent?: unknown;
}

/** A decision as the caller sees it. */
export interface Decision {
  allowed: boolean;
  decision: 'allow' | 'deny';
  reasons: string[];
  decision_id: string | null;
  policy: { revision: string; digest: string } | null;
  wal: { seq: number; hash: string } | null;
  /** Round-trip time in milliseconds. */
  latencyMs: number;
  /** Set when the client or the runtime (rather than the policy) denied. */
  error?: { code: string; message: string };
}

/** Reason codes the client itself can deny with. */
export const ClientReason = {
  notConfigured: 'runtime_not_configured',
  unreachable: 'runtime_unreachable',
  timeout: 'runtime_timeout',
  badResponse: 'runtime_bad_response',
} as const;

/** A runtime client. */
export interface Client {
  /** Asks whether `tool` may run with `args`; resolves to a deny on any failure. */
  decide(tool: string, args?: Record<string, unknown>, extra?: { agent?: unknown; context?: unknown }): Promise<Decision>;
}

/** Thrown by governed functions when the call is denied. */
export class PermissionDeniedError extends Error {
  readonly decision: Decision;
  constructor(tool: string, decision: Decision) {
    super(`${tool} denied: ${decision.reasons.join('; ') || 'no reason given'}`);
    this.name = 'PermissionDeniedError';
    this.decision = decision;
  }
}

/** Creates a client for the runtime named by the options or the environment. */
export function createClient(opts: ClientOptions = {}): Client {
  const url = (opts.url ?? process.env['AUTONOMY_RUNTIME_URL'] ?? '').replace(/\/+$/, '');
  const token = opts.token ?? process.env['AUTONOMY_RUNTIME_TOKEN'] ?? '';
  const timeoutMs = opts.timeoutMs ?? 2000;
  return {
    async decide(tool, args = {}, extra = {}) {
      const t0 = performance.now();
      const deny = (code: string, message: string, body?: Partial<Decision>): Decision => ({
        allowed: false,
        decision: 'deny',
        reasons: body?.reasons && body.reasons.length > 0 ? body.reasons : [code],
        decision_id: body?.decision_id ?? null,
        policy: body?.policy ?? null,
        wal: body?.wal ?? null,
        latencyMs: performance.now() - t0,
        error: { code, message },
      });
      if (url === '') return deny(ClientReason.notConfigured, 'AUTONOMY_RUNTIME_URL is not set');
      const body: Record<string, unknown> = { tool, args };
      const agent = extra.agent ?? opts.agent;
      if (agent !== undefined) body['agent'] = agent;
      if (extra.context !== undefined) body['context'] = extra.context;
      let res: Response;
      let text: string;
      try {
        res = await fetch(`${url}/v1/decide`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
        text = await res.text();
      } catch (e) {
        const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
        return deny(timedOut ? ClientReason.timeout : ClientReason.unreachable, e instanceof Error ? `${e.message}${e.cause instanceof Error ? `: ${e.cause.message}` : ''}` : String(e));
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return deny(ClientReason.badResponse, `HTTP ${res.status}: the answer is not JSON`);
      }
      const d = shape(parsed);
      if (!d) return deny(ClientReason.badResponse, `HTTP ${res.status}: the answer is not a decision`);
      if (!res.ok) return deny(d.error?.code ?? `http_${res.status}`, d.error?.message ?? `HTTP ${res.status}`, d);
      // An allow counts only with the WAL position that proves it was recorded (INV-03).
      if (d.decision === 'allow' && d.wal !== null) return { ...d, allowed: true, latencyMs: performance.now() - t0 };
      if (d.decision === 'allow') return deny(ClientReason.badResponse, 'an allow without a WAL position', { ...d, reasons: [] });
      return { ...d, allowed: false, decision: 'deny', latencyMs: performance.now() - t0 };
    },
  };
}

/** Wraps fn so that each call first asks the runtime for `tool`; a deny throws PermissionDeniedError. */
export function governed<A extends unknown[], R>(client: Client, tool: string, fn: (...a: A) => R | Promise<R>, argsOf: (...a: A) => Record<string, unknown> = defaultArgs): (...a: A) => Promise<R> {
  return async (...a: A) => {
    const d = await client.decide(tool, argsOf(...a));
    if (!d.allowed) throw new PermissionDeniedError(tool, d);
    return fn(...a);
  };
}

function defaultArgs(...a: unknown[]): Record<string, unknown> {
  return a.length === 1 && typeof a[0] === 'object' && a[0] !== null && !Array.isArray(a[0]) ? (a[0] as Record<string, unknown>) : { args: a };
}

/** The decision fields of an answer, checked; null if it is not one. */
function shape(v: unknown): Omit<Decision, 'allowed' | 'latencyMs'> | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (o['decision'] !== 'allow' && o['decision'] !== 'deny') return null;
  if (!Array.isArray(o['reasons']) || !o['reasons'].every((r) => typeof r === 'string')) return null;
  const wal = o['wal'] as { seq?: unknown; hash?: unknown } | null | undefined;
  const walOk = typeof wal === 'object' && wal !== null && typeof wal.seq === 'number' && typeof wal.hash === 'string';
  const err = o['error'] as { code?: unknown; message?: unknown } | undefined;
  const d: Omit<Decision, 'allowed' | 'latencyMs'> = {
    decision: o['decision'],
    reasons: o['reasons'] as string[],
    decision_id: typeof o['decision_id'] === 'string' && o['decision_id'] !== '' ? o['decision_id'] : null,
    policy: (o['policy'] as Decision['policy']) ?? null,
    wal: walOk ? { seq: wal.seq as number, hash: wal.hash as string } : null,
  };
  if (err && typeof err.code === 'string') d.error = { code: err.code, message: typeof err.message === 'string' ? err.message : '' };
  return d;
}
