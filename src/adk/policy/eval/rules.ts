// Evaluating rule sets: complete rules (with else chains and defaults), multi-value (`contains`)
// rules, partial objects, and functions; conflicts are errors, as in OPA.
import { equal, formatValue, ObjectValue, SetValue, type Value } from '../value.ts';
import type { Loc } from '../ast.ts';
import { evalError, UNDEFINED, type Ctx, type Frame } from './ctx.ts';
import type { CompiledRule, RuleSet } from './program.ts';

/** Shared by rules without variables; frozen, so a stray write fails loudly instead of leaking. */
const NO_SLOTS: Frame = Object.freeze([]) as unknown as Frame;
const FOUND = (): boolean => true;
const NO_KEYS: readonly Value[] = [];

function newFrame(n: number): Frame {
  return n === 0 ? NO_SLOTS : new Array<Value | undefined>(n);
}

/** The value of a (non-function) rule set in this scope, cached; undefined if it has none. */
export function evalRuleSet(c: Ctx, rs: RuleSet): Value | undefined {
  const cached = c.cache[rs.index];
  if (cached !== undefined) return cached === UNDEFINED ? undefined : cached;
  // Recursion is rejected at compile time (compile/recursion.ts); a runaway stack would still
  // end as eval_budget_exceeded (engine.ts), never as a wrong answer.
  const v = rs.kind === 'complete' ? evalComplete(c, rs) : evalCollection(c, rs);
  c.cache[rs.index] = v === undefined ? UNDEFINED : v;
  return v;
}

/** Runs one rule (and its else chain if it produces nothing); calls onValue for each value. */
function runRule(c: Ctx, rule: CompiledRule, frame: Frame, onValue: (v: Value) => boolean, args?: readonly Value[]): boolean {
  let produced = false;
  const emit = (): boolean => {
    if (!rule.value) {
      produced = true;
      return onValue(true);
    }
    return rule.value.each(c, frame, (v) => {
      produced = true;
      return onValue(v);
    });
  };
  const stop = args && rule.args ? rule.args(c, frame, args, () => rule.body(c, frame, emit)) : rule.body(c, frame, emit);
  if (stop || produced) return stop;
  for (const alt of rule.else) {
    const f2 = newFrame(alt.nslots);
    let altProduced = false;
    const altEmit = (): boolean => {
      if (!alt.value) {
        altProduced = true;
        return onValue(true);
      }
      return alt.value.each(c, f2, (v) => {
        altProduced = true;
        return onValue(v);
      });
    };
    const s = args && alt.args ? alt.args(c, f2, args, () => alt.body(c, f2, altEmit)) : alt.body(c, f2, altEmit);
    if (s) return true;
    if (altProduced) return false;
  }
  return false;
}

/** OPA's conflict error: the classic sentence, then which rule and the values in conflict. */
function conflictError(classic: string, what: string, first: { v: Value; loc: Loc }, second: { v: Value; loc: Loc }): Error {
  const at = (x: { v: Value; loc: Loc }): string => `\n  ${formatValue(x.v)} at ${x.loc.file}:${x.loc.row}`;
  return evalError('eval_conflict_error', `${classic}: ${what} produced conflicting values${what.startsWith('function') ? ' for the same inputs' : ''}:${at(first)}${at(second)}`, second.loc);
}

function evalComplete(c: Ctx, rs: RuleSet): Value | undefined {
  let result: Value | undefined;
  let firstLoc: Loc | undefined;
  const accept = (v: Value, rule: CompiledRule): void => {
    if (result === undefined) {
      result = v;
      firstLoc = rule.loc;
    } else if (!equal(result, v)) {
      throw conflictError('complete rules must not produce multiple outputs', `rule data.${rs.path.join('.')}`, { v: result, loc: firstLoc! }, { v, loc: rule.loc });
    }
  };
  for (const rule of rs.rules) {
    // A constant value is decided by the first solution: no value callbacks needed.
    if (isConstRule(rule)) {
      if (succeeds(c, rule)) accept(rule.constValue!, rule);
    } else runRule(c, rule, newFrame(rule.nslots), (v) => (accept(v, rule), false));
  }
  const d = rs.default;
  if (result === undefined && d) {
    if (isConstRule(d)) {
      if (succeeds(c, d)) result = d.constValue;
    } else {
      runRule(c, d, newFrame(d.nslots), (v) => {
        result = v;
        return true;
      });
    }
  }
  return result;
}

/** Whether the rule's body has a solution. */
function succeeds(c: Ctx, rule: CompiledRule): boolean {
  const f = newFrame(rule.nslots);
  return rule.test === undefined ? rule.body(c, f, FOUND) : rule.test(c, f);
}

function isConstRule(rule: CompiledRule): boolean {
  return rule.constValue !== undefined && rule.else.length === 0;
}

/** Multi-value and partial-object rule sets: build the set or (nested) object. */
function evalCollection(c: Ctx, rs: RuleSet): Value {
  const multi = rs.kind === 'multi';
  let root: ObjectValue | SetValue | undefined;
  for (const rule of rs.rules) {
    const f = newFrame(rule.nslots);
    const elemGet = multi && rule.suffix.length === 0 ? rule.key!.get : undefined;
    if (elemGet) {
      // `p contains x` with a single-valued x: no key path to build.
      if (rule.test === undefined) {
        rule.body(c, f, () => {
          const elem = elemGet(c, f);
          if (elem !== undefined) root = insertElement(root, NO_KEYS, elem, rule);
          return false;
        });
      } else if (rule.test(c, f)) {
        const elem = elemGet(c, f);
        if (elem !== undefined) root = insertElement(root, NO_KEYS, elem, rule);
      }
      continue;
    }
    rule.body(c, f, () => {
      const keys: Value[] = [];
      const withKeys = (i: number): boolean => {
        if (i < rule.suffix.length) {
          return rule.suffix[i]!.each(c, f, (kv) => {
            keys.push(kv);
            const r = withKeys(i + 1);
            keys.pop();
            return r;
          });
        }
        if (multi) {
          return rule.key!.each(c, f, (elem) => {
            root = insertElement(root, keys, elem, rule);
            return false;
          });
        }
        const value = rule.value;
        if (!value) {
          root = insertValue(root, keys, true, rule);
          return false;
        }
        return value.each(c, f, (v) => {
          root = insertValue(root, keys, v, rule);
          return false;
        });
      };
      return withKeys(0);
    });
  }
  if (root !== undefined) return root;
  return multi && rs.rules.every((r) => r.suffix.length === 0) ? new SetValue() : new ObjectValue();
}

function insertValue(root: ObjectValue | SetValue | undefined, keys: readonly Value[], v: Value, rule: CompiledRule): ObjectValue {
  const top = root instanceof ObjectValue ? root : new ObjectValue();
  let node = top;
  for (let i = 0; i < keys.length - 1; i++) {
    const next = node.get(keys[i]!);
    if (next instanceof ObjectValue) node = next;
    else if (next === undefined) {
      const o = new ObjectValue();
      node.set(keys[i]!, o);
      node = o;
    } else throw evalError('eval_conflict_error', 'object keys must be unique', rule.loc);
  }
  const last = keys[keys.length - 1]!;
  const existing = node.get(last);
  if (existing !== undefined && !equal(existing, v)) throw evalError('eval_conflict_error', 'object keys must be unique', rule.loc);
  node.set(last, v);
  return top;
}

function insertElement(root: ObjectValue | SetValue | undefined, keys: readonly Value[], elem: Value, rule: CompiledRule): ObjectValue | SetValue {
  if (keys.length === 0) {
    const s = root instanceof SetValue ? root : new SetValue();
    s.add(elem);
    return s;
  }
  const top = root instanceof ObjectValue ? root : new ObjectValue();
  let node = top;
  for (let i = 0; i < keys.length - 1; i++) {
    let next = node.get(keys[i]!);
    if (next === undefined) {
      next = new ObjectValue();
      node.set(keys[i]!, next);
    }
    if (!(next instanceof ObjectValue)) throw evalError('eval_conflict_error', 'object keys must be unique', rule.loc);
    node = next;
  }
  const last = keys[keys.length - 1]!;
  let leaf = node.get(last);
  if (leaf === undefined) {
    leaf = new SetValue();
    node.set(last, leaf);
  }
  if (!(leaf instanceof SetValue)) throw evalError('eval_conflict_error', 'object keys must be unique', rule.loc);
  leaf.add(elem);
  return top;
}

/** Calls a user function; undefined when no rule applies. */
export function callFunction(c: Ctx, rs: RuleSet, args: readonly Value[]): Value | undefined {
  let result: Value | undefined;
  let firstLoc: Loc | undefined;
  for (const rule of rs.rules) {
    const early = rule.constValue !== undefined && rule.else.length === 0;
    const onValue = (v: Value): boolean => {
      if (result === undefined) {
        result = v;
        firstLoc = rule.loc;
      } else if (!equal(result, v)) {
        throw conflictError('functions must not produce multiple outputs for same inputs', `function data.${rs.path.join('.')}`, { v: result, loc: firstLoc! }, { v, loc: rule.loc });
      }
      return early;
    };
    runRule(c, rule, newFrame(rule.nslots), onValue, args);
  }
  if (result === undefined && rs.default) {
    const d = rs.default;
    runRule(c, d, newFrame(d.nslots), (v) => ((result = v), true), args);
  }
  return result;
}
