// Object builtins (object.get/keys/remove/filter/union/union_n/subset) and the JSON-path ones
// (json.filter, json.remove), following OPA's object.go, subset.go and json.go.
import { T, type Type } from '../types.ts';
import { ObjectValue, SetValue, equal, keyOf, makeSet, typeName, type Value } from '../value.ts';
import { BuiltinError, declare, operandElementError, operandError, operandTypeError, type BuiltinDecl, type BuiltinTable } from './builtin.ts';
import { array, object } from './args.ts';

/** The value at path inside v, or undefined (OPA's Value.Find). */
function find(v: Value, path: readonly Value[], from = 0): Value | undefined {
  if (from === path.length) return v;
  const k = path[from]!;
  if (v instanceof ObjectValue) {
    const next = v.get(k);
    return next === undefined ? undefined : find(next, path, from + 1);
  }
  if (Array.isArray(v)) {
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k >= v.length) return undefined;
    return find((v as readonly Value[])[k]!, path, from + 1);
  }
  if (v instanceof SetValue) return v.has(k) ? find(k, path, from + 1) : undefined;
  return undefined;
}

/** The keys named by object.remove/object.filter's second operand, as key strings. */
function keySet(v: Value): Set<string> {
  if (Array.isArray(v)) return new Set((v as readonly Value[]).map(keyOf));
  if (v instanceof SetValue) return new Set(v.items.keys());
  if (v instanceof ObjectValue) return new Set(v.vals.keys());
  throw operandTypeError(2, v, 'object', 'set', 'array');
}

function filterKeys(obj: ObjectValue, keys: Set<string>, keep: boolean): ObjectValue {
  const out = new ObjectValue(new Map(), obj.keys && new Map());
  for (const [ks, v] of obj.vals) {
    if (keys.has(ks) !== keep) continue;
    out.vals.set(ks, v);
    const k = obj.keys?.get(ks);
    if (k !== undefined) out.keys!.set(ks, k);
  }
  return out;
}

/** Recursive union, the right-hand side winning conflicts that are not both objects. */
function union(a: ObjectValue, b: ObjectValue): ObjectValue {
  if (b.size === 0) return a;
  const out = new ObjectValue(new Map(a.vals), a.keys && new Map(a.keys));
  for (const [k, v] of b.entries()) {
    const old = a.get(k);
    out.set(k, old instanceof ObjectValue && v instanceof ObjectValue ? union(old, v) : v);
  }
  return out;
}

function unionN(arr: readonly Value[], operand: Value): ObjectValue {
  // OPA checks the elements from the last one back.
  for (let i = arr.length - 1; i >= 0; i--) {
    if (!(arr[i] instanceof ObjectValue)) throw operandElementError(1, operand, arr[i]!, 'object');
  }
  let out = new ObjectValue();
  for (const o of arr as readonly ObjectValue[]) out = union(out, o);
  return out;
}

// -- object.subset ------------------------------------------------------------------------

function arraySubset(sup: readonly Value[], sub: readonly Value[]): boolean {
  if (sub.length > sup.length) return false;
  outer: for (let start = 0; start + sub.length <= sup.length; start++) {
    for (let j = 0; j < sub.length; j++) if (!equal(sup[start + j]!, sub[j]!)) continue outer;
    return true;
  }
  return false;
}

function setSubset(sup: SetValue, sub: SetValue): boolean {
  for (const k of sub.items.keys()) if (!sup.items.has(k)) return false;
  return true;
}

function arraySetSubset(sup: readonly Value[], sub: SetValue): boolean {
  // As in OPA, an empty set is a subset of any array but the empty one.
  let unmatched = sub.size;
  for (const x of sup) {
    if (sub.has(x)) unmatched--;
    if (unmatched === 0) return true;
  }
  return false;
}

function objectSubset(sup: ObjectValue, sub: ObjectValue): boolean {
  for (const [ks, subV] of sub.vals) {
    const supV = sup.vals.get(ks);
    if (supV === undefined) return false;
    if (equal(subV, supV)) continue;
    if (!nestedSubset(supV, subV)) return false;
  }
  return true;
}

function nestedSubset(sup: Value, sub: Value): boolean {
  if (sup instanceof ObjectValue && sub instanceof ObjectValue) return objectSubset(sup, sub);
  if (sup instanceof SetValue && sub instanceof SetValue) return setSubset(sup, sub);
  if (Array.isArray(sup) && Array.isArray(sub)) return arraySubset(sup, sub);
  return false;
}

function subset(sup: Value, sub: Value): boolean {
  if (Array.isArray(sup) && sub instanceof SetValue) return arraySetSubset(sup, sub);
  const sameKind =
    (sup instanceof ObjectValue && sub instanceof ObjectValue) ||
    (sup instanceof SetValue && sub instanceof SetValue) ||
    (Array.isArray(sup) && Array.isArray(sub));
  if (!sameKind) throw new BuiltinError('eval_type_error', 'both arguments object.subset must be of the same type or array and set');
  return nestedSubset(sup, sub);
}

// -- json.filter / json.remove -------------------------------------------------------------

/** JSON paths as segment lists: "a/b~1c" strings (RFC 6901 escapes) or arrays of segments. */
function jsonPaths(v: Value): Value[][] {
  let items: readonly Value[];
  if (Array.isArray(v)) items = v as readonly Value[];
  else if (v instanceof SetValue) items = [...v.values()];
  else throw operandTypeError(2, v, 'set', 'array');
  return items.map((p) => {
    if (typeof p === 'string') {
      if (p === '') return [];
      return p
        .replace(/^\/+/, '')
        .split('/')
        .map((seg) => seg.replaceAll('~1', '/').replaceAll('~0', '~'));
    }
    if (Array.isArray(p)) return [...(p as readonly Value[])];
    throw operandError(2, `must be one of {set, array} containing string paths or array of path segments but got ${typeName(p)}`);
  });
}

/** The paths as a tree of objects whose leaves are null (OPA's pathsToObject). */
function pathTree(paths: readonly Value[][]): ObjectValue {
  const root = new ObjectValue();
  for (const path of paths) {
    if (path.length === 0) continue;
    let node = root;
    let done = false;
    for (let i = 0; i < path.length - 1 && !done; i++) {
      const child = node.get(path[i]!);
      if (child === undefined) {
        const next = new ObjectValue();
        node.set(path[i]!, next);
        node = next;
      } else if (child === null) {
        done = true;
      } else {
        node = child as ObjectValue;
      }
    }
    if (!done) node.set(path[path.length - 1]!, null);
  }
  return root;
}

/** OPA's filterObject: keep what the filter tree names; null leaves keep whole values. */
function filterValue(v: Value, filter: Value): Value {
  if (filter === null || !(filter instanceof ObjectValue)) return v;
  if (Array.isArray(v)) {
    const out: Value[] = [];
    (v as readonly Value[]).forEach((x, i) => {
      const sub = filter.get(String(i));
      if (sub !== undefined) out.push(filterValue(x, sub));
    });
    return out;
  }
  if (v instanceof SetValue) {
    const out: Value[] = [];
    for (const x of v.values()) {
      const sub = filter.get(x);
      if (sub !== undefined) out.push(filterValue(x, sub));
    }
    return makeSet(out);
  }
  if (v instanceof ObjectValue) {
    const out = new ObjectValue();
    for (const [k, x] of v.entries()) {
      const sub = filter.get(k);
      if (sub !== undefined) out.set(k, filterValue(x, sub));
    }
    return out;
  }
  return v;
}

/** OPA's jsonRemove: drop what the tree's null leaves name; undefined means "removed". */
function removeValue(v: Value, tree: Value | undefined): Value | undefined {
  if (tree === undefined) return v;
  if (tree === null) return undefined;
  if (!(tree instanceof ObjectValue)) return v;
  if (v instanceof ObjectValue) {
    const out = new ObjectValue();
    for (const [k, x] of v.entries()) {
      const r = removeValue(x, tree.get(k));
      if (r !== undefined) out.set(k, r);
    }
    return out;
  }
  if (v instanceof SetValue) {
    const out: Value[] = [];
    for (const x of v.values()) {
      const r = removeValue(x, tree.get(x));
      if (r !== undefined) out.push(r);
    }
    return makeSet(out);
  }
  if (Array.isArray(v)) {
    const out: Value[] = [];
    (v as readonly Value[]).forEach((x, i) => {
      const r = removeValue(x, tree.get(String(i)));
      if (r !== undefined) out.push(r);
    });
    return out;
  }
  return v;
}

/** A builtin on an object (operand 1) and one more operand, checked in OPA's order. */
function onObject(name: string, other: Type, f: (obj: ObjectValue, arg: Value) => Value | undefined): BuiltinDecl {
  return { name, args: [O, other], result: T.any, category: 'object', impl: (args) => f(object(args, 1), args[1]!) };
}

const O = T.object(T.any, T.any);

export function register(table: BuiltinTable): void {
  const keysArg = T.or(T.array(T.any), T.set(T.any), O);
  const pathsArg = T.or(T.array(T.or(T.string, T.array(T.any))), T.set(T.or(T.string, T.array(T.any))));
  const anyColl = T.or(O, T.set(T.any), T.array(T.any));
  declare(
    table,
    {
      name: 'object.get',
      args: [O, T.any, T.any],
      result: T.any,
      category: 'object',
      impl: (args) => {
        const obj = object(args, 1);
        const key = args[1]!;
        if (!Array.isArray(key)) return obj.get(key) ?? args[2]!;
        return find(obj, key as readonly Value[]) ?? args[2]!;
      },
    },
    { name: 'object.keys', args: [O], result: T.set(T.any), category: 'object', impl: (args) => makeSet(object(args, 1).keyValues()) },
    onObject('object.remove', keysArg, (obj, keys) => filterKeys(obj, keySet(keys), false)),
    onObject('object.filter', keysArg, (obj, keys) => filterKeys(obj, keySet(keys), true)),
    onObject('object.union', O, (a, b) => union(a, object([a, b], 2))),
    {
      name: 'object.union_n',
      args: [T.array(O)],
      result: T.any,
      category: 'object',
      impl: (args) => unionN(array(args, 1), args[0]!),
    },
    { name: 'object.subset', args: [anyColl, anyColl], result: T.any, category: 'object', impl: (args) => subset(args[0]!, args[1]!) },
    onObject('json.filter', pathsArg, (obj, paths) => filterValue(obj, pathTree(jsonPaths(paths)))),
    onObject('json.remove', pathsArg, (obj, paths) => removeValue(obj, pathTree(jsonPaths(paths)))),
  );
}
