// Compile-time type checking of builtin calls: the part of OPA's type checker that needs no
// inference across expressions. A constant, a collection written out, a template string or
// another builtin's declared result has a known type; a builtin argument whose known type the
// builtin's signature cannot accept (`"a" + 1`, `count(1)`, `concat(",", [1, 2])`) is a
// rego_type_error before evaluation, as in OPA. Anything of unknown type (variables, refs,
// user functions) is left to the run-time checks.
import { ExactDecimal } from '../decimal.ts';
import { formatType, type Type } from '../types.ts';
import { ObjectValue, SetValue, typeName, type Value } from '../value.ts';
import type { IR, Lit } from './ir.ts';
import { compileError } from './resolve.ts';

/** Checks every builtin call in a rule's (or query's) body and head terms. */
export function checkTypes(lits: readonly Lit[], terms: readonly IR[] = []): void {
  for (const l of lits) checkLit(l);
  for (const t of terms) checkTerm(t);
}

function checkLit(l: Lit): void {
  switch (l.k) {
    case 'expr':
      checkTerm(l.term);
      break;
    case 'unify':
      checkTerm(l.a);
      checkTerm(l.b);
      break;
    case 'somein':
      if (l.key) checkTerm(l.key);
      checkTerm(l.value);
      checkTerm(l.coll);
      break;
    case 'every':
      checkTerm(l.domain);
      checkTypes(l.body);
      break;
    case 'block':
      checkTypes(l.body);
      break;
    case 'nop':
      break;
  }
  for (const w of l.with) checkTerm(w.value);
}

function checkTerm(t: IR): void {
  switch (t.k) {
    case 'ref':
      checkTerm(t.head);
      for (const p of t.path) checkTerm(p);
      break;
    case 'array':
    case 'set':
      for (const i of t.items) checkTerm(i);
      break;
    case 'object':
      for (const [k, v] of t.entries) {
        checkTerm(k);
        checkTerm(v);
      }
      break;
    case 'compr':
      checkTerm(t.head);
      checkTypes(t.body);
      break;
    case 'ocompr':
      checkTerm(t.key);
      checkTerm(t.value);
      checkTypes(t.body);
      break;
    case 'template':
      for (const p of t.parts) if (typeof p !== 'string') checkLit(p);
      break;
    case 'call': {
      for (const a of t.args) checkTerm(a);
      if (t.target.kind !== 'builtin' || t.target.decl.variadic) break;
      const decl = t.target.decl;
      const bad = decl.args.some((want, i) => i < t.args.length && fits(t.args[i]!, want) === false);
      if (bad) {
        const have = decl.args.map((_, i) => (i < t.args.length ? formatType(staticType(t.args[i]!)) : '???'));
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

/** Whether a term's value certainly fits a type (true), certainly cannot (false), or may (undefined). */
function fits(t: IR, want: Type): boolean | undefined {
  if (want.kind === 'any') return true;
  if (want.kind === 'or') return some(want.of.map((w) => fits(t, w)));
  switch (t.k) {
    case 'const':
      return valueFits(t.v, want);
    case 'template':
      return want.kind === 'string';
    case 'array':
    case 'set':
      if (want.kind !== t.k) return false;
      return every(t.items.map((i) => fits(i, want.of)));
    case 'object':
      if (want.kind !== 'object') return false;
      return every(t.entries.flatMap(([k, v]) => [fits(k, want.key), fits(v, want.value)]));
    case 'compr':
      return want.kind === t.kind ? undefined : false;
    case 'ocompr':
      return want.kind === 'object' ? undefined : false;
    case 'call':
      return t.target.kind === 'builtin' && t.target.decl.result ? typeFits(t.target.decl.result, want) : undefined;
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
function staticType(t: IR): Type {
  switch (t.k) {
    case 'const':
      return valueType(t.v);
    case 'template':
      return { kind: 'string' };
    case 'array':
    case 'set':
      return { kind: t.k, of: union(t.items.map(staticType)) };
    case 'object':
      return { kind: 'object', key: union(t.entries.map(([k]) => staticType(k))), value: union(t.entries.map(([, v]) => staticType(v))) };
    case 'call':
      return t.target.kind === 'builtin' && t.target.decl.result ? t.target.decl.result : { kind: 'any' };
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
