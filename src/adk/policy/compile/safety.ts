// Safety: orders a body so that every literal runs only once the variables it reads are bound
// (OPA reorders bodies the same way), and reports variables that can never be bound.
import type { Loc } from '../ast.ts';
import { compileError } from './resolve.ts';
import { freeSlots, litSlots, slotsOf, termSlots, type IR, type Lit } from './ir.ts';

/** Slots that must be bound before t can be evaluated as a value. */
export function needs(t: IR, out: Set<number> = new Set()): Set<number> {
  switch (t.k) {
    case 'local':
      out.add(t.slot);
      break;
    case 'ref':
      needs(t.head, out);
      // Variables in a ref's path (alone or in a composite key pattern) are bound by iterating.
      for (const p of t.path) if (p.k !== 'local') patternNeeds(p, out);
      break;
    case 'array':
    case 'set':
      for (const x of t.items) needs(x, out);
      break;
    case 'object':
      for (const [a, b] of t.entries) {
        needs(a, out);
        needs(b, out);
      }
      break;
    case 'call': {
      const out1 = hasOutputArg(t);
      t.args.forEach((a, i) => (out1 && i === t.args.length - 1 ? patternNeeds(a, out) : needs(a, out)));
      break;
    }
    case 'compr':
    case 'ocompr':
    case 'template':
      for (const s of freeSlots(t)) out.add(s);
      break;
  }
  return out;
}

/** Slots that must be bound before t can serve as a unification pattern. */
export function patternNeeds(t: IR, out: Set<number> = new Set()): Set<number> {
  switch (t.k) {
    case 'local':
      break;
    case 'array':
      for (const x of t.items) patternNeeds(x, out);
      break;
    case 'object':
      for (const [a, b] of t.entries) {
        needs(a, out);
        patternNeeds(b, out);
      }
      break;
    default:
      needs(t, out);
  }
  return out;
}

/** True when a call passes one argument more than its function declares: the last is an output. */
export function hasOutputArg(t: Extract<IR, { k: 'call' }>): boolean {
  const target = t.target;
  if (target.kind === 'function') return t.args.length === target.arity + 1;
  if (target.decl.variadic) return false;
  return t.args.length === target.decl.args.length + 1 && target.decl.result !== undefined;
}

function subset(a: Set<number>, b: ReadonlySet<number>): boolean {
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

/** True when t is (or contains in pattern position) a variable not yet bound. */
export function isOpenPattern(t: IR, bound: ReadonlySet<number>): boolean {
  switch (t.k) {
    case 'local':
      return !bound.has(t.slot);
    case 'array':
      return t.items.some((x) => isOpenPattern(x, bound));
    case 'object':
      return t.entries.some(([, v]) => isOpenPattern(v, bound));
    default:
      return false;
  }
}

/** Whether `a = b` can be evaluated with the given bound slots. */
export function canUnify(a: IR, b: IR, bound: ReadonlySet<number>): boolean {
  const openA = isOpenPattern(a, bound);
  const openB = isOpenPattern(b, bound);
  if (!openA) return subset(needs(a), bound) && subset(openB ? patternNeeds(b) : needs(b), bound);
  if (!openB) return subset(needs(b), bound) && subset(patternNeeds(a), bound);
  // Both sides open: only structurally, pair by pair.
  if (a.k === 'array' && b.k === 'array') {
    if (a.items.length !== b.items.length) return true; // never equal; evaluates to false
    const bb = new Set(bound);
    const pending = a.items.map((x, i) => [x, b.items[i]!] as const);
    // Pairs may bind what later pairs need: keep taking any ready pair.
    while (pending.length > 0) {
      const i = pending.findIndex(([x, y]) => canUnify(x, y, bb));
      if (i < 0) return false;
      const [x, y] = pending.splice(i, 1)[0]!;
      slotsOf(x, bb);
      slotsOf(y, bb);
    }
    return true;
  }
  if (a.k === 'object' && b.k === 'object') {
    return a.entries.length === b.entries.length && a.entries.every(([, v], i) => canUnify(v, b.entries[i]![1], bound));
  }
  return false;
}

/** Whether a literal can run once `bound` is bound. */
function ready(l: Lit, bound: ReadonlySet<number>, localOnly: ReadonlySet<number>): boolean {
  for (const w of l.with) if (!subset(needs(w.value), bound)) return false;
  if (l.neg) {
    // Variables seen only in the negated literal are its own (existentially quantified).
    for (const s of litSlots(l)) if (!bound.has(s) && !localOnly.has(s)) return false;
    return true;
  }
  switch (l.k) {
    case 'nop':
      return true;
    case 'expr':
      return subset(needs(l.term), bound);
    case 'unify':
      return canUnify(l.a, l.b, bound);
    case 'somein':
      return subset(needs(l.coll), bound) && (!l.key || subset(patternNeeds(l.key), bound)) && subset(patternNeeds(l.value), bound);
    case 'block':
    case 'every': {
      if (l.k === 'every' && !subset(needs(l.domain), bound)) return false;
      for (const s of litSlots(l)) if (!bound.has(s) && !localOnly.has(s) && !l.own.has(s)) return false;
      return true;
    }
  }
}

/** Adds the slots a literal binds once it succeeds (none for negations, `every` and blocks). */
export function outputs(l: Lit, bound: Set<number>): void {
  if (!l.neg) termSlots(l, bound);
}

/**
 * Orders a body for safe evaluation. `bound` holds the slots bound on entry (function args, outer
 * variables); `external` the slots used outside this body (the rule head, enclosing bodies).
 * Returns the ordered body and the slots bound after it.
 */
export function orderBody(
  body: readonly Lit[],
  bound: ReadonlySet<number>,
  external: ReadonlySet<number>,
  slotNames: readonly string[],
  loc: Loc,
): { ordered: Lit[]; bound: Set<number> } {
  const counts = new Map<number, number>();
  for (const l of body) for (const s of litSlots(l)) counts.set(s, (counts.get(s) ?? 0) + 1);
  const localOnly = new Set<number>();
  for (const [s, n] of counts) if (n === 1 && !external.has(s) && !bound.has(s)) localOnly.add(s);

  const b = new Set(bound);
  const pending = [...body];
  const ordered: Lit[] = [];
  while (pending.length > 0) {
    const i = pending.findIndex((l) => ready(l, b, localOnly));
    if (i < 0) {
      const l = pending[0]!;
      const unsafe = [...litSlots(l)].filter((s) => !b.has(s));
      const name = unsafe.length > 0 ? slotNames[unsafe[0]!] : undefined;
      throw compileError('rego_unsafe_var_error', `var ${name ?? '?'} is unsafe`, l.loc ?? loc);
    }
    const l = pending.splice(i, 1)[0]!;
    ordered.push(l);
    outputs(l, b);
  }
  return { ordered, bound: b };
}
