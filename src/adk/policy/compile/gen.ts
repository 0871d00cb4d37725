// Source generation for the common core of rule bodies: refs into input, locals and data,
// builtin calls, the conditions built from them, `some … in` over a single collection and
// assignments become straight-line JavaScript (one function per run of conditions or per body,
// with loops instead of continuations) rather than a chain of shared closures, so V8 sees
// monomorphic code it can inline. Every other term is left to the closure compiler (plan.ts),
// whose getters the generated code calls. Generated code calls the same helpers the closures do
// (lookup, equal, builtin implementations, builtinFailure) in the same order, so results, errors
// and step counts are the same; test/adk/policy/codegen.test.ts checks that against the closures.
import { equal, keyOf, ObjectValue, type Value } from '../value.ts';
import { tick, UNDEFINED, type Ctx, type Frame } from '../eval/ctx.ts';
import { basePath, dataRoute, entries, extent, lookup, lookupPath } from '../eval/data.ts';
import type { CTerm, DataNode, GetFn, LitFn } from '../eval/program.ts';
import { evalRuleSet } from '../eval/rules.ts';
import type { CallTarget, IR } from './ir.ts';
import { hasOutputArg, isOpenPattern } from './safety.ts';

/** A literal that has at most one solution and binds nothing: a condition on the frame. */
export type Test = (c: Ctx, f: Frame) => boolean;

/** Code that falls through when a condition holds; FAIL marks where it gives up. */
export interface Snippet {
  readonly gen: SourceGen;
  readonly code: string;
}

// Policy text never becomes code: strings enter the source as JSON literals (which escape NUL,
// so no constant can forge this marker) and every other value or function is passed by reference.
const FAIL = '\u0000FAIL\u0000';

/** A literal of a generated body: a condition, `some [k,] v in coll` or `x := v` binding fresh slots. */
export type Step =
  | { readonly kind: 'test'; readonly snippet: Snippet }
  | { readonly kind: 'each'; readonly coll: IR; readonly bound: ReadonlySet<number>; readonly keySlot?: number; readonly valueSlot: number }
  | { readonly kind: 'bind'; readonly slot: number; readonly value: IR; readonly bound: ReadonlySet<number> };

/** What the generator borrows from the closure compiler. */
export interface GenHost {
  readonly root: DataNode;
  /** The base data the policy was compiled with (evaluations usually keep it). */
  readonly data: Value | undefined;
  /** The scope cache entry (Ctx.cache) for the value of the input ref with this key. */
  refSlot(key: string): number;
  /** A compiled sub-term the generator leaves to the closure compiler. */
  term(t: IR, bound: ReadonlySet<number>): CTerm;
  /** The closure compiler's own version of a term (for the general walk under `with`). */
  closureTerm(t: IR, bound: ReadonlySet<number>): CTerm;
  /** A builtin call honouring `with` mocks (taken only when mocks are in scope). */
  mockedCall(target: CallTarget, loc: IR['loc']): (c: Ctx, args: Value[]) => Value | undefined;
  /** A builtin's error handling: undefined result, or the error raised in strict mode. */
  failure(c: Ctx, name: string, loc: IR['loc'], e: unknown): undefined;
}

/** Generates the code of one rule (or query): its functions share one table of constants. */
export class SourceGen {
  /** False when generation is turned off or the process forbids it: nothing is then covered. */
  readonly enabled: boolean;
  private readonly host: GenHost;
  private readonly pool: unknown[] = [];
  private readonly named = new Map<unknown, string>();
  private vars = 0;

  constructor(enabled: boolean, host: GenHost) {
    this.enabled = enabled && canGenerate();
    this.host = host;
  }

  /** Whether t is in the generated fragment: a ref (into data: along a static route), or a builtin call. */
  covers(t: IR, bound: ReadonlySet<number>): boolean {
    if (!this.enabled) return false;
    if (t.k === 'ref') return (t.head.k !== 'data' || dataRoute(this.host.root, t.path) !== undefined) && single(t, bound);
    if (t.k === 'call') return t.target.kind === 'builtin' && t.target.name !== 'print' && single(t, bound);
    return false;
  }

  /** A getter for a covered term. */
  getter(t: IR, bound: ReadonlySet<number>): GetFn {
    const out: string[] = [];
    const v = this.value(t, bound, out);
    const body = `${out.join('\n').replaceAll(FAIL, 'return undefined;')}\nreturn ${v};`;
    // Compiled on first use: many getters only serve closures that generated bodies replace.
    let get: GetFn | undefined;
    return (c, f) => (get ??= this.compile(body) as GetFn)(c, f);
  }

  /** The condition of an expression literal: the term is defined and not false. */
  truthy(t: IR, bound: ReadonlySet<number>): Snippet {
    const out: string[] = [];
    const v = this.value(t, bound, out);
    out.push(`if (${v} === false) ${FAIL}`);
    return { gen: this, code: out.join('\n') };
  }

  /** The condition of a unification of two single-valued terms. */
  equal(a: IR, b: IR, bound: ReadonlySet<number>): Snippet | undefined {
    if (!this.enabled) return undefined;
    const out: string[] = [];
    const va = this.value(a, bound, out);
    const vb = this.value(b, bound, out);
    out.push(`if (!${this.ref(equal)}(${va}, ${vb})) ${FAIL}`);
    return { gen: this, code: out.join('\n') };
  }

  /** The negation of a condition. */
  not(s: Snippet): Snippet {
    const label = `L${this.vars++}`;
    return { gen: this, code: `${label}: {\n${s.code.replaceAll(FAIL, `break ${label};`)}\n${FAIL}\n}` };
  }

  /** A condition as a function; with steps, each snippet is charged one first (as seq does). */
  test(snippets: readonly Snippet[], steps: boolean): Test {
    const t = this.ref(tick);
    const code = snippets.map((s) => (steps ? `${t}(c.shared);\n` : '') + s.code.replaceAll(FAIL, 'return false;')).join('\n');
    const body = `${code}\nreturn true;`;
    return this.compile(body) as Test;
  }

  /**
   * A whole body as one function: conditions inline, iterations as loops, assignments as stores.
   * Like seq, someIn and the pattern matchers, it charges a step before each literal and each
   * element, binds while later literals and k run, and unbinds on the way out.
   */
  body(steps: readonly Step[]): LitFn {
    const t = this.ref(tick);
    const parts: string[] = [];
    // The top level, then one scope per loop: the slots bound in it.
    const scopes: { label?: string; slots: number[] }[] = [{ slots: [] }];
    const unbind = (slots: readonly number[]): string => slots.map((x) => `f[${x}] = undefined;`).join(' ');
    // Inside a loop the next element overwrites what this one bound; the loop unbinds on exit.
    const fail = (): string => (scopes.length > 1 ? `continue ${scopes[scopes.length - 1]!.label};` : `{ ${unbind(scopes[0]!.slots)} return false; }`);
    for (const s of steps) {
      parts.push(`${t}(c.shared);`);
      if (s.kind === 'test') {
        parts.push(s.snippet.code.replaceAll(FAIL, fail()));
        continue;
      }
      const out: string[] = [];
      const v = this.value(s.kind === 'each' ? s.coll : s.value, s.bound, out);
      parts.push(out.join('\n').replaceAll(FAIL, fail()));
      if (s.kind === 'bind') {
        parts.push(`f[${s.slot}] = ${v};`);
        scopes[scopes.length - 1]!.slots.push(s.slot);
        continue;
      }
      const n = this.vars++;
      const label = `L${n}`;
      parts.push(`const arr${n} = Array.isArray(${v});
const e${n} = arr${n} ? ${v} : ${this.ref(entries)}(${v});
${label}: for (let i${n} = 0; i${n} < e${n}.length; i${n} += arr${n} ? 1 : 2) {
${t}(c.shared);
${s.keySlot === undefined ? '' : `f[${s.keySlot}] = arr${n} ? i${n} : e${n}[i${n}];
`}f[${s.valueSlot}] = arr${n} ? e${n}[i${n}] : e${n}[i${n} + 1];`);
      scopes.push({ label, slots: s.keySlot === undefined ? [s.valueSlot] : [s.keySlot, s.valueSlot] });
    }
    parts.push(`if (k()) { ${unbind(scopes.flatMap((x) => x.slots))} return true; }`);
    for (let i = scopes.length - 1; i > 0; i--) parts.push(`}\n${unbind(scopes[i]!.slots)}`);
    parts.push(`${unbind(scopes[0]!.slots)}\nreturn false;`);
    const src = parts.join('\n');
    return this.compileWith('(c, f, k)', src) as LitFn;
  }

  /** Statements computing t's value (running FAIL when it is undefined); returns its expression. */
  private value(t: IR, bound: ReadonlySet<number>, out: string[]): string {
    switch (t.k) {
      case 'const':
        return this.literal(t.v);
      case 'local':
        return this.bind(`f[${t.slot}]`, out);
      case 'input':
        return this.bind('c.input', out);
      case 'ref':
        if (t.head.k === 'input' && t.path.every((p) => p.k === 'const')) return this.inputRef(t.path as readonly Extract<IR, { k: 'const' }>[], bound, out);
        if (t.head.k !== 'data') return this.walk(this.value(t.head, bound, out), t.path, 0, bound, out);
        if (dataRoute(this.host.root, t.path)) return this.dataRef(t, bound, out);
        break;
      case 'call':
        if (t.target.kind === 'builtin' && t.target.name !== 'print') return this.call(t, t.target, bound, out);
        break;
    }
    const get = this.host.term(t, bound).get!;
    return this.bind(`${this.ref(get)}(c, f)`, out);
  }

  /**
   * An input ref with constant keys (input.tool): looked up once per scope, since policies read
   * the same fields in many rules. `with input` makes a new scope, so a new cache.
   */
  private inputRef(path: readonly Extract<IR, { k: 'const' }>[], bound: ReadonlySet<number>, out: string[]): string {
    const slot = this.host.refSlot(path.map((p) => keyOf(p.v)).join('\u0000'));
    const v = `v${this.vars++}`;
    const label = `M${this.vars++}`;
    const none = this.ref(UNDEFINED);
    const walk: string[] = [];
    const found = this.walk(this.bind('c.input', walk), path, 0, bound, walk);
    out.push(`let ${v} = c.cache[${slot}];
if (${v} === undefined) {
${v} = ${none};
${label}: {
${walk.join('\n').replaceAll(FAIL, `break ${label};`)}
${v} = ${found};
}
c.cache[${slot}] = ${v};
}
if (${v} === ${none}) ${FAIL}`);
    return v;
  }

  /** Looks path[from..] up from the value in cur, in order, giving up at the first undefined. */
  private walk(cur: string, path: readonly IR[], from: number, bound: ReadonlySet<number>, out: string[]): string {
    const look = this.ref(lookup);
    const obj = this.ref(ObjectValue);
    for (let i = from; i < path.length; i++) {
      // Several constant string keys in a row (input.agent.id): one walk, no wrappers in between.
      let j = i;
      while (j < path.length && isStringConst(path[j]!)) j++;
      if (j - i >= 2) {
        const keys = this.ref(path.slice(i, j).map((p) => (p as { v: string }).v));
        cur = this.bind(`${cur} instanceof ${obj} ? ${cur}.getPath(${keys}) : ${this.ref(lookupPath)}(${cur}, ${keys})`, out);
        i = j - 1;
        continue;
      }
      const key = this.value(path[i]!, bound, out);
      // lookup() on an object is get(); called here, V8 can inline it.
      cur = this.bind(`${cur} instanceof ${obj} ? ${cur}.get(${key}) : ${look}(${cur}, ${key})`, out);
    }
    return cur;
  }

  /** A data ref along its static route; under `with` data overrides, the general walk. */
  private dataRef(t: Extract<IR, { k: 'ref' }>, bound: ReadonlySet<number>, out: string[]): string {
    const route = dataRoute(this.host.root, t.path)!;
    const fast: string[] = [];
    let v: string;
    switch (route.kind) {
      case 'rules':
        v = this.walk(this.bind(`${this.ref(evalRuleSet)}(c, ${this.ref(route.rs)})`, fast), t.path, route.from, bound, fast);
        break;
      case 'base':
        v = this.walk(this.bind(this.base(route.prefix), fast), t.path, route.from, bound, fast);
        break;
      case 'extent':
        v = this.bind(`${this.ref(extent)}(c, ${this.ref(route.node)}, ${this.base(route.prefix)}, undefined)`, fast);
        break;
    }
    const r = `v${this.vars++}`;
    const general = this.ref(this.host.closureTerm(t, bound).get!);
    out.push(`let ${r};
if (c.overrides === undefined) {
${fast.join('\n')}
${r} = ${v};
} else {
${r} = ${general}(c, f);
if (${r} === undefined) ${FAIL}
}`);
    return r;
  }

  /** The base document at a constant path: looked up at compile time for the policy's own data. */
  private base(prefix: readonly Value[]): string {
    const general = `${this.ref(basePath)}(c.data, ${this.ref(prefix)})`;
    const data = this.host.data;
    if (data === undefined) return general;
    return `(c.data === ${this.ref(data)} ? ${this.ref(basePath(data, prefix))} : ${general})`;
  }

  private call(t: Extract<IR, { k: 'call' }>, target: Extract<CallTarget, { kind: 'builtin' }>, bound: ReadonlySet<number>, out: string[]): string {
    const args = t.args.map((a) => this.value(a, bound, out));
    const a = `a${this.vars++}`;
    const r = `v${this.vars++}`;
    const impl = this.ref(target.decl.impl);
    const mocked = this.ref(this.host.mockedCall(target, t.loc));
    const fail = this.ref((c: Ctx, e: unknown) => this.host.failure(c, target.name, t.loc, e));
    out.push(`const ${a} = [${args.join(', ')}];
let ${r};
if (c.mocks !== undefined && !c.inMock) ${r} = ${mocked}(c, ${a});
else try { ${r} = ${impl}(${a}, c.shared.bctx); } catch (e) { ${r} = ${fail}(c, e); }
if (${r} === undefined) ${FAIL}`);
    return r;
  }

  private bind(expr: string, out: string[]): string {
    const v = `v${this.vars++}`;
    out.push(`const ${v} = ${expr};\nif (${v} === undefined) ${FAIL}`);
    return v;
  }

  private literal(v: Value): string {
    if (typeof v === 'string') return JSON.stringify(v);
    if (typeof v === 'boolean' || v === null) return String(v);
    if (typeof v === 'number' && Number.isSafeInteger(v) && !Object.is(v, -0)) return String(v);
    return this.ref(v);
  }

  /** Names a constant or function for the generated code. */
  private ref(x: unknown): string {
    let name = this.named.get(x);
    if (name === undefined) {
      name = `p${this.pool.length}`;
      this.pool.push(x);
      this.named.set(x, name);
    }
    return name;
  }

  private compile(body: string): (c: Ctx, f: Frame) => unknown {
    return this.compileWith('(c, f)', body) as (c: Ctx, f: Frame) => unknown;
  }

  private compileWith(params: string, body: string): unknown {
    // Constants are bound as locals of an enclosing function, so V8 treats them as constants.
    const names = this.pool.map((_, i) => `p${i}`);
    const src = `const [${names.join(', ')}] = P;\nreturn ${params} => {\n${body}\n};`;
    return new Function('P', src)(this.pool);
  }
}

let generationAllowed: boolean | undefined;

/** Node run with --disallow-code-generation-from-strings refuses new Function: closures only. */
function canGenerate(): boolean {
  if (generationAllowed === undefined) {
    try {
      generationAllowed = new Function('return true')() === true;
    } catch {
      generationAllowed = false;
    }
  }
  return generationAllowed;
}

function isStringConst(t: IR): boolean {
  return t.k === 'const' && typeof t.v === 'string';
}

/** Whether a term has a single value and binds nothing (the closure compiler then has its get). */
export function single(t: IR, bound: ReadonlySet<number>): boolean {
  switch (t.k) {
    case 'ref':
      return t.path.every((p) => !(p.k === 'local' && !bound.has(p.slot)) && !isOpenPattern(p, bound) && single(p, bound)) && (t.head.k === 'data' || single(t.head, bound));
    case 'array':
    case 'set':
      return t.items.every((x) => single(x, bound));
    case 'object':
      return t.entries.every(([k, v]) => single(k, bound) && single(v, bound));
    case 'call':
      return !hasOutputArg(t) && !(t.target.kind === 'builtin' && t.target.decl.iterate) && t.args.every((a) => single(a, bound));
    default:
      return true;
  }
}
