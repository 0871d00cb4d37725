// Builtins that belong to the language itself: print and the `in` operator.
import { T } from '../types.ts';
import { equal, ObjectValue, SetValue, type Value } from '../value.ts';
import { declare, type BuiltinTable } from './builtin.ts';

function member(coll: Value, x: Value): boolean {
  if (Array.isArray(coll)) return coll.some((e) => equal(e, x));
  if (coll instanceof SetValue) return coll.has(x);
  if (coll instanceof ObjectValue) {
    for (const v of coll.vals.values()) if (equal(v, x)) return true;
  }
  return false;
}

function memberWithKey(coll: Value, k: Value, x: Value): boolean {
  if (Array.isArray(coll)) return typeof k === 'number' && Number.isInteger(k) && k >= 0 && k < coll.length && equal(coll[k]!, x);
  if (coll instanceof ObjectValue) {
    const v = coll.get(k);
    return v !== undefined && equal(v, x);
  }
  if (coll instanceof SetValue) return equal(k, x) && coll.has(x);
  return false;
}

/** Registers print, internal.member_2 (`x in c`) and internal.member_3 (`k, v in c`). */
export function register(table: BuiltinTable): void {
  declare(
    table,
    // The evaluator runs print itself (its arguments may be undefined); this declaration gives it a signature.
    { name: 'print', args: [], variadic: T.any, category: 'opa', impl: () => true },
    { name: 'internal.member_2', args: [T.any, T.any], result: T.boolean, category: 'sets', impl: ([x, c]) => member(c!, x!) },
    { name: 'internal.member_3', args: [T.any, T.any, T.any], result: T.boolean, category: 'sets', impl: ([k, x, c]) => memberWithKey(c!, k!, x!) },
  );
}
