// Compile-time type checking of builtin calls: the part of OPA's type checker that needs no
// inference across expressions. A constant, a collection written out, a template string or
// another builtin's declared result has a known type; a builtin argument whose known type the
// builtin's signature cannot accept (`"a" + 1`, `count(1)`, `concat(",", [1, 2])`) is a
// rego_type_error before evaluation, as in OPA. A variable assigned such a term (`x := "a"`) or
// bound as a builtin's output takes its type. Anything of unknown type (refs, user functions) is
// left to the run-time checks.
import { ExactDecimal } from '../decimal.ts';
import { formatType, type Type } from '../types.ts';
import { ObjectValue, SetValue, typeName, type Value } from '../value.ts';
import type { IR, Lit } from './ir.ts';
import { compileError } from './resolve.ts';

/** Static types of local slots, learned from assignments and builtin outputs. */
type Env = Map<number, Type>;

/** Checks every builtin call in a rule's (or query's) body and head terms. */
export function checkTypes(lits: readonly Lit[], terms: readonly IR[] = [], outer: Env = new Map()): void {
  const env = learn(lits, new Map(outer));
  for (const l of lits) checkLit(l, env);
  for (const t of terms) checkTerm(t, env);
}

/** Adds the types of variables a body assigns terms of known type, or binds as builtin outputs. */
function learn(lits: readonly Lit[], env: Env): Env {
  const bind = (t: IR, type: Type): void => {
    if (t.k === 'local' && t.name !== '_' && type.kind !== 'any' && !env.has(t.slot)) env.set(t.slot, type);
  };
  for (const l of lits) {
    if (l.neg) continue;
    if (l.k === 'unify') {
      bind(l.a, staticType(l.b, env));
      bind(l.b, staticType(l.a, env));
    } else if (l.k === 'expr' && l.term.k === 'call' && l.term.target.kind === 'builtin') {
      const decl = l.term.target.decl;
      if (decl.result && !decl.variadic && l.term.args.length === decl.args.length + 1) bind(l.term.args[decl.args.length]!, decl.result);
    }
  }
  return env;
}

function checkLit(l: Lit, env: Env): void {
  switch (l.k) {
    case 'expr':
      checkTerm(l.term, env);
      break;
    case 'unify':
      checkTerm(l.a, env);
      checkTerm(l.b, env);
      break;
    case 'somein':
      if (l.key) checkTerm(l.key, env);
      checkTerm(l.value, env);
      checkTerm(l.coll, env);
      break;
    case 'every':
      checkTerm(l.domain, env);
      checkTypes(l.body, [], env);
      break;
    case 'block':
      checkTypes(l.body, [], env);
      break;
    case 'nop':
      break;
  }
  for (const w of l.with) checkTerm(w.value, env);
}

function checkTerm(t: IR, env: Env): void {
  switch (t.k) {
    case 'ref':
      checkTerm(t.head, env);
      for (const p of t.path) checkTerm(p, env);
      checkRef(t, env);
      break;
    case 'array':
    case 'set':
      for (const i of t.items) checkTerm(i, env);
      break;
    case 'object':
      for (const [k, v] of t.entries) {
        checkTerm(k, env);
        checkTerm(v, env);
      }
      break;
    case 'compr':
      checkTerm(t.head, env);
      checkTypes(t.body, [], env);
      break;
    case 'ocompr':
      checkTerm(t.key, env);
      checkTerm(t.value, env);
      checkTypes(t.body, [], env);
      break;
    case 'template':
      for (const p of t.parts) if (typeof p !== 'string') checkLit(p, env);
      break;
    case 'call': {
      for (const a of t.args) checkTerm(a, env);
      if (t.target.kind !== 'builtin' || t.target.decl.variadic) break;
      const decl = t.target.decl;
      const bad = decl.args.some((want, i) => i < t.args.length && fits(t.args[i]!, want, env) === false);
      if (bad) {
        const have = decl.args.map((_, i) => (i < t.args.length ? formatType(staticType(t.args[i]!, env)) : '???'));
        const want = decl.args.map(formatType);
        if (decl.result) {
          have.push('???');
          want.push(formatType(decl.result));
        }
        throw compileError('rego_type_error', `${decl.name}: invalid argument(s)\n\thave: (${have.join(', ')})\n\twant: (${want.join(', ')})`, t.loc);
      }
      break;
    }
    default:
      break;
  }
}

/**
 * A reference into a value of known type must select something that type can have: nothing is
 * inside a scalar, and an array has only number indexes (OPA: "undefined ref").
 */
function checkRef(t: Extract<IR, { k: 'ref' }>, env: Env): void {
  let type = staticType(t.head, env);
  for (const p of t.path) {
    const scalar = type.kind === 'null' || type.kind === 'boolean' || type.kind === 'number' || type.kind === 'string';
    const badIndex = type.kind === 'array' && p.k === 'const' && typeName(p.v) !== 'number';
    if (scalar || badIndex) throw compileError('rego_type_error', `undefined ref: ${formatType(type)} cannot be indexed by ${p.k === 'const' ? typeName(p.v) : 'a variable'}`, t.loc);
    if (type.kind === 'array' || type.kind === 'set') type = type.of;
    else if (type.kind === 'object') type = type.value;
    else return;
  }
}

/** Whether a term's value certainly fits a type (true), certainly cannot (false), or may (undefined). */
function fits(t: IR, want: Type, env: Env): boolean | undefined {
  if (want.kind === 'any') return true;
  if (want.kind === 'or') return some(want.of.map((w) => fits(t, w, env)));
  switch (t.k) {
    case 'const':
      return valueFits(t.v, want);
    case 'template':
      return want.kind === 'string';
    case 'array':
    case 'set':
      if (want.kind !== t.k) return false;
      return every(t.items.map((i) => fits(i, want.of, env)));
    case 'object':
      if (want.kind !== 'object') return false;
      return every(t.entries.flatMap(([k, v]) => [fits(k, want.key, env), fits(v, want.value, env)]));
    case 'compr':
      return want.kind === t.kind ? undefined : false;
    case 'ocompr':
      return want.kind === 'object' ? undefined : false;
    case 'call':
      return t.target.kind === 'builtin' && t.target.decl.result ? typeFits(t.target.decl.result, want) : undefined;
    case 'local': {
      const known = env.get(t.slot);
      return known ? typeFits(known, want) : undefined;
    }
    default:
      return undefined;
  }
}

/** Whether every value of type `have` fits `want` (true), none does (false), or some may (undefined). */
function typeFits(have: Type, want: Type): boolean | undefined {
  if (want.kind === 'any') return true;
  if (have.kind === 'any') return undefined;
  if (have.kind === 'or') {
    const each = have.of.map((h) => typeFits(h, want));
    return each.every((x) => x === true) ? true : each.every((x) => x === false) ? false : undefined;
  }
  if (want.kind === 'or') return some(want.of.map((w) => typeFits(have, w)));
  if (have.kind !== want.kind) return false;
  // Collections of a mismatched element type may still be empty: then they fit.
  let inner: boolean | undefined = true;
  if (have.kind === 'array' && want.kind === 'array') inner = typeFits(have.of, want.of);
  else if (have.kind === 'set' && want.kind === 'set') inner = typeFits(have.of, want.of);
  else if (have.kind === 'object' && want.kind === 'object') inner = every([typeFits(have.key, want.key), typeFits(have.value, want.value)]);
  return inner === false ? undefined : inner;
}

function valueFits(v: Value, want: Type): boolean {
  switch (want.kind) {
    case 'any':
      return true;
    case 'or':
      return want.of.some((w) => valueFits(v, w));
    case 'array':
      return Array.isArray(v) && (v as readonly Value[]).every((x) => valueFits(x, want.of));
    case 'set':
      return v instanceof SetValue && [...v.values()].every((x) => valueFits(x, want.of));
    case 'object':
      return v instanceof ObjectValue && [...v.entries()].every(([k, x]) => valueFits(k, want.key) && valueFits(x, want.value));
    default:
      return typeName(v) === want.kind;
  }
}

/** The static type of a term as far as it is known without inference (`any` otherwise). */
function staticType(t: IR, env: Env): Type {
  switch (t.k) {
    case 'const':
      return valueType(t.v);
    case 'template':
      return { kind: 'string' };
    case 'array':
    case 'set':
      return { kind: t.k, of: union(t.items.map((i) => staticType(i, env))) };
    case 'object':
      return { kind: 'object', key: union(t.entries.map(([k]) => staticType(k, env))), value: union(t.entries.map(([, v]) => staticType(v, env))) };
    case 'call':
      return t.target.kind === 'builtin' && t.target.decl.result ? t.target.decl.result : { kind: 'any' };
    case 'local':
      return env.get(t.slot) ?? { kind: 'any' };
    default:
      return { kind: 'any' };
  }
}

function valueType(v: Value): Type {
  if (v instanceof ExactDecimal) return { kind: 'number' };
  if (Array.isArray(v)) return { kind: 'array', of: union((v as readonly Value[]).map(valueType)) };
  if (v instanceof SetValue) return { kind: 'set', of: union([...v.values()].map(valueType)) };
  if (v instanceof ObjectValue) {
    const es = [...v.entries()];
    return { kind: 'object', key: union(es.map(([k]) => valueType(k))), value: union(es.map(([, x]) => valueType(x))) };
  }
  return { kind: typeName(v) } as Type;
}

function union(ts: readonly Type[]): Type {
  const seen = new Map<string, Type>();
  for (const t of ts) seen.set(formatType(t), t);
  const all = [...seen.values()];
  return all.length === 0 ? { kind: 'any' } : all.length === 1 ? all[0]! : { kind: 'or', of: all };
}

/** True if any is true, false if all are false, else unknown. */
function some(xs: readonly (boolean | undefined)[]): boolean | undefined {
  return xs.includes(true) ? true : xs.every((x) => x === false) ? false : undefined;
}

/** False if any is false, true if all are true, else unknown. */
function every(xs: readonly (boolean | undefined)[]): boolean | undefined {
  return xs.includes(false) ? false : xs.every((x) => x === true) ? true : undefined;
}
