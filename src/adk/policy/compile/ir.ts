// The resolved intermediate form: names are bound to locals (frame slots), input, data paths,
// builtins or user functions. Safety ordering and code generation work on this form.
import type { Loc, Term } from '../ast.ts';
import type { BuiltinDecl } from '../builtins/builtin.ts';
import type { Value } from '../value.ts';

export type IR =
  | { readonly k: 'const'; readonly v: Value; readonly loc: Loc }
  | { readonly k: 'local'; readonly slot: number; readonly name: string; readonly loc: Loc }
  | { readonly k: 'input'; readonly loc: Loc }
  | { readonly k: 'data'; readonly loc: Loc }
  | { readonly k: 'ref'; readonly head: IR; readonly path: readonly IR[]; readonly loc: Loc }
  | { readonly k: 'array'; readonly items: readonly IR[]; readonly loc: Loc }
  | { readonly k: 'object'; readonly entries: readonly (readonly [IR, IR])[]; readonly loc: Loc }
  | { readonly k: 'set'; readonly items: readonly IR[]; readonly loc: Loc }
  | { readonly k: 'compr'; readonly kind: 'array' | 'set'; readonly head: IR; readonly body: readonly Lit[]; readonly own: ReadonlySet<number>; readonly loc: Loc }
  | { readonly k: 'ocompr'; readonly key: IR; readonly value: IR; readonly body: readonly Lit[]; readonly own: ReadonlySet<number>; readonly loc: Loc }
  | { readonly k: 'call'; readonly target: CallTarget; readonly args: readonly IR[]; readonly loc: Loc }
  | { readonly k: 'template'; readonly parts: readonly (string | Lit)[]; readonly loc: Loc };

/** What a call invokes. */
export type CallTarget =
  | { readonly kind: 'builtin'; readonly name: string; readonly decl: BuiltinDecl }
  | { readonly kind: 'function'; readonly name: string; readonly path: readonly string[]; readonly arity: number };

export interface WithIR {
  /** input, or a data path, or a function/builtin name being mocked. */
  readonly target: { readonly kind: 'input'; readonly path: readonly string[] } | { readonly kind: 'data'; readonly path: readonly string[] } | { readonly kind: 'fn'; readonly key: string };
  readonly value: IR;
  /** For function mocks whose replacement is itself a function: the target to call. */
  readonly replacement?: CallTarget;
  readonly loc: Loc;
}

export type Lit =
  | { readonly k: 'expr'; readonly term: IR; readonly neg: boolean; readonly with: readonly WithIR[]; readonly loc: Loc; readonly src: Term | undefined }
  | { readonly k: 'unify'; readonly a: IR; readonly b: IR; readonly neg: boolean; readonly with: readonly WithIR[]; readonly loc: Loc }
  | { readonly k: 'somein'; readonly key: IR | undefined; readonly value: IR; readonly coll: IR; readonly neg: false; readonly with: readonly WithIR[]; readonly loc: Loc }
  | {
      readonly k: 'every';
      readonly key: IR | undefined;
      readonly value: IR;
      readonly domain: IR;
      readonly body: readonly Lit[];
      /** Slots of the key, the value and the body's own variables. */
      readonly own: ReadonlySet<number>;
      readonly neg: boolean;
      readonly with: readonly WithIR[];
      readonly loc: Loc;
    }
  | { readonly k: 'block'; readonly body: readonly Lit[]; readonly own: ReadonlySet<number>; readonly neg: boolean; readonly with: readonly WithIR[]; readonly loc: Loc }
  | { readonly k: 'nop'; readonly neg: false; readonly with: readonly WithIR[]; readonly loc: Loc };

/** Every local slot a term mentions outside nested bodies (comprehensions count their free slots). */
export function slotsOf(t: IR, out: Set<number> = new Set()): Set<number> {
  switch (t.k) {
    case 'local':
      out.add(t.slot);
      break;
    case 'ref':
      slotsOf(t.head, out);
      for (const p of t.path) slotsOf(p, out);
      break;
    case 'array':
    case 'set':
      for (const x of t.items) slotsOf(x, out);
      break;
    case 'object':
      for (const [a, b] of t.entries) {
        slotsOf(a, out);
        slotsOf(b, out);
      }
      break;
    case 'call':
      for (const a of t.args) slotsOf(a, out);
      break;
    case 'compr':
    case 'ocompr':
    case 'template':
      for (const s of freeSlots(t)) out.add(s);
      break;
  }
  return out;
}

/** Slots a nested construct reads from its enclosing scope (its captured variables). */
export function freeSlots(t: IR): Set<number> {
  const out = new Set<number>();
  if (t.k === 'compr' || t.k === 'ocompr') {
    const inner = new Set<number>();
    for (const l of t.body) litSlots(l, inner);
    if (t.k === 'compr') slotsOf(t.head, inner);
    else {
      slotsOf(t.key, inner);
      slotsOf(t.value, inner);
    }
    for (const s of inner) if (!t.own.has(s)) out.add(s);
  } else if (t.k === 'template') {
    for (const p of t.parts) if (typeof p !== 'string') litSlots(p, out);
  }
  return out;
}

/** Slots of a literal's own terms (expr, unify, some … in): the ones it binds when it succeeds. */
export function termSlots(l: Lit, out: Set<number>): Set<number> {
  switch (l.k) {
    case 'expr':
      slotsOf(l.term, out);
      break;
    case 'unify':
      slotsOf(l.a, out);
      slotsOf(l.b, out);
      break;
    case 'somein':
      if (l.key) slotsOf(l.key, out);
      slotsOf(l.value, out);
      slotsOf(l.coll, out);
      break;
  }
  return out;
}

/** Slots mentioned by a literal (nested bodies included). */
export function litSlots(l: Lit, out: Set<number> = new Set()): Set<number> {
  termSlots(l, out);
  switch (l.k) {
    case 'every':
    case 'block': {
      if (l.k === 'every') slotsOf(l.domain, out);
      const inner = new Set<number>();
      for (const b of l.body) litSlots(b, inner);
      for (const s of inner) if (!l.own.has(s)) out.add(s);
      break;
    }
  }
  for (const w of l.with) slotsOf(w.value, out);
  return out;
}
