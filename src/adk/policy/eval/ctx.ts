// Evaluation state. One Shared per query (budget, strictness, builtin context); one Ctx per
// `with` scope (input, data overrides, mocks and the rule cache that depends on them).
import { AutonomyError, type Location } from '../../../common/errors.ts';
import type { BuiltinContext } from '../builtins/builtin.ts';
import type { CallTarget } from '../compile/ir.ts';
import type { Value } from '../value.ts';

/** A rule slot in the frame; undefined = unbound. */
export type Frame = (Value | undefined)[];
/** A continuation: returns true to stop the enumeration (a result was found and enough is enough). */
export type K = () => boolean;
export type VK = (v: Value) => boolean;

/** Evaluation limits; exceeding one is `eval_budget_exceeded` (the caller then denies). */
export interface Budget {
  /** Maximum evaluation steps (literals run); default 10 million. */
  maxSteps?: number;
  /** Maximum wall time in milliseconds; default 1000. */
  maxMillis?: number;
}

/** A `with` replacement for a function or builtin: a value, or another function to call. */
export type Mock = { readonly value: Value } | { readonly call: CallTarget };

/** Replacement documents below a data path, from `with data.… as …`. */
export interface OverrideNode {
  value?: Value;
  children?: Map<string, OverrideNode>;
}

/** State shared by every scope of one query. */
export interface Shared {
  steps: number;
  nextCheck: number;
  readonly maxSteps: number;
  readonly deadline: number;
  readonly strict: boolean;
  /** Builtin errors seen (non-strict mode turns them into undefined). */
  readonly builtinErrors: AutonomyError[];
  readonly bctx: BuiltinContext;
}

/** Per-`with`-scope state. */
export interface Ctx {
  readonly shared: Shared;
  readonly input: Value | undefined;
  readonly data: Value;
  /** Rule values computed in this scope, by rule set index. */
  readonly cache: (Value | typeof UNDEFINED | undefined)[];
  readonly overrides: OverrideNode | undefined;
  readonly mocks: Map<string, Mock> | undefined;
  /** Mocks are not applied while a mock runs (OPA: a mock never calls another mock). */
  readonly inMock: boolean;
}

/** Cached marker for a rule that evaluated to undefined. */
export const UNDEFINED = Symbol('undefined');

const CHECK_EVERY = 4096;

/** Creates the shared state for one query. */
export function newShared(opts: { budget?: Budget | undefined; strict: boolean; bctx: BuiltinContext }): Shared {
  const maxMillis = opts.budget?.maxMillis ?? 1000;
  return {
    steps: 0,
    nextCheck: CHECK_EVERY,
    maxSteps: opts.budget?.maxSteps ?? 10_000_000,
    deadline: performance.now() + maxMillis,
    strict: opts.strict,
    builtinErrors: [],
    bctx: opts.bctx,
  };
}

/** Charges n steps at once (a builtin about to build n values); checks the limits now. */
export function charge(s: Shared, n: number): void {
  s.steps += n;
  if (s.steps > s.maxSteps) throw budgetError(`evaluation exceeded ${s.maxSteps} steps`);
  s.nextCheck = Math.min(s.nextCheck, s.steps + 1);
}

/** Counts a step; checks step and time limits every few thousand steps. */
export function tick(s: Shared): void {
  if (++s.steps < s.nextCheck) return;
  s.nextCheck = s.steps + CHECK_EVERY;
  if (s.steps > s.maxSteps) throw budgetError(`evaluation exceeded ${s.maxSteps} steps`);
  if (performance.now() > s.deadline) throw budgetError('evaluation exceeded its time budget');
}

/** The error raised when evaluation runs over its budget. */
export function budgetError(message: string): AutonomyError {
  return new AutonomyError('eval_budget_exceeded', message);
}

/** An evaluation error with OPA's code and the location of the expression. */
export function evalError(code: string, message: string, loc?: Location): AutonomyError {
  return new AutonomyError(code, message, { location: loc });
}
