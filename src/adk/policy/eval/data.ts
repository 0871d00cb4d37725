// Reading refs: through plain values (input, locals, composites) and through `data`, where the
// rule tree (virtual documents) is merged with base data and `with` overrides.
import { equal, keyOf, ObjectValue, SetValue, type Value } from '../value.ts';
import { evalError, tick, type Ctx, type Frame, type OverrideNode, type VK } from './ctx.ts';
import type { IR } from '../compile/ir.ts';
import type { DataNode, EachFn, GetFn, RuleSet } from './program.ts';
import { evalRuleSet } from './rules.ts';

/** Matches a key against a pattern (binding its variables while k runs). */
export type KeyMatcher = (c: Ctx, f: Frame, key: Value, k: () => boolean) => boolean;

/**
 * One element of a ref's path: a single value, an iteration variable, a pattern with
 * variables (`r[[1, x]]`, matched against every key), or a multi-valued term.
 */
export type PathElem = { readonly get: GetFn } | { readonly slot: number } | { readonly match: KeyMatcher } | { readonly each: EachFn };

/** Looks a key up in a value (object key, array index, set member). */
export function lookup(v: Value | undefined, key: Value): Value | undefined {
  if (v === undefined || v === null || typeof v !== 'object') return undefined;
  if (v instanceof ObjectValue) return v.get(key);
  if (v instanceof SetValue) return v.has(key) ? key : undefined;
  if (typeof key === 'number') return Number.isInteger(key) && key >= 0 ? (v as readonly Value[])[key] : undefined;
  return undefined;
}

/** Iterates [key, value] of a collection (index/element for arrays, element/element for sets). */
export function forEachEntry(v: Value, fn: (k: Value, x: Value) => boolean): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (fn(i, v[i]!)) return true;
  } else if (v instanceof ObjectValue) {
    for (const [ks, x] of v.vals) if (fn(v.keyFor(ks), x)) return true;
  } else {
    for (const x of (v as SetValue).values()) if (fn(x, x)) return true;
  }
  return false;
}

/** Looks keys up in turn (lookup() step by step); undefined as soon as one is missing. */
export function lookupPath(v: Value, keys: readonly Value[]): Value | undefined {
  let x: Value | undefined = v;
  for (const k of keys) {
    x = lookup(x, k);
    if (x === undefined) return undefined;
  }
  return x;
}

/** [key, value, …] of an object or set, in forEachEntry's order (none for other values). */
export function entries(v: Value): Value[] {
  const out: Value[] = [];
  forEachEntry(v, (k, x) => (out.push(k, x), false));
  return out;
}

/** Walks path[i..] through a plain value, calling vk with each value reached. */
export function walkValue(c: Ctx, f: Frame, v: Value, path: readonly PathElem[], i: number, vk: VK): boolean {
  for (; i < path.length; i++) {
    const e = path[i]!;
    if ('get' in e) {
      const key = e.get(c, f);
      if (key === undefined) return false;
      const next = lookup(v, key);
      if (next === undefined) return false;
      v = next;
    } else if ('slot' in e) {
      const slot = e.slot;
      const bound = f[slot];
      if (bound !== undefined) {
        const next = lookup(v, bound);
        if (next === undefined) return false;
        v = next;
        continue;
      }
      const rest = i + 1;
      const stop = forEachEntry(v, (k, x) => {
        tick(c.shared);
        f[slot] = k;
        return walkValue(c, f, x, path, rest, vk);
      });
      f[slot] = undefined;
      return stop;
    } else if ('match' in e) {
      const rest = i + 1;
      const m = e.match;
      return forEachEntry(v, (k, x) => (tick(c.shared), m(c, f, k, () => walkValue(c, f, x, path, rest, vk))));
    } else {
      const rest = i + 1;
      const cur = v;
      return e.each(c, f, (key) => {
        const next = lookup(cur, key);
        return next === undefined ? false : walkValue(c, f, next, path, rest, vk);
      });
    }
  }
  return vk(v);
}

/** Walks a path from the root of `data`. */
export function walkData(c: Ctx, f: Frame, root: DataNode, path: readonly PathElem[], vk: VK): boolean {
  return step(c, f, root, c.data, c.overrides, path, 0, vk);
}

/** A node's children without its own rules: rules with longer ground refs nested under a rule set. */
function childrenOf(node: DataNode): DataNode {
  return { children: node.children, key: node.key, ruleSet: undefined, overRules: true };
}

/** Base-document lookup: integer keys also find string keys, as OPA's storage paths do. */
function lookupBase(base: Value | undefined, key: Value): Value | undefined {
  const v = lookup(base, key);
  if (v !== undefined || typeof key !== 'number' || !(base instanceof ObjectValue)) return v;
  return base.get(String(key));
}

function step(c: Ctx, f: Frame, node: DataNode | undefined, base: Value | undefined, ov: OverrideNode | undefined, path: readonly PathElem[], i: number, vk: VK): boolean {
  if (ov?.value !== undefined) return walkValue(c, f, ov.value, path, i, vk);
  if (node?.ruleSet && ov?.children === undefined) {
    if (node.ruleSet.kind === 'function') return false;
    const v = evalRuleSet(c, node.ruleSet);
    if (node.children.size === 0) return v === undefined ? false : walkValue(c, f, v, path, i, vk);
    // Rules here (p[k] := …) and rules below (p.see.x := …) make one document: the rule set's
    // value is the base the deeper rules merge into.
    return step(c, f, childrenOf(node), v, ov, path, i, vk);
  }
  if (i === path.length) {
    const v = extent(c, node, base, ov);
    return v === undefined ? false : vk(v);
  }
  const e = path[i]!;
  const next = (key: Value): boolean => {
    const ks = keyOf(key);
    const child = node?.children.get(ks);
    const b = lookupBase(base, key);
    const o = ov?.children?.get(ks);
    if (child === undefined && b === undefined && o === undefined) return false;
    return step(c, f, child, b, o, path, i + 1, vk);
  };
  if ('get' in e) {
    const key = e.get(c, f);
    return key === undefined ? false : next(key);
  }
  if ('each' in e) return e.each(c, f, next);
  if ('match' in e) {
    const m = e.match;
    const seenKeys = new Set<string>();
    const visitKey = (key: Value): boolean => {
      tick(c.shared);
      const ks = keyOf(key);
      if (seenKeys.has(ks)) return false;
      seenKeys.add(ks);
      return m(c, f, key, () => next(key));
    };
    if (base !== undefined && forEachEntry(base, (k) => visitKey(k))) return true;
    if (node) for (const child of node.children.values()) if (visitKey(child.key)) return true;
    return false;
  }
  const slot = e.slot;
  if (f[slot] !== undefined) return next(f[slot]!);
  // Base document keys first, then rule-tree keys not already seen (OPA's order).
  const seen = new Set<string>();
  const visit = (key: Value): boolean => {
    tick(c.shared);
    const ks = keyOf(key);
    if (seen.has(ks)) return false;
    seen.add(ks);
    f[slot] = key;
    const r = next(key);
    f[slot] = undefined;
    return r;
  };
  if (base !== undefined && forEachEntry(base, (k) => visit(k))) return true;
  if (node) for (const child of node.children.values()) if (visit(child.key)) return true;
  if (ov?.children) for (const [ks, o] of ov.children) if (o.value !== undefined && !seen.has(ks) && visit(ks)) return true;
  return false;
}

/** The whole document at a node: rule values merged with base data and overrides. */
export function extent(c: Ctx, node: DataNode | undefined, base: Value | undefined, ov: OverrideNode | undefined): Value | undefined {
  if (ov?.value !== undefined) return ov.value;
  if (node?.ruleSet && ov?.children === undefined) {
    if (node.ruleSet.kind === 'function') return undefined;
    const v = evalRuleSet(c, node.ruleSet);
    return node.children.size === 0 ? v : extent(c, childrenOf(node), v, ov);
  }
  if (!node && !ov?.children) return base;
  const out = new ObjectValue();
  if (base === undefined && ov === undefined) {
    // Rules only (a package): nothing to merge, nothing to conflict with.
    for (const child of node!.children.values()) {
      const v = extent(c, child, undefined, undefined);
      if (v !== undefined) out.set(child.key, v);
    }
    return out;
  }
  if (base instanceof ObjectValue) for (const [ks, v] of base.vals) out.vals.set(ks, v);
  if (base instanceof ObjectValue && base.keys) out.keys = new Map(base.keys);
  if (node) {
    for (const [ks, child] of node.children) {
      const below = lookup(base, child.key);
      const v = extent(c, child, below, ov?.children?.get(ks));
      if (node.overRules) {
        if (v === undefined) {
          out.vals.delete(ks);
          continue;
        }
        // A rule below a rule set (p["a"] := 2 beside p[k] := v) must agree with it.
        if (below !== undefined && !(below instanceof ObjectValue) && !equal(below, v)) {
          throw evalError('eval_conflict_error', 'object keys must be unique', child.ruleSet?.loc);
        }
        out.set(child.key, v);
      } else if (v !== undefined) {
        out.set(child.key, below === undefined ? v : mergeBase(below, v));
      }
    }
  }
  if (ov?.children) {
    for (const [ks, o] of ov.children) {
      if (node?.children.has(ks)) continue;
      const v = extent(c, undefined, lookup(base, ks), o);
      if (v !== undefined) out.set(ks, v);
    }
  }
  return out;
}

/**
 * Base data merged with the virtual document at the same path, as OPA does when it reads a whole
 * subtree: objects merge key by key, and where a key holds something else in both, base data wins.
 */
function mergeBase(base: Value, virtual: Value): Value {
  if (!(base instanceof ObjectValue) || !(virtual instanceof ObjectValue)) return base;
  const out = new ObjectValue();
  for (const [k, v] of base.entries()) {
    const w = virtual.get(k);
    out.set(k, w === undefined ? v : mergeBase(v, w));
  }
  for (const [k, w] of virtual.entries()) if (base.get(k) === undefined) out.set(k, w);
  return out;
}

/**
 * Where a data ref leads, resolved against the rule tree once, at compile time: to a rule set
 * (evaluate it, walk path[from..] through its value), to base data below the rule tree (walk
 * path[from..] from the document at prefix), or to a package (its extent). Undefined when the
 * general walk is needed. Overrides from `with` always take the general walk.
 */
export type DataRoute =
  | { readonly kind: 'rules'; readonly rs: RuleSet; readonly from: number }
  | { readonly kind: 'base'; readonly prefix: readonly Value[]; readonly from: number }
  | { readonly kind: 'extent'; readonly node: DataNode; readonly prefix: readonly Value[] };

export function dataRoute(root: DataNode, path: readonly IR[]): DataRoute | undefined {
  let node = root;
  const consts: Value[] = [];
  for (let i = 0; i < path.length; i++) {
    const p = path[i]!;
    if (node.ruleSet) {
      if (node.children.size > 0 || node.ruleSet.kind === 'function') return undefined;
      return { kind: 'rules', rs: node.ruleSet, from: i };
    }
    if (p.k !== 'const') return undefined;
    const child = node.children.get(keyOf(p.v));
    if (!child) {
      // Below here is base data only: every further constant key is a base-document lookup.
      const prefix = [...consts];
      let j = i;
      for (; j < path.length && path[j]!.k === 'const'; j++) prefix.push((path[j] as { v: Value }).v);
      return { kind: 'base', prefix, from: j };
    }
    consts.push(p.v);
    node = child;
  }
  if (node.ruleSet) {
    if (node.children.size > 0 || node.ruleSet.kind === 'function') return undefined;
    return { kind: 'rules', rs: node.ruleSet, from: path.length };
  }
  return { kind: 'extent', node, prefix: consts };
}

/** The base document at a constant path (integer keys also find string keys, as in OPA's storage). */
export function basePath(data: Value, path: readonly Value[]): Value | undefined {
  let v: Value | undefined = data;
  for (const k of path) {
    if (v === undefined) return undefined;
    const next: Value | undefined = lookup(v, k);
    v = next === undefined && typeof k === 'number' && v instanceof ObjectValue ? v.get(String(k)) : next;
  }
  return v;
}
