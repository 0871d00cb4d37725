// json.patch: RFC 6902 patches over Rego values (OPA's edit-tree semantics); any failure makes
// the call undefined, as in OPA.
import { ObjectValue, SetValue, equal, isNumber, keyOf, type Value } from '../value.ts';
import { T } from '../types.ts';
import { declare, type BuiltinTable } from './builtin.ts';
import { array } from './args.ts';

class PatchFailure extends Error {}
const fail = (msg: string): never => {
  throw new PatchFailure(msg);
};

/** A patch path: a JSON pointer string, or an array of segments. */
function parsePath(p: Value | undefined): Value[] {
  if (typeof p === 'string') {
    if (p === '') return [];
    return p.replace(/^\/+/, '').split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  }
  if (Array.isArray(p)) return [...(p as readonly Value[])];
  return fail('path must be a string or an array');
}

/** An array index segment: canonical decimal digits (or a number), within bounds. */
function index(seg: Value, len: number, allowEnd: boolean): number {
  let i: number;
  if (seg === '-' && allowEnd) return len;
  if (typeof seg === 'string' && /^(0|[1-9]\d*)$/.test(seg)) i = Number(seg);
  else if (isNumber(seg) && Number.isInteger(Number(seg))) i = Number(seg);
  else return fail('invalid array index');
  if (i < 0 || i > len || (!allowEnd && i === len)) fail('index out of range');
  return i;
}

function getAt(doc: Value, path: readonly Value[]): Value {
  let node = doc;
  for (const seg of path) {
    if (node instanceof ObjectValue) {
      const next = node.get(seg);
      if (next === undefined) fail('missing key');
      node = next!;
    } else if (Array.isArray(node)) node = (node as readonly Value[])[index(seg, node.length, false)]!;
    else if (node instanceof SetValue) {
      if (!node.has(seg)) fail('missing set element');
      node = seg;
    } else fail('path through a scalar');
  }
  return node;
}

/** A copy of doc with f applied to the container at path's parent. */
function update(doc: Value, path: readonly Value[], f: (parent: Value, last: Value) => Value): Value {
  if (path.length === 0) return fail('empty path');
  const rec = (node: Value, i: number): Value => {
    if (i === path.length - 1) return f(node, path[i]!);
    const seg = path[i]!;
    if (node instanceof ObjectValue) {
      const child = node.get(seg);
      if (child === undefined) fail('missing key');
      const o = new ObjectValue(new Map(node.vals), node.keys && new Map(node.keys));
      o.set(seg, rec(child!, i + 1));
      return o;
    }
    if (Array.isArray(node)) {
      const k = index(seg, node.length, false);
      const a = [...(node as readonly Value[])];
      a[k] = rec(a[k]!, i + 1);
      return a;
    }
    return fail('path through a scalar');
  };
  return rec(doc, 0);
}

function insert(doc: Value, path: readonly Value[], value: Value): Value {
  if (path.length === 0) return value;
  return update(doc, path, (parent, last) => {
    if (parent instanceof ObjectValue) {
      const o = new ObjectValue(new Map(parent.vals), parent.keys && new Map(parent.keys));
      o.set(last, value);
      return o;
    }
    if (Array.isArray(parent)) {
      const a = [...(parent as readonly Value[])];
      a.splice(index(last, a.length, true), 0, value);
      return a;
    }
    if (parent instanceof SetValue) {
      const s = new SetValue(new Map(parent.items));
      s.add(value);
      return s;
    }
    return fail('insert into a scalar');
  });
}

function remove(doc: Value, path: readonly Value[]): Value {
  if (path.length === 0) return null;
  return update(doc, path, (parent, last) => {
    if (parent instanceof ObjectValue) {
      if (parent.get(last) === undefined) fail('missing key');
      const o = new ObjectValue(new Map(parent.vals), parent.keys && new Map(parent.keys));
      o.vals.delete(keyOf(last));
      return o;
    }
    if (Array.isArray(parent)) {
      const a = [...(parent as readonly Value[])];
      a.splice(index(last, a.length, false), 1);
      return a;
    }
    if (parent instanceof SetValue) {
      if (!parent.has(last)) fail('missing set element');
      return new SetValue(new Map([...parent.items].filter(([, v]) => !equal(v, last))));
    }
    return fail('remove from a scalar');
  });
}

function attr(op: ObjectValue, name: string): Value {
  const v = op.get(name);
  return v === undefined ? fail(`missing '${name}' attribute`) : v;
}

function applyPatch(doc: Value, ops: readonly Value[]): Value {
  let out = doc;
  for (const o of ops) {
    if (!(o instanceof ObjectValue)) fail('not an object');
    const op = attr(o as ObjectValue, 'op');
    if (typeof op !== 'string' || !['add', 'remove', 'replace', 'move', 'copy', 'test'].includes(op)) fail('bad op');
    const path = parsePath(attr(o as ObjectValue, 'path'));
    const from = op === 'move' || op === 'copy' ? parsePath(attr(o as ObjectValue, 'from')) : [];
    const value = op === 'add' || op === 'replace' || op === 'test' ? attr(o as ObjectValue, 'value') : null;
    switch (op) {
      case 'add':
        out = insert(out, path, value);
        break;
      case 'remove':
        out = remove(out, path);
        break;
      case 'replace':
        out = insert(remove(out, path), path, value);
        break;
      case 'move': {
        const chunk = getAt(out, from);
        out = insert(remove(out, from), path, chunk);
        break;
      }
      case 'copy':
        out = insert(out, path, getAt(out, from));
        break;
      default:
        if (!equal(getAt(out, path), value)) fail('test failed');
    }
  }
  return out;
}

function patch(args: readonly Value[]): Value | undefined {
  const ops = array(args, 2);
  try {
    return applyPatch(args[0]!, ops);
  } catch (e) {
    if (e instanceof PatchFailure) return undefined;
    throw e;
  }
}

/** Registers json.patch. */
export function register(table: BuiltinTable): void {
  declare(table, { name: 'json.patch', category: 'object', args: [T.any, T.array(T.object(T.string, T.any))], result: T.any, impl: patch });
}
