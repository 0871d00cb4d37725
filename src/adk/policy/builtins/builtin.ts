// The contract between the evaluator and every builtin: one declaration per builtin (name,
// typed arguments, result type, category, implementation), and the errors a builtin may raise.
import { AutonomyError, type Location } from '../../../common/errors.ts';
import type { Type } from '../types.ts';
import { typeName, type Value } from '../value.ts';

/** What an evaluation lends to builtins; one per query. */
export interface BuiltinContext {
  /** time.now_ns: fixed for the whole query, as OPA does. */
  readonly nowNs: bigint;
  /** Environment visible to opa.runtime(). */
  readonly env: Readonly<Record<string, string>>;
  /** Per-query memo for builtins that must be stable within one query (rand.intn, …). */
  readonly cache: Map<string, unknown>;
  /** Where print() output goes. */
  print(line: string): void;
  /** Hosts http.send / net.lookup_ip_addr may reach; empty means networking is disabled. */
  readonly networkAllowList: readonly string[];
  /**
   * Charges work to the evaluation's budget before doing it (a builtin about to build a large
   * collection calls this first); throws eval_budget_exceeded when the budget runs out.
   */
  charge?(units: number): void;
}

/** A builtin's implementation: the argument values in, the result out (undefined = no result). */
export type BuiltinFn = (args: readonly Value[], ctx: BuiltinContext) => Value | undefined;

/** One builtin, declared once as data. */
export interface BuiltinDecl {
  readonly name: string;
  /** Declared argument types, in order. */
  readonly args: readonly Type[];
  /** For variadic builtins (print): the type of every further argument. */
  readonly variadic?: Type;
  /** Result type; absent for builtins with no result (print). */
  readonly result?: Type;
  /** Family, as OPA's docs group them: strings, numbers, sets, … */
  readonly category: string;
  /** True when the result may differ between calls with equal arguments (time, rand, http). */
  readonly nondeterministic?: boolean;
  /**
   * Deprecated in OPA (any, all, set_diff, cast_*): a v1 module calling it is a compile error,
   * rego_type_error "deprecated built-in function calls in expression: NAME".
   */
  readonly deprecated?: boolean;
  /** Implementation for builtins with one result. */
  readonly impl: BuiltinFn;
  /** For builtins that yield several results (walk): each result in turn; impl is then unused. */
  readonly iterate?: (args: readonly Value[], ctx: BuiltinContext) => Iterable<Value>;
}

/** The table of builtins by name. */
export type BuiltinTable = Map<string, BuiltinDecl>;

/** Adds declarations to a table (a family's `register` calls this). */
export function declare(table: BuiltinTable, ...decls: BuiltinDecl[]): void {
  for (const d of decls) {
    if (table.has(d.name)) throw new Error(`builtin ${d.name} declared twice`);
    table.set(d.name, d);
  }
}

/**
 * An error raised by a builtin. The evaluator prefixes the builtin's name and adds the call's
 * location; without strict builtin errors it turns the call undefined instead.
 */
export class BuiltinError extends AutonomyError {
  constructor(code: 'eval_type_error' | 'eval_builtin_error', message: string, location?: Location) {
    super(code, message, { location });
    this.name = 'BuiltinError';
  }
}

/**
 * `operand N must be T but got X`, or `operand N must be one of {T1, T2} but got X` when several
 * types are accepted (eval_type_error), as OPA words it.
 */
export function operandTypeError(pos: number, got: Value | string, ...expected: string[]): BuiltinError {
  const gotName = typeof got === 'string' && !expected.includes('string') && isTypeWord(got) ? got : typeName(got as Value);
  const want = expected.length === 1 ? expected[0]! : `one of {${expected.join(', ')}}`;
  return new BuiltinError('eval_type_error', `operand ${pos} must be ${want} but got ${gotName}`);
}

/** `operand N must be array of strings but got array containing number` (eval_type_error). */
export function operandElementError(pos: number, composite: Value, got: Value, expected: string): BuiltinError {
  const kind = typeName(composite);
  return new BuiltinError('eval_type_error', `operand ${pos} must be ${kind} of ${expected}s but got ${kind} containing ${typeName(got)}`);
}

// Only these descriptions stand in for a value: a string argument such as "array" must still be
// reported as a string.
function isTypeWord(s: string): boolean {
  return s === 'floating-point number' || s === 'integer number';
}

/** `operand N <message>` (eval_type_error), for constraints beyond the type (e.g. "must not be negative"). */
export function operandError(pos: number, message: string): BuiltinError {
  return new BuiltinError('eval_type_error', `operand ${pos} ${message}`);
}

/** A failure of the builtin itself (eval_builtin_error): bad format, out of range, … */
export function builtinError(message: string): BuiltinError {
  return new BuiltinError('eval_builtin_error', message);
}
