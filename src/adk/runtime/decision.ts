// The decision path as one function of (request, policy, log): evaluate the entrypoint under a
// budget, append the outcome to the log, answer. Every failure becomes a deny with a reason
// code (INV-01), and an answer leaves only after its record is durable (INV-03).
import { randomUUID } from 'node:crypto';
import { AutonomyError, isAutonomyError } from '../../common/errors.ts';
import { type Budget, ObjectValue, SetValue, toJS, type Value } from '../policy/index.ts';
import type { DecisionLog, DecisionRecord, LogPosition } from './decision-log.ts';
import { isActive, type ActivePolicy, type PolicySource } from './policy-source.ts';
import { Reason } from './reasons.ts';
import type { DecisionRequest } from './request.ts';

/** The answer to POST /v1/decide, exactly as DESIGN.md's runtime contract names it. */
export interface DecisionResponse {
  decision: 'allow' | 'deny';
  reasons: string[];
  decision_id: string;
  policy: { revision: string; digest: string } | null;
  wal: LogPosition | null;
  /** Present when the runtime (not the policy) denied: the code and what went wrong. */
  error?: { code: string; message: string };
}

/** What the runtime reports about each decision (metrics). */
export interface DecisionEvent {
  decision: 'allow' | 'deny';
  /** The runtime's reason code, or 'policy' when the policy decided. */
  reason: string;
  evalNs: number;
  walNs: number;
}

export interface DeciderOptions {
  policy: PolicySource;
  log: DecisionLog;
  /** Evaluation limits (default 50 ms and 1 million steps). */
  budget?: Budget;
  onDecision?: (e: DecisionEvent) => void;
}

/** The result of evaluating a Data API path: its value (undefined if undefined). */
export interface DataResult {
  result: unknown;
  decision_id: string;
  wal: LogPosition;
}

export const DEFAULT_BUDGET: Required<Budget> = { maxMillis: 50, maxSteps: 1_000_000 };

/** Makes decisions; one per runtime, shared by every connection. */
export class Decider {
  readonly budget: Required<Budget>;
  readonly #policy: PolicySource;
  readonly #log: DecisionLog;
  readonly #onDecision: (e: DecisionEvent) => void;

  constructor(opts: DeciderOptions) {
    this.#policy = opts.policy;
    this.#log = opts.log;
    this.budget = { ...DEFAULT_BUDGET, ...opts.budget };
    this.#onDecision = opts.onDecision ?? (() => undefined);
  }

  /** Decides a validated request, or denies a request that failed validation (bad_request). */
  async decide(req: DecisionRequest | AutonomyError): Promise<DecisionResponse> {
    const t0 = process.hrtime.bigint();
    const decision_id = randomUUID();
    const state = this.#policy.current();
    const active = isActive(state) ? state : null;
    let outcome: Outcome;
    if (req instanceof AutonomyError) outcome = fail(Reason.badRequest, req.message);
    else if (!isActive(state)) outcome = fail(state.error, state.message);
    else if (state.stale) outcome = fail(Reason.policyStale, `policy revision ${state.revision} is stale`);
    else outcome = this.#evaluate(state, req);
    if (active?.dev) outcome.reasons.push(Reason.devUnsignedPolicy);
    const t1 = process.hrtime.bigint();

    const record: DecisionRecord = { kind: 'decision', decision_id, decision: outcome.decision, reasons: outcome.reasons, latency_ns: Number(t1 - t0) };
    if (!(req instanceof AutonomyError)) {
      record.tool = req.tool;
      record.args = req.args;
      if (req.agent !== undefined) record.agent = req.agent;
      if (req.context !== undefined) record.context = req.context;
    }
    if (active) {
      record.revision = active.revision;
      record.digest = active.digest;
    }
    if (outcome.error) record.detail = { error: outcome.error };
    let wal: LogPosition | null = null;
    try {
      wal = await this.#log.append(record);
    } catch (e) {
      // The decision cannot be made durable, so nobody may act on it: whatever the policy said, deny.
      outcome = fail(Reason.walUnavailable, errorMessage(e));
    }
    const t2 = process.hrtime.bigint();
    this.#onDecision({ decision: outcome.decision, reason: outcome.error?.code ?? 'policy', evalNs: Number(t1 - t0), walNs: Number(t2 - t1) });
    const res: DecisionResponse = {
      decision: outcome.decision,
      reasons: outcome.reasons,
      decision_id,
      policy: active ? { revision: active.revision, digest: active.digest } : null,
      wal,
    };
    if (outcome.error) res.error = outcome.error;
    return res;
  }

  /**
   * Evaluates `data.<path>` for the OPA Data API and logs it like a decision. Throws
   * AutonomyError (no_valid_policy, policy_stale, eval_*, wal_unavailable) instead of answering.
   */
  async data(path: readonly string[], input: unknown): Promise<DataResult> {
    const t0 = process.hrtime.bigint();
    const decision_id = randomUUID();
    const state = this.#policy.current();
    if (!isActive(state)) throw new AutonomyError(state.error, state.message);
    if (state.stale) throw new AutonomyError(Reason.policyStale, `policy revision ${state.revision} is stale`);
    const query = ['data', ...path].map((p, i) => (i === 0 ? p : `[${JSON.stringify(p)}]`)).join('');
    let result: unknown;
    try {
      const rows = state.policy.eval(query, { input, budget: this.budget, strictBuiltinErrors: true });
      result = rows.length === 0 ? undefined : toJS(rows[0]!.expressions[0]!);
    } catch (e) {
      this.#onDecision({ decision: 'deny', reason: reasonOf(e), evalNs: Number(process.hrtime.bigint() - t0), walNs: 0 });
      throw e;
    }
    const t1 = process.hrtime.bigint();
    const detail: Record<string, unknown> = { api: 'data', path: `/${path.join('/')}` };
    if (result !== undefined) detail['result'] = result;
    if (input !== undefined) detail['input'] = input;
    let wal: LogPosition;
    try {
      wal = await this.#log.append({ kind: 'decision', decision_id, tool: `data.${path.join('.')}`, revision: state.revision, digest: state.digest, latency_ns: Number(t1 - t0), detail });
    } catch (e) {
      this.#onDecision({ decision: 'deny', reason: Reason.walUnavailable, evalNs: Number(t1 - t0), walNs: 0 });
      throw new AutonomyError(Reason.walUnavailable, errorMessage(e), { cause: e });
    }
    this.#onDecision({ decision: result === true ? 'allow' : 'deny', reason: 'data', evalNs: Number(t1 - t0), walNs: Number(process.hrtime.bigint() - t1) });
    return { result, decision_id, wal };
  }

  #evaluate(p: ActivePolicy, req: DecisionRequest): Outcome {
    let v: Value | undefined;
    try {
      const rows = p.policy.eval(p.entrypoint, { input: req, budget: this.budget, strictBuiltinErrors: true });
      v = rows.length === 0 ? undefined : rows[0]!.expressions[0];
    } catch (e) {
      // A bug in the evaluator is an evaluator error too: deny, never crash the connection.
      return fail(reasonOf(e), errorMessage(e));
    }
    if (!(v instanceof ObjectValue)) return fail(Reason.evalError, `${p.entrypoint} is ${v === undefined ? 'undefined' : 'not an object'}; it must yield allow and deny`);
    const allow = v.get('allow');
    const deny = v.get('deny');
    let reasons: string[] = [];
    if (deny instanceof SetValue || Array.isArray(deny)) {
      const items: Value[] = deny instanceof SetValue ? [...deny.values()] : (deny as Value[]);
      reasons = items.map((r) => (typeof r === 'string' ? r : JSON.stringify(toJS(r))));
    } else if (deny !== undefined) return fail(Reason.evalError, `${p.entrypoint}.deny must be a set of reasons`);
    if (allow === true && reasons.length === 0) return { decision: 'allow', reasons: [] };
    if (reasons.length === 0) reasons.push(Reason.notAllowed);
    return { decision: 'deny', reasons };
  }
}

interface Outcome {
  decision: 'allow' | 'deny';
  reasons: string[];
  error?: { code: string; message: string };
}

function fail(code: string, message: string): Outcome {
  return { decision: 'deny', reasons: [code], error: { code, message } };
}

/** eval_budget_exceeded stays itself; every other evaluation failure is eval_error. */
function reasonOf(e: unknown): string {
  return isAutonomyError(e) && e.code === Reason.evalBudgetExceeded ? Reason.evalBudgetExceeded : Reason.evalError;
}

function errorMessage(e: unknown): string {
  return isAutonomyError(e) ? e.toString() : e instanceof Error ? e.message : String(e);
}
