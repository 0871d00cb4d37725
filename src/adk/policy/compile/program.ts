// Compiles modules into a Program: builds the data tree of rule sets, then compiles every rule
// (resolution → safety ordering → closures). Also compiles queries against a program.
import { AutonomyError, type Location } from '../../../common/errors.ts';
import type { Body, Module, Rule, Term } from '../ast.ts';
import type { BuiltinTable } from '../builtins/builtin.ts';
import type { CompiledRule, CTerm, DataNode, LitFn, Program, RuleKind, RuleSet } from '../eval/program.ts';
import { fromJS, keyOf, type Value } from '../value.ts';
import { slotsOf, type IR, type Lit } from './ir.ts';
import { Planner, seq, testOf } from './plan.ts';
import { needs } from './safety.ts';
import { checkRecursion, dependencies } from './recursion.ts';
import { checkTypes } from './typecheck.ts';
import { compileError, pathKey, Resolver, type ModuleEnv, type ProgramIndex } from './resolve.ts';
import { refToPath } from '../parser.ts';

interface HeadInfo {
  readonly path: Value[];
  readonly suffix: readonly Term[];
  readonly kind: RuleKind;
}

/** Compiles parsed modules into a program. */
export function compileProgram(modules: readonly Module[], builtins: BuiltinTable, options: { generate?: boolean; data?: Value } = {}): Program {
  const root: DataNode = { children: new Map(), key: 'data', ruleSet: undefined };
  const ruleSets = new Map<string, RuleSet>();
  const index: ProgramIndex = { functions: new Map(), builtins };
  const refCache = { next: 0, slots: new Map<string, number>() };
  const program: Program = { root, builtins, ruleSets, generate: options.generate ?? true, ...(options.data === undefined ? {} : { data: options.data }), refCache };

  // Rule names per package, across modules of the same package.
  const names = new Map<string, Set<string>>();
  for (const m of modules) {
    const key = pathKey(m.package);
    if (!names.has(key)) names.set(key, new Set());
    for (const r of m.rules) names.get(key)!.add((r.head.ref[0] as { name: string }).name);
  }

  // Pass 1: place every rule in the tree.
  const placed: { env: ModuleEnv; rule: Rule; head: HeadInfo; rs: RuleSet }[] = [];
  const ruleSetCount = { n: 0 };
  const envs = modules.map((m) => moduleEnv(m, names.get(pathKey(m.package))!, index));
  modules.forEach((m, mi) => {
    for (const rule of m.rules) {
      const head = analyseHead(m, rule);
      const rs = ruleSetAt(root, ruleSets, ruleSetCount, head, rule);
      placed.push({ env: envs[mi]!, rule, head, rs });
      if (head.kind === 'function') index.functions.set(pathKey(head.path as string[]), { path: head.path as string[], arity: rule.head.args!.length });
    }
  });

  refCache.next = ruleSetCount.n;
  const metadata = metadataIndex(modules);

  // Pass 2: compile rule bodies (they may reference any rule or function).
  const deps = new Map<RuleSet, Set<RuleSet>>();
  // Type errors are reported after safety and recursion errors, in OPA's order of checks.
  const typed: [readonly Lit[], readonly IR[]][] = [];
  for (const { env, rule, head, rs } of placed) {
    const meta = metadata.forRule(env.pkg, head.path, rule);
    const onIR = (lits: readonly Lit[], terms: readonly IR[]): void => {
      const d = deps.get(rs) ?? new Set<RuleSet>();
      for (const x of dependencies(root, ruleSets, lits, terms)) d.add(x);
      deps.set(rs, d);
      typed.push([lits, terms]);
    };
    const compiled = compileRule(program, env, rule, head, rule.head.value, onIR, meta);
    if (rule.default) {
      if (rs.default) throw compileError('rego_type_error', `multiple default rules data.${rs.path.join('.')} found`, rule.loc);
      rs.default = compiled;
    } else {
      rs.rules.push(compiled);
    }
  }
  checkRecursion(deps);
  for (const [lits, terms] of typed) checkTypes(lits, terms);
  return program;
}

/**
 * What rego.metadata.chain() and rego.metadata.rule() answer inside each rule: the rule's own
 * annotations, then document-, package- and subpackages-scoped ones, nearest first.
 */
function metadataIndex(modules: readonly Module[]): { forRule(pkg: readonly string[], path: readonly Value[], rule: Rule): { chain: Value; rule: Value } } {
  const packages = new Map<string, Record<string, unknown>>();
  const subpackages = new Map<string, Record<string, unknown>>();
  const documents = new Map<string, Record<string, unknown>>();
  for (const m of modules) {
    const a = m.annotations;
    if (a) (a['scope'] === 'subpackages' ? subpackages : packages).set(pathKey(m.package), a);
    for (const r of m.rules) {
      if (r.annotations?.['scope'] === 'document') {
        const key = pathKey([...m.package, ...groundNames(r)]);
        if (!documents.has(key)) documents.set(key, r.annotations);
      }
    }
  }
  const entry = (path: readonly unknown[], annotations?: Record<string, unknown>): Value => fromJS(annotations ? { annotations, path } : { path });
  return {
    forRule(pkg, path, rule) {
      const rulePath = path.map((p) => (typeof p === 'string' ? p : String(p)));
      const own = rule.annotations && rule.annotations['scope'] !== 'document' ? rule.annotations : undefined;
      const chain: Value[] = [entry(rulePath, own)];
      const doc = documents.get(pathKey(rulePath));
      if (doc) chain.push(entry(rulePath, doc));
      const pkgA = packages.get(pathKey(pkg));
      if (pkgA) chain.push(entry(pkg, pkgA));
      for (let n = pkg.length; n > 0; n--) {
        const sub = subpackages.get(pathKey(pkg.slice(0, n)));
        if (sub) chain.push(entry(pkg.slice(0, n), sub));
      }
      return { chain, rule: fromJS(own ?? {}) };
    },
  };
}

function groundNames(r: Rule): string[] {
  const out = [(r.head.ref[0] as { name: string }).name];
  for (const t of r.head.ref.slice(1)) {
    if (t.type !== 'string') break;
    out.push(t.value);
  }
  return out;
}

/** Variables, constants and composites of them: matched against an argument on entry. */
function isEntryPattern(t: IR): boolean {
  switch (t.k) {
    case 'local':
    case 'const':
      return true;
    case 'array':
      return t.items.every(isEntryPattern);
    case 'object':
      return t.entries.every(([k, v]) => k.k === 'const' && isEntryPattern(v));
    default:
      return false;
  }
}

function moduleEnv(m: Module, ruleNames: ReadonlySet<string>, index: ProgramIndex): ModuleEnv {
  const imports = new Map<string, { root: 'data' | 'input'; path: string[] }>();
  for (const imp of m.imports) {
    const names = refToPath(imp.path);
    if (!names) throw compileError('rego_parse_error', 'invalid import path', imp.loc);
    const [root, ...path] = names as [string, ...string[]];
    if (root === 'rego' || root === 'future') continue;
    if (root !== 'data' && root !== 'input') throw compileError('rego_parse_error', `invalid import ${names.join('.')}: must begin with input or data`, imp.loc);
    const alias = imp.alias ?? names[names.length - 1]!;
    imports.set(alias, { root, path });
  }
  return { module: m, pkg: m.package, imports, ruleNames, index };
}

function analyseHead(m: Module, rule: Rule): HeadInfo {
  const h = rule.head;
  const path: Value[] = [...m.package, (h.ref[0] as { name: string }).name];
  let i = 1;
  for (; i < h.ref.length; i++) {
    const t = h.ref[i]!;
    if (t.type === 'string') path.push(t.value);
    else if (t.type === 'number' || t.type === 'boolean' || t.type === 'null') path.push(t.type === 'null' ? null : t.value);
    else break;
  }
  const suffix = h.ref.slice(i);
  let kind: RuleKind;
  if (h.args) {
    if (suffix.length > 0) throw compileError('rego_parse_error', 'function names must be ground references', h.loc);
    kind = 'function';
  } else if (h.key) kind = 'multi';
  else if (suffix.length > 0) kind = 'partial';
  else kind = 'complete';
  if (rule.default && kind !== 'complete' && kind !== 'function') throw compileError('rego_parse_error', 'default rules must have a ground name', h.loc);
  return { path, suffix, kind };
}

function ruleSetAt(root: DataNode, ruleSets: Map<string, RuleSet>, counter: { n: number }, head: HeadInfo, rule: Rule): RuleSet {
  let node = root;
  for (const key of head.path) {
    const ks = keyOf(key);
    let child = node.children.get(ks);
    if (!child) {
      // Every node and rule set starts with all its fields: one object shape each for V8.
      child = { children: new Map(), key, ruleSet: undefined };
      node.children.set(ks, child);
    }
    node = child;
  }
  const arity = rule.head.args?.length ?? 0;
  const pathStr = head.path.map(String).join('.');
  const existing = node.ruleSet;
  if (existing) {
    if (existing.kind !== head.kind) throw compileError('rego_type_error', `conflicting rules data.${pathStr} found`, rule.loc);
    if (existing.kind === 'function' && existing.arity !== arity) throw compileError('rego_type_error', `conflicting rules data.${pathStr} found`, rule.loc);
    return existing;
  }
  const rs: RuleSet = { default: undefined, index: counter.n++, path: head.path.map(String), kind: head.kind, rules: [], arity, loc: rule.loc };
  node.ruleSet = rs;
  ruleSets.set(pathKey(rs.path), rs);
  return rs;
}

/** Compiles one rule with its else chain. */
function compileRule(
  program: Program,
  env: ModuleEnv,
  rule: Rule,
  head: HeadInfo,
  valueTerm: Term | undefined,
  onIR: (lits: readonly Lit[], terms: readonly IR[]) => void,
  metadata: { chain: Value; rule: Value },
): CompiledRule {
  const r = new Resolver(env, { metadata });
  const scope = r.root;
  const h = rule.head;
  for (const a of h.args ?? []) r.declareArgument(scope, a);
  // The body first: head variables are the body's (OPA resolves the head after the body, so a
  // comprehension before `x := …` in the body has its own x even when the head names x).
  const lits = r.body(rule.body, scope);
  for (const t of head.suffix) r.declareUses(scope, t);
  if (h.key) r.declareUses(scope, h.key);
  if (valueTerm) r.declareUses(scope, valueTerm);
  for (const a of h.args ?? []) r.declareUses(scope, a);
  const argIRs = (h.args ?? []).map((a) => r.term(a, scope));
  const suffixIRs = head.suffix.map((t) => r.term(t, scope));
  const keyIR = h.key ? r.term(h.key, scope) : undefined;
  const valueIR = valueTerm ? r.term(valueTerm, scope) : undefined;
  onIR(lits, [...argIRs, ...suffixIRs, ...(keyIR ? [keyIR] : []), ...(valueIR ? [valueIR] : [])]);

  const planner = new Planner(program, r.slotNames);
  // Each argument is matched on entry when it is a plain pattern; an argument that reads
  // variables the body binds (a template, a call) is compared once the body has bound them,
  // as OPA's rewriting of function arguments into the body does.
  const argSlots = new Set<number>();
  const early: { index: number; ir: IR }[] = [];
  const lateLits: Lit[] = [];
  const argValueSlots: number[] = [];
  argIRs.forEach((a, index) => {
    if (isEntryPattern(a)) {
      early.push({ index, ir: a });
      slotsOf(a, argSlots);
    } else {
      const slot = r.nslots++;
      r.slotNames.push(`__arg${index}`);
      argValueSlots[index] = slot;
      argSlots.add(slot);
      lateLits.push({ k: 'unify', a: { k: 'local', slot, name: `__arg${index}`, loc: a.loc }, b: a, neg: false, with: [], loc: a.loc });
    }
  });
  const headTerms = [...suffixIRs, ...(keyIR ? [keyIR] : []), ...(valueIR ? [valueIR] : [])];
  const headSlots = new Set<number>();
  for (const t of headTerms) slotsOf(t, headSlots);
  const { fn: body, bound } = planner.body([...lits, ...lateLits], argSlots, headSlots, rule.loc);
  // Head terms are evaluated after the body: what they read must be bound by then (a ref's
  // iteration variables, as in `q := xs[_]`, are bound by evaluating the head itself).
  for (const t of headTerms) {
    for (const s of needs(t)) {
      if (!bound.has(s)) throw compileError('rego_unsafe_var_error', `var ${r.slotNames[s]} is unsafe`, rule.head.loc);
    }
  }
  const argMatchers = argIRs.map((a, i) => {
    if (argValueSlots[i] !== undefined) return planner.pattern({ k: 'local', slot: argValueSlots[i], name: `__arg${i}`, loc: a.loc }, new Set());
    const before = new Set<number>();
    for (const e of early) if (e.index < i) slotsOf(e.ir, before);
    return planner.pattern(a, before);
  });
  const nargs = argMatchers.length;
  const args = h.args
    ? (c: Parameters<LitFn>[0], f: Parameters<LitFn>[1], vals: readonly Value[], k: () => boolean): boolean => {
        const run = (i: number): boolean => (i === nargs ? k() : argMatchers[i]!(c, f, vals[i]!, () => run(i + 1)));
        return run(0);
      }
    : undefined;

  const term = (t: IR): CTerm => planner.term(t, bound);
  const elses = rule.else.map((alt) => compileRule(program, env, { ...alt, head: { ...rule.head, value: alt.head.value } }, head, alt.head.value, onIR, metadata));
  const bodyFn = rule.body.length === 0 ? seq([]) : body;
  const test = testOf(bodyFn);
  // Every field present (undefined when absent): one object shape for V8 wherever rules are read.
  return {
    nslots: r.nslots,
    body: bodyFn,
    test,
    args,
    suffix: suffixIRs.map(term),
    key: keyIR ? term(keyIR) : undefined,
    value: valueIR ? term(valueIR) : undefined,
    constValue: valueIR?.k === 'const' ? valueIR.v : valueIR === undefined && !keyIR ? true : undefined,
    else: elses,
    loc: rule.loc,
  };
}

/** A compiled query: run it to get each solution's variable bindings. */
export interface CompiledQuery {
  readonly fn: LitFn;
  readonly nslots: number;
  /** Named variables of the query, in order of first appearance. */
  readonly vars: readonly { readonly name: string; readonly slot: number }[];
  /** Slots capturing each expression's value (for `opa eval`'s expressions), or -1. */
  readonly captures: readonly number[];
}

/** Compiles a query body against a program (no package: names are locals, input or data). */
export function compileQuery(program: Program, body: Body, builtins: BuiltinTable, index?: ProgramIndex): CompiledQuery {
  const idx: ProgramIndex = index ?? { functions: functionIndex(program), builtins };
  const pseudo: Module = { file: 'query', package: [], packageLoc: { file: 'query', row: 1, col: 1 }, imports: [], rules: [] };
  const env: ModuleEnv = { module: pseudo, pkg: [], imports: new Map(), ruleNames: new Set(), index: idx };
  const r = new Resolver(env, { rewriteEquals: false });
  const scope = r.root;
  const lits = r.body(body, scope);
  checkTypes(lits);
  // Capture each plain expression's value, as `opa eval` reports it.
  const captures: number[] = [];
  const loc: Location = body[0]?.loc ?? { file: 'query', row: 1, col: 1 };
  const withCaptures = lits.map((l) => {
    if (l.k !== 'expr' || l.neg || (l.term.k === 'call' && isOutputCall(l.term))) {
      captures.push(-1);
      return l;
    }
    const slot = r.nslots++;
    r.slotNames.push(`__capture${slot}`);
    captures.push(slot);
    return { k: 'unify' as const, a: { k: 'local' as const, slot, name: `__capture${slot}`, loc: l.loc }, b: l.term, neg: false, with: l.with, loc: l.loc };
  });
  // A lone expression reports its value even when false; with several, false fails the query.
  const checks = lits.length > 1 || hasIteration(lits)
    ? captures.filter((s) => s >= 0).map((slot) => ({ k: 'expr' as const, term: { k: 'local' as const, slot, name: '', loc }, neg: false, with: [], loc, src: undefined }))
    : [];
  const planner = new Planner(program, r.slotNames);
  const { fn } = planner.body([...withCaptures, ...checks], new Set(), new Set(), loc);
  const vars: { name: string; slot: number }[] = [];
  for (const [name, slot] of scope.names) if (!name.startsWith('__capture')) vars.push({ name, slot });
  vars.sort((a, b) => a.slot - b.slot);
  return { fn, nslots: r.nslots, vars, captures };
}

function isOutputCall(t: Extract<IR, { k: 'call' }>): boolean {
  const target = t.target;
  if (target.kind === 'function') return t.args.length === target.arity + 1;
  return !target.decl.variadic && t.args.length === target.decl.args.length + 1;
}

function hasIteration(lits: readonly { k: string }[]): boolean {
  return lits.some((l) => l.k === 'somein');
}

function functionIndex(program: Program): ProgramIndex['functions'] {
  const out: ProgramIndex['functions'] = new Map();
  for (const [key, rs] of program.ruleSets) if (rs.kind === 'function') out.set(key, { path: rs.path, arity: rs.arity });
  return out;
}

export { AutonomyError };
