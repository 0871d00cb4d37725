// The compiled program: a tree of data paths whose nodes hold the rules defined there.
import type { Loc } from '../ast.ts';
import type { BuiltinTable } from '../builtins/builtin.ts';
import type { Value } from '../value.ts';
import type { Ctx, Frame, K, VK } from './ctx.ts';

/** A compiled literal or body: runs with a frame and calls k for each solution. */
export type LitFn = (c: Ctx, f: Frame, k: K) => boolean;
/** Enumerates a term's values (binding any iteration variables while vk runs). */
export type EachFn = (c: Ctx, f: Frame, vk: VK) => boolean;
/** A single-valued term: its value, or undefined. */
export type GetFn = (c: Ctx, f: Frame) => Value | undefined;

export interface CTerm {
  readonly each: EachFn;
  /** Present when the term has at most one value and binds nothing. */
  readonly get?: GetFn;
}

/** A matcher of function arguments against the call's values (binds the argument patterns). */
export type ArgsFn = (c: Ctx, f: Frame, args: readonly Value[], k: K) => boolean;

export interface CompiledRule {
  readonly nslots: number;
  readonly body: LitFn;
  /** The body as a condition, when it has at most one solution and binds nothing. */
  readonly test?: ((c: Ctx, f: Frame) => boolean) | undefined;
  /** Function argument matcher. */
  readonly args?: ArgsFn | undefined;
  /** Key terms after the rule's ground prefix (p[x] → [x]); empty for complete rules. */
  readonly suffix: readonly CTerm[];
  /** `contains` element. */
  readonly key?: CTerm | undefined;
  /** Head value; absent means true (or no value, for `contains`). */
  readonly value?: CTerm | undefined;
  /** The value when it is a constant: lets evaluation stop at the first solution. */
  readonly constValue?: Value | undefined;
  readonly else: readonly CompiledRule[];
  readonly loc: Loc;
}

export type RuleKind = 'complete' | 'multi' | 'partial' | 'function';

export interface RuleSet {
  /** Position in the program's rule sets: where its value is cached during an evaluation. */
  readonly index: number;
  /** data path of the rules' ground prefix */
  readonly path: readonly string[];
  readonly kind: RuleKind;
  readonly rules: CompiledRule[];
  default?: CompiledRule | undefined;
  readonly arity: number;
  readonly loc: Loc;
}

export interface DataNode {
  readonly children: Map<string, DataNode>;
  /** The key value of this node in its parent (a string for package and rule names). */
  readonly key: Value;
  ruleSet?: RuleSet | undefined;
  /** Set on the view of a node's children whose base document is its own rule set's value. */
  readonly overRules?: boolean;
}

export interface Program {
  readonly root: DataNode;
  readonly builtins: BuiltinTable;
  /** Rule sets by path key, for function calls. */
  readonly ruleSets: Map<string, RuleSet>;
  /** Whether rule bodies may be compiled to generated JavaScript (compile/gen.ts). */
  readonly generate: boolean;
  /** The base data given at compile time, when known. */
  readonly data?: Value;
  /** Scope cache entries of input refs read more than once (after the rule sets' entries). */
  readonly refCache: { next: number; readonly slots: Map<string, number> };
}
