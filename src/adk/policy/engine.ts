// The engine's public face: compile policies once, evaluate queries many times. Evaluation
// holds no shared mutable state, so one compiled policy serves concurrent evaluations.
import { AutonomyError } from '../../common/errors.ts';
import type { Module } from './ast.ts';
import type { BuiltinContext, BuiltinTable } from './builtins/builtin.ts';
import { defaultBuiltins } from './builtins/registry.ts';
import { compileProgram, compileQuery, type CompiledQuery } from './compile/program.ts';
import { charge, newShared, type Budget, type Ctx, type Frame, type Shared } from './eval/ctx.ts';
import type { Program } from './eval/program.ts';
import { parseModule, parseQuery } from './parser.ts';
import { fromJS, fromJSLazy, ObjectValue, type Value } from './value.ts';

/** A policy source file. */
export interface PolicySource {
  readonly file: string;
  readonly text: string;
}

export interface CompileOptions {
  /** Builtin table (default: every builtin). */
  readonly builtins?: BuiltinTable;
  /**
   * Generate JavaScript for the common core of rule bodies (default: true, when the process
   * allows code generation). False keeps every rule in the closure compiler: the reference the
   * generated code is tested against.
   */
  readonly generate?: boolean;
}

export interface EvalOptions {
  /** The input document: plain JSON data or a Rego value. */
  readonly input?: unknown;
  /** Replaces the base data given at compile time. */
  readonly data?: unknown;
  /** Builtin errors are errors (otherwise the failing call is undefined). */
  readonly strictBuiltinErrors?: boolean;
  readonly budget?: Budget;
  /** time.now_ns for this evaluation (default: now). */
  readonly nowNs?: bigint;
  /** Environment for opa.runtime() (default: none). */
  readonly env?: Readonly<Record<string, string>>;
  /** Receives print() output (default: discarded). */
  readonly print?: (line: string) => void;
  /** Hosts that http.send and net.lookup_ip_addr may reach (default: none). */
  readonly networkAllowList?: readonly string[];
  /** Receives the steps the evaluation took, also when it fails (to size a budget). */
  readonly stats?: { steps: number };
}

/** One solution of a query. */
export interface ResultRow {
  /** Values of the query's named variables. */
  readonly bindings: ReadonlyMap<string, Value>;
  /** Value of each expression of the query (true for unifications). */
  readonly expressions: readonly Value[];
}

/** A query compiled against a policy, ready to evaluate many times. */
export interface PreparedQuery {
  readonly query: CompiledQuery;
}

/** A compiled set of modules plus base data. */
export class CompiledPolicy {
  readonly program: Program;
  readonly data: Value;
  private readonly builtins: BuiltinTable;
  private readonly prepared = new Map<string, PreparedQuery>();

  constructor(program: Program, data: Value, builtins: BuiltinTable) {
    this.program = program;
    this.data = data;
    this.builtins = builtins;
  }

  /** Compiles a query (cached by its text). */
  prepare(query: string): PreparedQuery {
    let p = this.prepared.get(query);
    if (!p) {
      p = { query: compileQuery(this.program, parseQuery(query), this.builtins) };
      if (this.prepared.size < 1000) this.prepared.set(query, p);
    }
    return p;
  }

  /** Evaluates a query; every solution is a row. Throws AutonomyError on evaluation errors. */
  eval(query: string | PreparedQuery, opts: EvalOptions = {}): ResultRow[] {
    const q = (typeof query === 'string' ? this.prepare(query) : query).query;
    const c = this.context(opts);
    const frame = new Array<Value | undefined>(q.nslots);
    let rows: ResultRow[] | undefined;
    const emit = (): boolean => {
      const row = { bindings: bindingsOf(q, frame), expressions: expressionsOf(q, frame) };
      // Most queries have one row: an array of exactly one is far smaller than a grown one.
      if (rows === undefined) rows = [row];
      else rows.push(row);
      return false;
    };
    try {
      run(q.fn, c, frame, emit);
    } finally {
      if (opts.stats) opts.stats.steps = c.shared.steps;
    }
    return rows ?? [];
  }

  /** The value of a rule or document (`data.autonomy.authz`) for an input; undefined if undefined. */
  evalRule(path: string, input?: unknown, opts: Omit<EvalOptions, 'input'> = {}): Value | undefined {
    const rows = this.eval(path, { ...opts, input });
    return rows.length === 0 ? undefined : rows[0]!.expressions[0];
  }

  private context(opts: EvalOptions): Ctx {
    const bctx = new QueryBuiltinContext(opts);
    const shared = newShared({ budget: opts.budget, strict: opts.strictBuiltinErrors ?? false, bctx });
    bctx.shared = shared;
    return {
      shared,
      input: opts.input === undefined ? undefined : fromJSLazy(opts.input),
      data: opts.data === undefined ? this.data : toValue(opts.data),
      // Sized once: growing an empty array on its first write allocates several times this.
      cache: new Array(this.program.refCache.next),
      overrides: undefined,
      mocks: undefined,
      inMock: false,
    };
  }
}

const NO_ENV: Readonly<Record<string, string>> = Object.freeze({});
const NO_HOSTS: readonly string[] = Object.freeze([]);
const discard = (): void => undefined;

/** Shared by the rows of queries without variables (`data.p`, the usual decision). */
const NO_BINDINGS: ReadonlyMap<string, Value> = new Map();

function bindingsOf(q: CompiledQuery, frame: Frame): ReadonlyMap<string, Value> {
  if (q.vars.length === 0) return NO_BINDINGS;
  const bindings = new Map<string, Value>();
  for (const v of q.vars) {
    const x = frame[v.slot];
    if (x !== undefined && v.name !== '_') bindings.set(v.name, x);
  }
  return bindings;
}

function expressionsOf(q: CompiledQuery, frame: Frame): Value[] {
  const expressions = new Array<Value>(q.captures.length);
  for (let i = 0; i < expressions.length; i++) {
    const s = q.captures[i]!;
    expressions[i] = s >= 0 ? frame[s]! : true;
  }
  return expressions;
}

/** What builtins see of one query; the clock and the memo are made only when first used. */
class QueryBuiltinContext implements BuiltinContext {
  readonly env: Readonly<Record<string, string>>;
  readonly print: (line: string) => void;
  readonly networkAllowList: readonly string[];
  private now: bigint | undefined;
  private memo: Map<string, unknown> | undefined;
  /** The query's budget, which builtins charge for large results. */
  shared: Shared | undefined;

  constructor(opts: EvalOptions) {
    this.now = opts.nowNs;
    this.env = opts.env ?? NO_ENV;
    this.print = opts.print ?? discard;
    this.networkAllowList = opts.networkAllowList ?? NO_HOSTS;
  }

  /** time.now_ns: read once per query, when a policy first asks. */
  get nowNs(): bigint {
    return (this.now ??= BigInt(Date.now()) * 1_000_000n);
  }

  get cache(): Map<string, unknown> {
    return (this.memo ??= new Map());
  }

  charge(units: number): void {
    if (this.shared) charge(this.shared, units);
  }
}

/** Runs an evaluation, turning a blown JS stack into a coded error (the caller then denies). */
function run(fn: CompiledQuery['fn'], c: Ctx, frame: Frame, k: () => boolean): void {
  try {
    fn(c, frame, k);
  } catch (e) {
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      throw new AutonomyError('eval_budget_exceeded', 'evaluation exceeded the maximum nesting depth');
    }
    throw e;
  }
}

function toValue(x: unknown): Value {
  return x instanceof ObjectValue ? x : fromJS(x);
}

/** Parses and compiles modules with base data. Throws AutonomyError (with location) on errors. */
export function compile(sources: readonly PolicySource[], data: unknown = {}, options: CompileOptions = {}): CompiledPolicy {
  const builtins = options.builtins ?? defaultBuiltins();
  const modules: Module[] = sources.map((s) => parseModule(s.text, s.file));
  const base = toValue(data ?? {});
  const program = compileProgram(modules, builtins, { generate: options.generate ?? true, data: base });
  return new CompiledPolicy(program, base, builtins);
}
