// Name resolution: AST → IR. Decides for every name whether it is a local variable (a frame
// slot), input, data, an import, a rule of the package, a user function or a builtin.
import { AutonomyError } from '../../../common/errors.ts';
import type { Body, Expr, Loc, Module, Term, VarTerm } from '../ast.ts';
import { refToPath } from '../parser.ts';
import type { BuiltinTable } from '../builtins/builtin.ts';
import { makeSet, ObjectValue, type Value } from '../value.ts';
import type { CallTarget, IR, Lit, WithIR } from './ir.ts';

/** What resolution needs to know about the whole program. */
export interface ProgramIndex {
  /** User functions by data path (joined with '\u0000'). */
  readonly functions: Map<string, { readonly path: readonly string[]; readonly arity: number }>;
  readonly builtins: BuiltinTable;
}

/** Per-module naming environment. */
export interface ModuleEnv {
  readonly module: Module;
  readonly pkg: readonly string[];
  /** import alias (or last segment) → root and path */
  readonly imports: Map<string, { readonly root: 'data' | 'input'; readonly path: readonly string[] }>;
  /** Names of rules defined in this package (first head segment), across all its modules. */
  readonly ruleNames: ReadonlySet<string>;
  readonly index: ProgramIndex;
}

export function compileError(code: string, message: string, loc: Loc): AutonomyError {
  return new AutonomyError(code, message, { location: loc });
}

/** Key of a data path in maps. */
export function pathKey(path: readonly string[]): string {
  return path.join('\u0000');
}

class Scope {
  readonly names = new Map<string, number>();
  readonly assigned = new Set<string>();
  readonly own = new Set<number>();
  readonly parent: Scope | undefined;
  constructor(parent?: Scope) {
    this.parent = parent;
  }
  lookup(name: string): number | undefined {
    return this.names.get(name) ?? this.parent?.lookup(name);
  }
}

/** Resolves the terms and bodies of one rule (or query); owns the rule's frame slots. */
export class Resolver {
  nslots = 0;
  readonly slotNames: string[] = [];
  readonly root: Scope;
  private readonly env: ModuleEnv;
  /** OPA rewrites a bare `a == b` in rules (not in queries) to `a = b`. */
  private readonly rewriteEquals: boolean;

  /** rego.metadata.chain() and rego.metadata.rule() of the rule being resolved. */
  private readonly metadata: { chain: Value; rule: Value } | undefined;

  constructor(env: ModuleEnv, opts: { rewriteEquals?: boolean; metadata?: { chain: Value; rule: Value } } = {}) {
    this.env = env;
    this.root = new Scope();
    this.rewriteEquals = opts.rewriteEquals ?? true;
    this.metadata = opts.metadata;
  }

  private newSlot(scope: Scope, name: string): number {
    const slot = this.nslots++;
    this.slotNames.push(name);
    scope.own.add(slot);
    if (name !== '_') scope.names.set(name, slot);
    return slot;
  }

  /** Declares a name as a fresh local of the scope (function arguments, `some`). */
  declare(scope: Scope, v: VarTerm): number {
    return this.newSlot(scope, v.name);
  }

  private isGlobal(name: string): boolean {
    return name === 'input' || name === 'data' || this.env.imports.has(name) || this.env.ruleNames.has(name);
  }

  /** Declares as implicit locals the names a term uses that resolve to nothing else. */
  declareUses(scope: Scope, t: Term, later: ReadonlySet<string> = EMPTY): void {
    visitVars(t, (v) => {
      if (v.name === '_' || later.has(v.name) || scope.lookup(v.name) !== undefined || this.isGlobal(v.name)) return;
      this.newSlot(scope, v.name);
    });
  }

  /** Declares every variable of a pattern (`:=` left side, `some … in` targets) as new in scope. */
  declarePattern(scope: Scope, t: Term, assign: boolean): void {
    visitVars(t, (v) => {
      if (v.name === '_') return;
      if (assign && scope.assigned.has(v.name)) throw compileError('rego_compile_error', `var ${v.name} assigned above`, v.loc);
      if (assign) scope.assigned.add(v.name);
      this.newSlot(scope, v.name);
    });
  }

  /**
   * Declares a function argument's variables: those in pattern positions (a var, or inside
   * arrays and objects) are new locals; anything else in the argument (a template, a ref) reads
   * names the usual way.
   */
  declareArgument(scope: Scope, t: Term): void {
    switch (t.type) {
      case 'var':
        if (t.name !== '_') this.newSlot(scope, t.name);
        return;
      case 'array':
        for (const x of t.items) this.declareArgument(scope, x);
        return;
      case 'object':
        for (const [, v] of t.entries) this.declareArgument(scope, v);
        return;
      default:
        return;
    }
  }

  // ---- bodies --------------------------------------------------------------------------------

  /** Resolves a body in a scope (the rule scope, or a fresh nested one). */
  body(body: Body, scope: Scope): Lit[] {
    // Variables declared with `some`, `:=` or `some … in` exist from their declaration on (as
    // in OPA); every other variable is implicitly declared for the whole body, so that nested
    // bodies see it wherever it appears.
    const declared = new Set<string>();
    for (const e of body) collectDeclared(e, declared);
    for (const e of body) this.declarePass(e, scope, declared);
    return body.map((e) => {
      if (e.kind === 'some') for (const v of e.vars) this.newSlot(scope, v.name);
      if (e.kind === 'assign') {
        if (!isPattern(e.lhs)) throw compileError('rego_compile_error', 'cannot assign to ' + describe(e.lhs), e.lhs.loc);
        const rhs = this.term(e.rhs, scope);
        const withs = e.with.map((w) => this.withMod(w.target, w.value, w.loc, scope));
        this.declarePattern(scope, e.lhs, true);
        return { k: 'unify', a: this.term(e.lhs, scope), b: rhs, neg: e.negated, with: withs, loc: e.loc };
      }
      if (e.kind === 'somein') {
        const coll = this.term(e.collection, scope);
        const withs = e.with.map((w) => this.withMod(w.target, w.value, w.loc, scope));
        if (e.key) this.declarePattern(scope, e.key, false);
        this.declarePattern(scope, e.value, false);
        return { k: 'somein', key: e.key ? this.term(e.key, scope) : undefined, value: this.term(e.value, scope), coll, neg: false, with: withs, loc: e.loc };
      }
      return this.lit(e, scope);
    });
  }

  private declarePass(e: Expr, scope: Scope, declared: ReadonlySet<string>): void {
    const uses = (t: Term): void => this.declareUses(scope, t, declared);
    switch (e.kind) {
      case 'some':
        break;
      case 'assign':
        uses(e.rhs);
        break;
      case 'unify':
        uses(e.lhs);
        uses(e.rhs);
        break;
      case 'term':
        uses(e.term);
        break;
      case 'somein':
        uses(e.collection);
        break;
      case 'every':
        uses(e.domain);
        break;
    }
    for (const w of e.with) if (!this.replacementFor(w.value)) uses(w.value);
  }

  lit(e: Expr, scope: Scope): Lit {
    const withs = e.with.map((w) => this.withMod(w.target, w.value, w.loc, scope));
    switch (e.kind) {
      case 'some':
        return { k: 'nop', neg: false, with: withs, loc: e.loc };
      case 'assign':
      case 'unify':
        return { k: 'unify', a: this.term(e.lhs, scope), b: this.term(e.rhs, scope), neg: e.negated, with: withs, loc: e.loc };
      case 'term': {
        // OPA's rewriteEquals: a bare `a == b` is the unification `a = b`.
        if (this.rewriteEquals && e.term.type === 'call' && e.term.infix === '==' && e.term.args.length === 2) {
          return { k: 'unify', a: this.term(e.term.args[0]!, scope), b: this.term(e.term.args[1]!, scope), neg: e.negated, with: withs, loc: e.loc };
        }
        return { k: 'expr', term: this.term(e.term, scope), neg: e.negated, with: withs, loc: e.loc, src: e.term };
      }
      case 'somein':
        return {
          k: 'somein',
          key: e.key ? this.term(e.key, scope) : undefined,
          value: this.term(e.value, scope),
          coll: this.term(e.collection, scope),
          neg: false,
          with: withs,
          loc: e.loc,
        };
      case 'block': {
        const inner = new Scope(scope);
        const body = this.body(e.body, inner);
        return { k: 'block', body, own: inner.own, neg: e.negated, with: withs, loc: e.loc };
      }
      case 'every': {
        const inner = new Scope(scope);
        const key = e.key ? this.declare(inner, e.key as VarTerm) : undefined;
        const value = this.declare(inner, e.value as VarTerm);
        const body = this.body(e.body, inner);
        return {
          k: 'every',
          key: key === undefined ? undefined : { k: 'local', slot: key, name: (e.key as VarTerm).name, loc: e.key!.loc },
          value: { k: 'local', slot: value, name: (e.value as VarTerm).name, loc: e.value.loc },
          domain: this.term(e.domain, scope),
          body,
          own: inner.own,
          neg: e.negated,
          with: withs,
          loc: e.loc,
        };
      }
    }
  }

  // ---- terms ---------------------------------------------------------------------------------

  term(t: Term, scope: Scope): IR {
    switch (t.type) {
      case 'null':
        return { k: 'const', v: null, loc: t.loc };
      case 'boolean':
        return { k: 'const', v: t.value, loc: t.loc };
      case 'number':
        return { k: 'const', v: t.value, loc: t.loc };
      case 'string':
        return { k: 'const', v: t.value, loc: t.loc };
      case 'var':
        return this.varRef(t, [], scope);
      case 'ref': {
        const path = t.path.map((p) => this.term(p, scope));
        if (t.head.type === 'var') return this.varRef(t.head, path, scope);
        return { k: 'ref', head: this.term(t.head, scope), path, loc: t.loc };
      }
      case 'array': {
        const items = t.items.map((x) => this.term(x, scope));
        return allConst(items) ? { k: 'const', v: items.map((x) => (x as { v: Value }).v), loc: t.loc } : { k: 'array', items, loc: t.loc };
      }
      case 'set': {
        const items = t.items.map((x) => this.term(x, scope));
        return allConst(items) ? { k: 'const', v: makeSet(items.map((x) => (x as { v: Value }).v)), loc: t.loc } : { k: 'set', items, loc: t.loc };
      }
      case 'object': {
        const entries = t.entries.map(([a, b]) => [this.term(a, scope), this.term(b, scope)] as const);
        if (entries.every(([a, b]) => a.k === 'const' && b.k === 'const')) {
          const o = new ObjectValue();
          for (const [a, b] of entries) o.set((a as { v: Value }).v, (b as { v: Value }).v);
          return { k: 'const', v: o, loc: t.loc };
        }
        return { k: 'object', entries, loc: t.loc };
      }
      case 'arraycomp':
      case 'setcomp': {
        const inner = new Scope(scope);
        this.declareUses(inner, t.term);
        const body = this.body(t.body, inner);
        return { k: 'compr', kind: t.type === 'arraycomp' ? 'array' : 'set', head: this.term(t.term, inner), body, own: inner.own, loc: t.loc };
      }
      case 'objectcomp': {
        const inner = new Scope(scope);
        this.declareUses(inner, t.key);
        this.declareUses(inner, t.value);
        const body = this.body(t.body, inner);
        return { k: 'ocompr', key: this.term(t.key, inner), value: this.term(t.value, inner), body, own: inner.own, loc: t.loc };
      }
      case 'call':
        return { k: 'call', target: this.callTarget(t.op, t.args.length, t.loc), args: t.args.map((a) => this.term(a, scope)), loc: t.loc };
      case 'template':
        return { k: 'template', parts: t.parts.map((p) => (typeof p === 'string' ? p : this.lit(p, scope))), loc: t.loc };
    }
  }

  private varRef(v: VarTerm, path: IR[], scope: Scope): IR {
    const loc = v.loc;
    const wrap = (head: IR, prefix: IR[]): IR => {
      const all = [...prefix, ...path];
      return all.length === 0 ? head : { k: 'ref', head, path: all, loc };
    };
    if (v.name === '_') return wrap({ k: 'local', slot: this.newSlot(scope, '_'), name: '_', loc }, []);
    const slot = scope.lookup(v.name);
    if (slot !== undefined) return wrap({ k: 'local', slot, name: v.name, loc }, []);
    if (v.name === 'input') return wrap({ k: 'input', loc }, []);
    if (v.name === 'data') return wrap({ k: 'data', loc }, []);
    const imp = this.env.imports.get(v.name);
    if (imp) return wrap({ k: imp.root, loc }, imp.path.map((s) => ({ k: 'const', v: s, loc })));
    if (this.env.ruleNames.has(v.name)) return wrap({ k: 'data', loc }, [...this.env.pkg, v.name].map((s) => ({ k: 'const', v: s, loc })));
    // Declared implicitly by the declare pass; reaching here means a name used only in a
    // position the pass does not visit.
    return wrap({ k: 'local', slot: this.newSlot(scope, v.name), name: v.name, loc }, []);
  }

  /** Resolves a call's operator to a user function or a builtin. */
  callTarget(op: readonly string[], nargs: number, loc: Loc): CallTarget {
    const name = op.join('.');
    const fn = this.functionPath(op);
    if (fn) {
      const info = this.env.index.functions.get(pathKey(fn))!;
      // A call passes the arguments, and may add one output variable.
      if (nargs !== info.arity && nargs !== info.arity + 1) throw compileError('rego_type_error', `data.${info.path.join('.')}: arity mismatch`, loc);
      return { kind: 'function', name, path: info.path, arity: info.arity };
    }
    const decl = this.env.index.builtins.get(name);
    if (decl?.deprecated) throw compileError('rego_type_error', `deprecated built-in function calls in expression: ${name}`, loc);
    if (decl && !decl.variadic && nargs !== decl.args.length && !(decl.result !== undefined && nargs === decl.args.length + 1)) {
      throw compileError('rego_type_error', `${name}: arity mismatch`, loc);
    }
    if (decl && this.metadata && (name === 'rego.metadata.chain' || name === 'rego.metadata.rule')) {
      const v = name === 'rego.metadata.chain' ? this.metadata.chain : this.metadata.rule;
      return { kind: 'builtin', name, decl: { ...decl, impl: () => v } };
    }
    if (decl) return { kind: 'builtin', name, decl };
    throw compileError('rego_type_error', `undefined function ${name}`, loc);
  }

  /** The data path of the user function an operator names, if it names one. */
  private functionPath(op: readonly string[]): string[] | undefined {
    const candidates: string[][] = [];
    const [first, ...rest] = op as [string, ...string[]];
    if (first === 'data') candidates.push(rest);
    const imp = this.env.imports.get(first);
    if (imp && imp.root === 'data') candidates.push([...imp.path, ...rest]);
    candidates.push([...this.env.pkg, ...op]);
    return candidates.find((p) => this.env.index.functions.has(pathKey(p)));
  }

  private withMod(target: Term, value: Term, loc: Loc, scope: Scope): WithIR {
    const path = refToPath(target);
    if (!path) throw compileError('rego_compile_error', 'with keyword target must reference existing input, data, or a function', target.loc);
    const replacement = this.replacementFor(value);
    // A replacement that names a function is called, never evaluated as a value.
    const val: IR = replacement ? { k: 'const', v: null, loc: value.loc } : this.term(value, scope);
    if (path[0] === 'input') return { target: { kind: 'input', path: path.slice(1) }, value: val, loc };
    const fn = this.functionPath(path);
    if (fn) return { target: { kind: 'fn', key: `fn:${pathKey(fn)}` }, value: val, ...(replacement ? { replacement } : {}), loc };
    if (path[0] === 'data') return { target: { kind: 'data', path: path.slice(1) }, value: val, loc };
    const imp = this.env.imports.get(path[0]!);
    if (imp) {
      const full = [...imp.path, ...path.slice(1)];
      return imp.root === 'input' ? { target: { kind: 'input', path: full }, value: val, loc } : { target: { kind: 'data', path: full }, value: val, loc };
    }
    const name = path.join('.');
    if (this.env.index.builtins.has(name)) return { target: { kind: 'fn', key: `builtin:${name}` }, value: val, ...(replacement ? { replacement } : {}), loc };
    throw compileError('rego_compile_error', `with keyword target must reference existing input, data, or a function`, target.loc);
  }

  /** A `with` value that names a function or builtin replaces the mocked function by it. */
  replacementFor(value: Term): CallTarget | undefined {
    const names = refToPath(value);
    if (!names) return undefined;
    if (names.length === 1 && (names[0] === 'input' || names[0] === 'data')) return undefined;
    const fn = this.functionPath(names);
    if (fn) {
      const info = this.env.index.functions.get(pathKey(fn))!;
      return { kind: 'function', name: names.join('.'), path: info.path, arity: info.arity };
    }
    const decl = this.env.index.builtins.get(names.join('.'));
    return decl ? { kind: 'builtin', name: decl.name, decl } : undefined;
  }
}

const EMPTY: ReadonlySet<string> = new Set();

/** Names a body declares with `some`, `:=` or `some … in` (they are not implicit locals). */
function collectDeclared(e: Expr, out: Set<string>): void {
  const add = (t: Term): void => visitVars(t, (v) => void (v.name !== '_' && out.add(v.name)));
  if (e.kind === 'some') for (const v of e.vars) out.add(v.name);
  else if (e.kind === 'assign') add(e.lhs);
  else if (e.kind === 'somein') {
    if (e.key) add(e.key);
    add(e.value);
  }
}

/** Creates a scope nested in another (exported for the rule compiler). */
export function childScope(parent: Scope): Scope {
  return new Scope(parent);
}

export type { Scope };

/** Calls f for every variable of a term outside nested bodies. */
export function visitVars(t: Term, f: (v: VarTerm) => void): void {
  switch (t.type) {
    case 'var':
      f(t);
      break;
    case 'ref':
      visitVars(t.head, f);
      for (const p of t.path) visitVars(p, f);
      break;
    case 'array':
    case 'set':
      for (const x of t.items) visitVars(x, f);
      break;
    case 'object':
      for (const [a, b] of t.entries) {
        visitVars(a, f);
        visitVars(b, f);
      }
      break;
    case 'call':
      for (const a of t.args) visitVars(a, f);
      break;
    case 'template':
      for (const p of t.parts) {
        if (typeof p === 'string') continue;
        if (p.kind === 'term') visitVars(p.term, f);
        else if (p.kind === 'assign' || p.kind === 'unify') {
          visitVars(p.lhs, f);
          visitVars(p.rhs, f);
        }
      }
      break;
  }
}

function isPattern(t: Term): boolean {
  switch (t.type) {
    case 'var':
      return true;
    case 'array':
      return t.items.every(isPatternOrConst);
    case 'object':
      return t.entries.every(([k, v]) => isConstTerm(k) && isPatternOrConst(v));
    default:
      return false;
  }
}

function isPatternOrConst(t: Term): boolean {
  return isPattern(t) || isConstTerm(t) || t.type === 'ref' || t.type === 'call';
}

function isConstTerm(t: Term): boolean {
  return t.type === 'null' || t.type === 'boolean' || t.type === 'number' || t.type === 'string';
}

function describe(t: Term): string {
  return t.type === 'ref' ? 'ref' : t.type;
}

function allConst(items: IR[]): boolean {
  return items.every((x) => x.k === 'const');
}
