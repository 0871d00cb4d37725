// The `in` operator: `x in coll` is internal.member_2, `k, v in coll` internal.member_3. Any
// collection type is accepted; anything else simply does not contain x.
import { T } from '../types.ts';
import { ObjectValue, SetValue, equal, type Value } from '../value.ts';
import { declare, type BuiltinTable } from './builtin.ts';

function member(x: Value, coll: Value): boolean {
  if (coll instanceof SetValue) return coll.has(x);
  if (Array.isArray(coll)) {
    for (const v of coll as readonly Value[]) if (equal(v, x)) return true;
    return false;
  }
  if (coll instanceof ObjectValue) {
    for (const v of coll.vals.values()) if (equal(v, x)) return true;
  }
  return false;
}

function memberWithKey(k: Value, v: Value, coll: Value): boolean {
  if (coll instanceof SetValue) return coll.has(k) && equal(k, v);
  if (coll instanceof ObjectValue) {
    const got = coll.get(k);
    return got !== undefined && equal(got, v);
  }
  if (Array.isArray(coll)) {
    // Array lookup takes integer indexes only, as an OPA ref does.
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k >= coll.length) return false;
    return equal((coll as readonly Value[])[k]!, v);
  }
  return false;
}

export function register(table: BuiltinTable): void {
  declare(
    table,
    {
      name: 'internal.member_2',
      args: [T.any, T.any],
      result: T.boolean,
      category: 'internal',
      impl: (args) => member(args[0]!, args[1]!),
    },
    {
      name: 'internal.member_3',
      args: [T.any, T.any, T.any],
      result: T.boolean,
      category: 'internal',
      impl: (args) => memberWithKey(args[0]!, args[1]!, args[2]!),
    },
  );
}
