// The Rego abstract syntax tree. Every node carries its source location.
import type { Location } from '../../common/errors.ts';
import type { ExactDecimal } from './decimal.ts';

export type Loc = Location;

export type Term =
  | { readonly type: 'null'; readonly loc: Loc }
  | { readonly type: 'boolean'; readonly value: boolean; readonly loc: Loc }
  | { readonly type: 'number'; readonly value: number | bigint | ExactDecimal; readonly text: string; readonly loc: Loc }
  | { readonly type: 'string'; readonly value: string; readonly raw?: boolean; readonly loc: Loc }
  | VarTerm
  | RefTerm
  | { readonly type: 'array'; readonly items: readonly Term[]; readonly loc: Loc }
  | { readonly type: 'object'; readonly entries: readonly (readonly [Term, Term])[]; readonly loc: Loc }
  | { readonly type: 'set'; readonly items: readonly Term[]; readonly loc: Loc }
  | { readonly type: 'arraycomp'; readonly term: Term; readonly body: Body; readonly loc: Loc }
  | { readonly type: 'setcomp'; readonly term: Term; readonly body: Body; readonly loc: Loc }
  | { readonly type: 'objectcomp'; readonly key: Term; readonly value: Term; readonly body: Body; readonly loc: Loc }
  | CallTerm
  | { readonly type: 'template'; readonly parts: readonly (string | Expr)[]; readonly loc: Loc };

export interface VarTerm {
  readonly type: 'var';
  readonly name: string;
  readonly loc: Loc;
}

/** `head.path…`; head is a var (input, data, a local, a rule name), a call or a composite. */
export interface RefTerm {
  readonly type: 'ref';
  readonly head: Term;
  readonly path: readonly Term[];
  readonly loc: Loc;
}

/** `op(args…)`; op is a dotted name (`count`, `data.lib.f`, `strings.replace_n`). Infix operators are calls too. */
export interface CallTerm {
  readonly type: 'call';
  readonly op: readonly string[];
  readonly args: readonly Term[];
  /** Set for infix operators (`+`, `==` …, and `unary-` for `-x`) so printing can restore them. */
  readonly infix?: string;
  readonly loc: Loc;
}

export interface WithModifier {
  readonly target: Term;
  readonly value: Term;
  readonly loc: Loc;
}

export type Expr =
  | { readonly kind: 'term'; readonly term: Term; readonly negated: boolean; readonly with: readonly WithModifier[]; readonly loc: Loc }
  | { readonly kind: 'assign'; readonly lhs: Term; readonly rhs: Term; readonly negated: boolean; readonly with: readonly WithModifier[]; readonly loc: Loc }
  | { readonly kind: 'unify'; readonly lhs: Term; readonly rhs: Term; readonly negated: boolean; readonly with: readonly WithModifier[]; readonly loc: Loc }
  | { readonly kind: 'some'; readonly vars: readonly VarTerm[]; readonly negated: false; readonly with: readonly WithModifier[]; readonly loc: Loc }
  | {
      readonly kind: 'somein';
      readonly key: Term | undefined;
      readonly value: Term;
      readonly collection: Term;
      readonly negated: false;
      readonly with: readonly WithModifier[];
      readonly loc: Loc;
    }
  | { readonly kind: 'block'; readonly body: Body; readonly negated: boolean; readonly with: readonly WithModifier[]; readonly loc: Loc }
  | {
      readonly kind: 'every';
      readonly key: Term | undefined;
      readonly value: Term;
      readonly domain: Term;
      readonly body: Body;
      readonly negated: boolean;
      readonly with: readonly WithModifier[];
      readonly loc: Loc;
    };

export type Body = readonly Expr[];

export interface RuleHead {
  /** The rule's name and ref: `p`, `p.a.b`, `p[x]` … as terms (first is a var). */
  readonly ref: readonly Term[];
  /** Function arguments, when the rule is a function. */
  readonly args: readonly Term[] | undefined;
  /** `contains` key for multi-value rules. */
  readonly key: Term | undefined;
  /** Value (`:= v`, `= v`), or undefined when implied (true). */
  readonly value: Term | undefined;
  readonly assign: boolean;
  readonly loc: Loc;
}

export interface Rule {
  readonly default: boolean;
  readonly head: RuleHead;
  readonly body: Body;
  /** Else branches in order: each with its own value and body. */
  readonly else: readonly Rule[];
  readonly loc: Loc;
  /** The rule's METADATA annotations, normalised (for rego.metadata.*). */
  readonly annotations?: Record<string, unknown>;
}

export interface Import {
  readonly path: RefTerm | VarTerm;
  readonly alias: string | undefined;
  readonly loc: Loc;
}

export interface Module {
  readonly file: string;
  /** The package's METADATA annotations, normalised. */
  readonly annotations?: Record<string, unknown>;
  readonly package: readonly string[];
  readonly packageLoc: Loc;
  readonly imports: readonly Import[];
  readonly rules: readonly Rule[];
}

/** The keyword set of Rego v1. */
export const KEYWORDS = new Set(['package', 'import', 'as', 'default', 'else', 'not', 'some', 'with', 'if', 'contains', 'in', 'every', 'true', 'false', 'null']);
