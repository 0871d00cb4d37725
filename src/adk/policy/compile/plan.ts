// Code generation: IR → closures. Bodies are ordered for safety first; each literal becomes a
// function (ctx, frame, k) that calls k once per solution and unbinds what it bound on return.
import { AutonomyError, type Location } from '../../../common/errors.ts';
import { BuiltinError } from '../builtins/builtin.ts';
import { equal, formatValue, keyOf, makeSet, ObjectValue, SetValue, type Value } from '../value.ts';
import { evalError, tick, type Ctx, type Frame, type K, type Mock, type OverrideNode, type VK } from '../eval/ctx.ts';
import { basePath, dataRoute, extent, forEachEntry, lookup, walkData, walkValue, type PathElem } from '../eval/data.ts';
import type { CTerm, DataNode, GetFn, LitFn, Program } from '../eval/program.ts';
import { callFunction, evalRuleSet } from '../eval/rules.ts';
import { single, SourceGen, type Snippet, type Step, type Test } from './gen.ts';
import { slotsOf, type CallTarget, type IR, type Lit, type WithIR } from './ir.ts';
import { pathKey } from './resolve.ts';
import { hasOutputArg, isOpenPattern, orderBody, outputs } from './safety.ts';

/** Matches a value against a pattern, binding its variables while k runs. */
type Matcher = (c: Ctx, f: Frame, v: Value, k: K) => boolean;

const TRUE_K: K = () => true;

/** Compiles the bodies and terms of one rule (or query) whose frame has the given slot names. */
export class Planner {
  private readonly program: Program;
  private readonly slotNames: readonly string[];
  private readonly gen: SourceGen;

  constructor(program: Program, slotNames: readonly string[]) {
    this.program = program;
    this.slotNames = slotNames;
    this.gen = new SourceGen(program.generate, {
      root: program.root,
      data: program.data,
      refSlot: (key) => {
        const { slots } = program.refCache;
        let slot = slots.get(key);
        if (slot === undefined) slots.set(key, (slot = program.refCache.next++));
        return slot;
      },
      term: (t, bound) => this.term(t, bound),
      closureTerm: (t, bound) => this.closureTerm(t, bound),
      mockedCall: (target, loc) => {
        const invoke = this.invoker(target, loc);
        return (c, args) => {
          let out: Value | undefined;
          invoke(c, args, (v) => ((out = v), true));
          return out;
        };
      },
      failure: (c, name, loc, e) => (builtinFailure(c, name, loc, e), undefined),
    });
  }

  /** Orders and compiles a body; returns it and the slots bound after it. */
  body(lits: readonly Lit[], bound: ReadonlySet<number>, external: ReadonlySet<number>, loc: Location): { fn: LitFn; bound: Set<number> } {
    const { ordered } = orderBody(lits, bound, external, this.slotNames, loc);
    const b = new Set(bound);
    const fns: LitFn[] = [];
    const steps: (Step | undefined)[] = [];
    for (const l of ordered) {
      const fn = this.lit(l, b, external);
      fns.push(fn);
      const snippet = snippets.get(fn);
      steps.push(snippet ? { kind: 'test', snippet } : this.stepOf(l, b));
      outputs(l, b);
    }
    // A body of conditions, simple iterations and assignments is generated whole (loops and
    // stores instead of continuations).
    const whole = this.gen.enabled && steps.some((s) => s?.kind !== 'test') && steps.every((s) => s !== undefined);
    return { fn: whole ? this.gen.body(steps as Step[]) : seq(fns), bound: b };
  }

  /**
   * `some [k,] v in coll` binding fresh variables from a single-valued collection, or `x := v`
   * (`x = v`) binding a fresh variable to a single value, as a step of a generated body.
   */
  private stepOf(l: Lit, bound: ReadonlySet<number>): Step | undefined {
    if (l.k === 'unify' && !l.neg && l.with.length === 0) {
      const [x, v] = l.a.k === 'local' && !bound.has(l.a.slot) ? [l.a, l.b] : [l.b, l.a];
      if (x.k !== 'local' || bound.has(x.slot) || isOpenPattern(v, bound) || !single(v, bound)) return undefined;
      return { kind: 'bind', slot: x.slot, value: v, bound: new Set(bound) };
    }
    if (l.k !== 'somein' || l.with.length > 0 || l.value.k !== 'local' || bound.has(l.value.slot) || !single(l.coll, bound)) return undefined;
    const valueSlot = l.value.slot;
    if (l.key === undefined) return { kind: 'each', coll: l.coll, bound: new Set(bound), valueSlot };
    if (l.key.k !== 'local' || bound.has(l.key.slot) || l.key.slot === valueSlot) return undefined;
    return { kind: 'each', coll: l.coll, bound: new Set(bound), keySlot: l.key.slot, valueSlot };
  }

  lit(l: Lit, bound: ReadonlySet<number>, external: ReadonlySet<number>): LitFn {
    let fn = this.litCore(l, bound, external);
    if (l.neg) {
      const lit = fn;
      const snippet = snippets.get(lit);
      const inner = testOf(lit);
      if (snippet) fn = fromSnippet(this.gen.not(snippet));
      else fn = inner ? fromTest((c, f) => !inner(c, f)) : fromTest((c, f) => !lit(c, f, TRUE_K));
    }
    if (l.with.length > 0) fn = this.withWrap(l.with, fn, bound);
    return fn;
  }

  private litCore(l: Lit, bound: ReadonlySet<number>, external: ReadonlySet<number>): LitFn {
    switch (l.k) {
      case 'nop':
        return fromTest(() => true);
      case 'expr':
        return this.exprLit(l.term, bound);
      case 'unify':
        return this.unify(l.a, l.b, bound);
      case 'somein':
        return this.someIn(l, bound);
      case 'every':
        return this.every(l, bound, external);
      case 'block':
        return this.body(l.body, bound, new Set([...external, ...bound]), l.loc).fn;
    }
  }

  private exprLit(t: IR, bound: ReadonlySet<number>): LitFn {
    if (t.k === 'call') {
      if (t.target.kind === 'builtin' && t.target.name === 'print') return this.print(t, bound);
      if (hasOutputArg(t)) {
        const call = this.callValues(t, t.args.slice(0, -1), bound);
        const out = this.pattern(t.args[t.args.length - 1]!, bound);
        return (c, f, k) => call(c, f, (v) => out(c, f, v, k));
      }
    }
    if (this.gen.covers(t, bound)) return fromSnippet(this.gen.truthy(t, bound));
    const term = this.term(t, bound);
    const get = term.get;
    if (get) {
      return fromTest((c, f) => {
        const v = get(c, f);
        return v !== undefined && v !== false;
      });
    }
    return (c, f, k) => term.each(c, f, (v) => (v !== false ? k() : false));
  }

  // ---- unification ---------------------------------------------------------------------------

  unify(a: IR, b: IR, bound: ReadonlySet<number>): LitFn {
    const openA = isOpenPattern(a, bound);
    const openB = isOpenPattern(b, bound);
    if (!openA && !openB) {
      const eq = single(a, bound) && single(b, bound) ? this.gen.equal(a, b, bound) : undefined;
      if (eq) return fromSnippet(eq);
      const ta = this.term(a, bound);
      const tb = this.term(b, bound);
      if (ta.get && tb.get) {
        const ga = ta.get;
        const gb = tb.get;
        return fromTest((c, f) => {
          const va = ga(c, f);
          if (va === undefined) return false;
          const vb = gb(c, f);
          return vb !== undefined && equal(va, vb);
        });
      }
      return (c, f, k) => ta.each(c, f, (va) => tb.each(c, f, (vb) => (equal(va, vb) ? k() : false)));
    }
    if (openA && openB) {
      if (a.k === 'array' && b.k === 'array') {
        if (a.items.length !== b.items.length) return () => false;
        return this.pairs(a.items.map((x, i) => [x, b.items[i]!] as const), bound);
      }
      if (a.k === 'object' && b.k === 'object') {
        if (a.entries.length !== b.entries.length) return () => false;
        const bm = new Map(b.entries.map(([k, v]) => [constKey(k), v] as const));
        const pairs: (readonly [IR, IR])[] = [];
        for (const [k, v] of a.entries) {
          const other = bm.get(constKey(k));
          if (other === undefined) return () => false;
          pairs.push([v, other]);
        }
        return this.pairs(pairs, bound);
      }
      throw evalError('rego_unsafe_var_error', 'unification of two unbound patterns', a.loc);
    }
    const [pat, val] = openA ? [a, b] : [b, a];
    const tv = this.term(val, bound);
    const m = this.pattern(pat, bound);
    if (tv.get) {
      const g = tv.get;
      return (c, f, k) => {
        const v = g(c, f);
        return v === undefined ? false : m(c, f, v, k);
      };
    }
    return (c, f, k) => tv.each(c, f, (v) => m(c, f, v, k));
  }

  /** Unifies pairs in an order where each is ready once the previous ones have bound their vars. */
  private pairs(pairs: readonly (readonly [IR, IR])[], bound: ReadonlySet<number>): LitFn {
    const b = new Set(bound);
    const lits = pairs.map(([x, y]) => {
      const fn = this.unify(x, y, b);
      slotsOf(x, b);
      slotsOf(y, b);
      return fn;
    });
    return seq(lits);
  }

  /** A matcher for a pattern (variables and composites of them; anything else compares). */
  pattern(t: IR, bound: ReadonlySet<number>): Matcher {
    switch (t.k) {
      case 'local': {
        const slot = t.slot;
        return (_c, f, v, k) => {
          const cur = f[slot];
          if (cur !== undefined) return equal(cur, v) ? k() : false;
          f[slot] = v;
          const r = k();
          f[slot] = undefined;
          return r;
        };
      }
      case 'array': {
        const b = new Set(bound);
        const ms = t.items.map((x) => {
          const m = this.pattern(x, b);
          slotsOf(x, b);
          return m;
        });
        const n = ms.length;
        return (c, f, v, k) => {
          if (!Array.isArray(v) || v.length !== n) return false;
          const arr = v as readonly Value[];
          const run = (i: number): boolean => (i === n ? k() : ms[i]!(c, f, arr[i]!, () => run(i + 1)));
          return run(0);
        };
      }
      case 'object': {
        const b = new Set(bound);
        const entries = t.entries.map(([kt, vt]) => {
          const key = this.term(kt, b);
          const m = this.pattern(vt, b);
          slotsOf(vt, b);
          return [key, m] as const;
        });
        const n = entries.length;
        return (c, f, v, k) => {
          if (!(v instanceof ObjectValue) || v.size !== n) return false;
          const run = (i: number): boolean => {
            if (i === n) return k();
            const [key, m] = entries[i]!;
            return key.each(c, f, (kv) => {
              const x = v.get(kv);
              return x === undefined ? false : m(c, f, x, () => run(i + 1));
            });
          };
          return run(0);
        };
      }
      default: {
        const tt = this.term(t, bound);
        return (c, f, v, k) => tt.each(c, f, (x) => (equal(x, v) ? k() : false));
      }
    }
  }

  // ---- some … in, every ----------------------------------------------------------------------

  private someIn(l: Extract<Lit, { k: 'somein' }>, bound: ReadonlySet<number>): LitFn {
    const coll = this.term(l.coll, bound);
    const b = new Set(bound);
    const km = l.key ? this.pattern(l.key, b) : undefined;
    if (l.key) slotsOf(l.key, b);
    const vm = this.pattern(l.value, b);
    return (c, f, k) =>
      coll.each(c, f, (cv) =>
        forEachEntry(cv, (key, val) => {
          // Every element costs a step: iteration inside one literal must not escape the budget.
          tick(c.shared);
          return km ? km(c, f, key, () => vm(c, f, val, k)) : vm(c, f, val, k);
        }),
      );
  }

  private every(l: Extract<Lit, { k: 'every' }>, bound: ReadonlySet<number>, external: ReadonlySet<number>): LitFn {
    const dom = this.term(l.domain, bound);
    const inner = new Set(bound);
    const keySlot = l.key?.k === 'local' ? l.key.slot : undefined;
    const valueSlot = (l.value as { slot: number }).slot;
    if (keySlot !== undefined) inner.add(keySlot);
    inner.add(valueSlot);
    const ext = new Set([...external, ...bound]);
    const body = this.body(l.body, inner, ext, l.loc).fn;
    return (c, f, k) =>
      dom.each(c, f, (dv) => {
        const failed = forEachEntry(dv, (key, val) => {
          tick(c.shared);
          if (keySlot !== undefined) f[keySlot] = key;
          f[valueSlot] = val;
          const found = body(c, f, TRUE_K);
          if (keySlot !== undefined) f[keySlot] = undefined;
          f[valueSlot] = undefined;
          return !found;
        });
        return failed ? false : k();
      });
  }

  // ---- with ----------------------------------------------------------------------------------

  private withWrap(withs: readonly WithIR[], inner: LitFn, bound: ReadonlySet<number>): LitFn {
    const mods = withs.map((w) => ({ w, value: this.term(w.value, bound) }));
    return (c, f, k) => {
      const c2 = this.derive(c, f, mods);
      return c2 === undefined ? false : inner(c2, f, k);
    };
  }

  /** The scope a `with` list creates; undefined when a replacement value is undefined. */
  private derive(c: Ctx, f: Frame, mods: readonly { w: WithIR; value: CTerm }[]): Ctx | undefined {
    let input = c.input;
    let overrides = c.overrides;
    let mocks = c.mocks;
    for (const { w, value } of mods) {
      const target = w.target;
      if (target.kind === 'fn') {
        let mock: Mock;
        if (w.replacement) mock = { call: w.replacement };
        else {
          const v = first(value, c, f);
          if (v === undefined) return undefined;
          mock = { value: v };
        }
        mocks = new Map(mocks);
        mocks.set(target.key, mock);
        continue;
      }
      const v = first(value, c, f);
      if (v === undefined) return undefined;
      if (target.kind === 'input') input = target.path.length === 0 ? v : setPath(input, target.path, v);
      else overrides = addOverride(overrides, target.path, v);
    }
    return { shared: c.shared, input, data: c.data, cache: new Array(this.program.refCache.next), overrides, mocks, inMock: false };
  }

  // ---- terms ---------------------------------------------------------------------------------

  term(t: IR, bound: ReadonlySet<number>): CTerm {
    return this.gen.covers(t, bound) ? fromGet(this.gen.getter(t, bound)) : this.closureTerm(t, bound);
  }

  private closureTerm(t: IR, bound: ReadonlySet<number>): CTerm {
    switch (t.k) {
      case 'const': {
        const v = t.v;
        return fromGet(() => v);
      }
      case 'local': {
        const slot = t.slot;
        return fromGet((_c, f) => f[slot]);
      }
      case 'input':
        return fromGet((c) => c.input);
      case 'data': {
        const root = this.program.root;
        return fromGet((c) => extent(c, root, c.data, c.overrides));
      }
      case 'ref':
        return this.ref(t, bound);
      case 'array':
        return this.collection(t.items, bound, (vals) => vals);
      case 'set':
        return this.collection(t.items, bound, (vals) => makeSet(vals));
      case 'object': {
        const keys = t.entries.map(([k]) => k);
        const vals = t.entries.map(([, v]) => v);
        const n = keys.length;
        return this.collection([...keys, ...vals], bound, (all) => {
          const o = new ObjectValue();
          for (let i = 0; i < n; i++) o.set(all[i]!, all[n + i]!);
          return o;
        });
      }
      case 'compr':
        return this.comprehension(t, bound);
      case 'ocompr':
        return this.objectComprehension(t, bound);
      case 'call':
        return this.callTerm(t, bound);
      case 'template':
        return this.template(t, bound);
    }
  }

  private ref(t: Extract<IR, { k: 'ref' }>, bound: ReadonlySet<number>): CTerm {
    const elems: PathElem[] = t.path.map((p) => {
      if (p.k === 'local' && !bound.has(p.slot)) return { slot: p.slot };
      if (isOpenPattern(p, bound)) return { match: this.pattern(p, bound) };
      const pt = this.term(p, bound);
      return pt.get ? { get: pt.get } : { each: pt.each };
    });
    const single = elems.every((e) => 'get' in e);
    if (t.head.k === 'data') {
      const root = this.program.root;
      const slow = (c: Ctx, f: Frame, vk: VK): boolean => walkData(c, f, root, elems, vk);
      const fast = staticDataRef(root, t.path, elems);
      const each = fast ? (c: Ctx, f: Frame, vk: VK): boolean => (c.overrides === undefined ? fast(c, f, vk) : slow(c, f, vk)) : slow;
      if (!single) return { each };
      return fromGet((c, f) => {
        let out: Value | undefined;
        each(c, f, (v) => {
          out = v;
          return true;
        });
        return out;
      });
    }
    const head = this.term(t.head, bound);
    if (single && head.get) {
      const hg = head.get;
      const gets = elems.map((e) => (e as { get: GetFn }).get);
      return fromGet((c, f) => {
        let v = hg(c, f);
        for (let i = 0; i < gets.length && v !== undefined; i++) {
          const key = gets[i]!(c, f);
          if (key === undefined) return undefined;
          v = lookup(v, key);
        }
        return v;
      });
    }
    return { each: (c, f, vk) => head.each(c, f, (hv) => walkValue(c, f, hv, elems, 0, vk)) };
  }

  /** Arrays, sets and objects built from sub-terms (cross product when a sub-term iterates). */
  private collection(items: readonly IR[], bound: ReadonlySet<number>, build: (vals: Value[]) => Value): CTerm {
    const ts = items.map((x) => this.term(x, bound));
    const n = ts.length;
    if (ts.every((x) => x.get)) {
      const gets = ts.map((x) => x.get!);
      return fromGet((c, f) => {
        const vals = getAll(gets, c, f);
        return vals === undefined ? undefined : build(vals);
      });
    }
    return {
      each: (c, f, vk) => {
        const vals = new Array<Value>(n);
        const run = (i: number): boolean => (i === n ? vk(build([...vals])) : ts[i]!.each(c, f, (v) => ((vals[i] = v), run(i + 1))));
        return run(0);
      },
    };
  }

  private comprehension(t: Extract<IR, { k: 'compr' }>, bound: ReadonlySet<number>): CTerm {
    const { fn: body, bound: after } = this.body(t.body, bound, new Set([...bound, ...slotsOf(t.head)]), t.loc);
    const head = this.term(t.head, after);
    if (t.kind === 'array') {
      return fromGet((c, f) => {
        const out: Value[] = [];
        body(c, f, () => head.each(c, f, (v) => (out.push(v), false)));
        return out;
      });
    }
    return fromGet((c, f) => {
      const out = new SetValue();
      body(c, f, () => head.each(c, f, (v) => (out.add(v), false)));
      return out;
    });
  }

  private objectComprehension(t: Extract<IR, { k: 'ocompr' }>, bound: ReadonlySet<number>): CTerm {
    const ext = new Set([...bound, ...slotsOf(t.key), ...slotsOf(t.value)]);
    const { fn: body, bound: after } = this.body(t.body, bound, ext, t.loc);
    const key = this.term(t.key, after);
    const value = this.term(t.value, after);
    const loc = t.loc;
    return fromGet((c, f) => {
      const out = new ObjectValue();
      body(c, f, () =>
        key.each(c, f, (kv) =>
          value.each(c, f, (vv) => {
            const existing = out.get(kv);
            if (existing !== undefined && !equal(existing, vv)) throw evalError('eval_conflict_error', 'object keys must be unique', loc);
            out.set(kv, vv);
            return false;
          }),
        ),
      );
      return out;
    });
  }

  private template(t: Extract<IR, { k: 'template' }>, bound: ReadonlySet<number>): CTerm {
    const parts = t.parts.map((p) => {
      if (typeof p === 'string') return p;
      // A template expression is a literal: a term's value, or true when a condition holds.
      const term = p.k === 'expr' && !p.neg ? this.term(p.term, bound) : undefined;
      const lit = term ? undefined : this.lit({ ...p, with: [] } as Lit, bound, bound);
      const mods = p.with.map((w) => ({ w, value: this.term(w.value, bound) }));
      return { term, lit, mods };
    });
    return fromGet((c, f) => {
      let s = '';
      for (const p of parts) {
        if (typeof p === 'string') {
          s += p;
          continue;
        }
        const scope = p.mods.length > 0 ? this.derive(c, f, p.mods) : c;
        let v: Value | undefined;
        if (scope !== undefined) v = p.term ? first(p.term, scope, f) : p.lit!(scope, f, TRUE_K) ? true : undefined;
        s += v === undefined ? '<undefined>' : typeof v === 'string' ? v : formatValue(v);
      }
      return s;
    });
  }

  // ---- calls ---------------------------------------------------------------------------------

  private callTerm(t: Extract<IR, { k: 'call' }>, bound: ReadonlySet<number>): CTerm {
    if (hasOutputArg(t)) {
      // f(x, y) used as a value: true when the output unifies.
      const lit = this.exprLit(t, bound);
      return { each: (c, f, vk) => lit(c, f, () => vk(true)) };
    }
    const invoke = this.invoker(t.target, t.loc);
    const args = t.args.map((a) => this.term(a, bound));
    if (args.every((a) => a.get) && !(t.target.kind === 'builtin' && t.target.decl.iterate)) {
      const gets = args.map((a) => a.get!);
      return fromGet((c, f) => {
        const vals = getAll(gets, c, f);
        if (vals === undefined) return undefined;
        let out: Value | undefined;
        invoke(c, vals, (v) => ((out = v), true));
        return out;
      });
    }
    return { each: this.callValues(t, t.args, bound) };
  }

  /** Evaluates a call's (input) arguments, invokes it, and passes each result on. */
  private callValues(t: Extract<IR, { k: 'call' }>, argIRs: readonly IR[], bound: ReadonlySet<number>): (c: Ctx, f: Frame, vk: VK) => boolean {
    const invoke = this.invoker(t.target, t.loc);
    const args = argIRs.map((a) => this.term(a, bound));
    const n = args.length;
    return (c, f, vk) => {
      const vals = new Array<Value>(n);
      const run = (i: number): boolean => {
        if (i === n) return invoke(c, vals.slice(), vk);
        const a = args[i]!;
        if (a.get) {
          const v = a.get(c, f);
          if (v === undefined) return false;
          vals[i] = v;
          return run(i + 1);
        }
        return a.each(c, f, (v) => ((vals[i] = v), run(i + 1)));
      };
      return run(0);
    };
  }

  /** A function that invokes a call target with argument values (mocks and errors handled). */
  private invoker(target: CallTarget, loc: Location): (c: Ctx, args: Value[], vk: VK) => boolean {
    const key = target.kind === 'builtin' ? `builtin:${target.name}` : `fn:${pathKey(target.path)}`;
    const direct = this.directInvoker(target, loc);
    return (c, args, vk) => {
      if (c.mocks !== undefined && !c.inMock) {
        const m = c.mocks.get(key);
        if (m !== undefined) {
          if ('value' in m) return vk(m.value);
          const mc: Ctx = { ...c, inMock: true };
          return this.directInvoker(m.call, loc)(mc, args, vk);
        }
      }
      return direct(c, args, vk);
    };
  }

  private directInvoker(target: CallTarget, loc: Location): (c: Ctx, args: Value[], vk: VK) => boolean {
    if (target.kind === 'function') {
      const rs = this.program.ruleSets.get(pathKey(target.path));
      if (!rs) throw evalError('rego_type_error', `undefined function ${target.name}`, loc);
      return (c, args, vk) => {
        const v = callFunction(c, rs, args);
        return v === undefined ? false : vk(v);
      };
    }
    const decl = target.decl;
    const name = target.name;
    if (decl.iterate) {
      const iterate = decl.iterate;
      return (c, args, vk) => {
        let results: Iterable<Value>;
        try {
          results = iterate(args, c.shared.bctx);
        } catch (e) {
          return builtinFailure(c, name, loc, e);
        }
        for (const v of results) {
          tick(c.shared);
          if (vk(v)) return true;
        }
        return false;
      };
    }
    const impl = decl.impl;
    return (c, args, vk) => {
      let v: Value | undefined;
      try {
        v = impl(args, c.shared.bctx);
      } catch (e) {
        return builtinFailure(c, name, loc, e);
      }
      return v === undefined ? false : vk(v);
    };
  }

  /** print(…): every argument may be undefined or multi-valued; print never fails. */
  private print(t: Extract<IR, { k: 'call' }>, bound: ReadonlySet<number>): LitFn {
    const args = t.args.map((a) => this.term(a, bound));
    return (c, f, k) => {
      const columns = args.map((a) => {
        const vals: string[] = [];
        a.each(c, f, (v) => (vals.push(typeof v === 'string' ? v : formatValue(v)), false));
        return vals.length === 0 ? ['<undefined>'] : vals;
      });
      const lines: string[][] = columns.reduce<string[][]>((acc, col) => acc.flatMap((row) => col.map((x) => [...row, x])), [[]]);
      for (const line of lines) c.shared.bctx.print(line.join(' '));
      return k();
    };
  }
}

// ---- helpers ----

/** A data ref's walk along its compile-time route (undefined when the general walk is needed). */
function staticDataRef(root: DataNode, path: readonly IR[], elems: readonly PathElem[]): ((c: Ctx, f: Frame, vk: VK) => boolean) | undefined {
  const route = dataRoute(root, path);
  switch (route?.kind) {
    case undefined:
      return undefined;
    case 'rules': {
      const { rs, from } = route;
      return (c, f, vk) => {
        const v = evalRuleSet(c, rs);
        return v === undefined ? false : walkValue(c, f, v, elems, from, vk);
      };
    }
    case 'base': {
      const { prefix, from } = route;
      return (c, f, vk) => {
        const base = basePath(c.data, prefix);
        return base === undefined ? false : walkValue(c, f, base, elems, from, vk);
      };
    }
    case 'extent': {
      const { node, prefix } = route;
      return (c, _f, vk) => {
        const v = extent(c, node, basePath(c.data, prefix), undefined);
        return v === undefined ? false : vk(v);
      };
    }
  }
}

/** The condition behind literal functions made by fromTest (compile-time only). */
const tests = new WeakMap<LitFn, Test>();
/** The generated code of conditions made by fromSnippet (compile-time only). */
const snippets = new WeakMap<LitFn, Snippet>();

function fromTest(test: Test): LitFn {
  const fn: LitFn = (c, f, k) => (test(c, f) ? k() : false);
  tests.set(fn, test);
  return fn;
}

/** A condition from generated code; compiled on first use, as runs of conditions merge snippets. */
function fromSnippet(s: Snippet): LitFn {
  let test: Test | undefined;
  const fn = fromTest((c, f) => (test ??= s.gen.test([s], false))(c, f));
  snippets.set(fn, s);
  return fn;
}

/** The literal's condition when it is one (it then needs no continuation). */
export function testOf(fn: LitFn): Test | undefined {
  return tests.get(fn);
}

/**
 * Chains literal functions: each solution of one runs the next. Conditions run in a loop
 * without continuations; every literal still costs its step, in the same order.
 */
export function seq(fns: readonly LitFn[]): LitFn {
  if (fns.length === 0) return fromTest((c) => (tick(c.shared), true));
  let fn: LitFn | undefined;
  let i = fns.length;
  while (i > 0) {
    const run: LitFn[] = [];
    while (i > 0 && testOf(fns[i - 1]!)) run.unshift(fns[--i]!);
    if (run.length > 0) {
      const test = testRun(run);
      const next = fn;
      fn = next === undefined ? fromTest(test) : (c, f, k) => (test(c, f) ? next(c, f, k) : false);
    }
    if (i === 0) break;
    const a = fns[--i]!;
    const b = fn;
    fn = b === undefined ? (c, f, k) => (tick(c.shared), a(c, f, k)) : (c, f, k) => (tick(c.shared), a(c, f, () => b(c, f, k)));
  }
  return fn!;
}

/** Conditions in order, each charged a step; generated ones become one function. */
function testRun(run: readonly LitFn[]): Test {
  const gen = snippets.get(run[0]!)?.gen;
  if (gen && run.every((l) => snippets.get(l)?.gen === gen)) return gen.test(run.map((l) => snippets.get(l)!), true);
  const conds = run.map((l) => testOf(l)!);
  if (conds.length === 1) {
    const t = conds[0]!;
    return (c, f) => (tick(c.shared), t(c, f));
  }
  if (conds.length === 2) {
    const [t0, t1] = conds as [Test, Test];
    return (c, f) => (tick(c.shared), t0(c, f)) && (tick(c.shared), t1(c, f));
  }
  return (c, f) => {
    for (const t of conds) {
      tick(c.shared);
      if (!t(c, f)) return false;
    }
    return true;
  };
}

/** Every single-valued sub-term's value, or undefined as soon as one is undefined. */
function getAll(gets: readonly GetFn[], c: Ctx, f: Frame): Value[] | undefined {
  const vals = new Array<Value>(gets.length);
  for (let i = 0; i < gets.length; i++) {
    const v = gets[i]!(c, f);
    if (v === undefined) return undefined;
    vals[i] = v;
  }
  return vals;
}

function fromGet(get: GetFn): CTerm {
  return {
    get,
    each: (c, f, vk) => {
      const v = get(c, f);
      return v === undefined ? false : vk(v);
    },
  };
}

function first(t: CTerm, c: Ctx, f: Frame): Value | undefined {
  if (t.get) return t.get(c, f);
  let out: Value | undefined;
  t.each(c, f, (v) => ((out = v), true));
  return out;
}

/** The identity of an object pattern's key; non-constant keys never pair statically. */
function constKey(t: IR): string {
  return t.k === 'const' ? keyOf(t.v) : `\u0000${t.loc.row}:${t.loc.col}`;
}

/** A builtin failed: strict mode raises the error, otherwise the call is undefined. */
function builtinFailure(c: Ctx, name: string, loc: Location, e: unknown): boolean {
  let err: AutonomyError;
  if (e instanceof BuiltinError) err = new AutonomyError(e.code, `${name}: ${e.message}`, { location: loc, cause: e });
  else if (e instanceof AutonomyError) throw e;
  else if (e instanceof RangeError && /call stack/.test(e.message)) throw e;
  else err = new AutonomyError('eval_builtin_error', `${name}: ${e instanceof Error ? e.message : String(e)}`, { location: loc, cause: e });
  if (c.shared.strict) throw err;
  c.shared.builtinErrors.push(err);
  return false;
}

function setPath(base: Value | undefined, path: readonly string[], v: Value): Value {
  if (path.length === 0) return v;
  const [head, ...rest] = path as [string, ...string[]];
  const out = new ObjectValue();
  if (base instanceof ObjectValue) {
    for (const [ks, x] of base.vals) out.vals.set(ks, x);
    if (base.keys) out.keys = new Map(base.keys);
  }
  out.set(head, setPath(lookup(base, head), rest, v));
  return out;
}

function addOverride(node: OverrideNode | undefined, path: readonly string[], v: Value): OverrideNode {
  if (path.length === 0) return { value: v };
  const [head, ...rest] = path as [string, ...string[]];
  const children = new Map(node?.children);
  if (node?.value !== undefined) {
    // Overriding inside an overridden document: patch the value instead.
    return { value: setPath(node.value, path, v) };
  }
  children.set(head, addOverride(children.get(head), rest, v));
  return { children };
}
