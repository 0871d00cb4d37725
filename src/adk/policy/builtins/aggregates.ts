// Aggregates: count, sum, product, max, min, sort. Sums and products of integers are exact; with
// any fraction OPA accumulates in big.Float (sum at 64 mantissa bits, product at 53).
import { T } from '../types.ts';
import { ObjectValue, SetValue, compare, isInteger, isNumber, num, sortedValues, type Value } from '../value.ts';
import * as BF from './bigfloat.ts';
import { declare, operandElementError, operandTypeError, type BuiltinTable } from './builtin.ts';
import { runeCount } from './args.ts';

/** The elements of a set (in Rego order) or an array; otherwise OPA's "one of {set, array}" error. */
function collection(v: Value): readonly Value[] {
  if (Array.isArray(v)) return v as readonly Value[];
  if (v instanceof SetValue) return sortedValues(v);
  throw operandTypeError(1, v, 'set', 'array');
}

function count(v: Value): number {
  if (typeof v === 'string') return runeCount(v);
  if (Array.isArray(v)) return v.length;
  if (v instanceof ObjectValue || v instanceof SetValue) return v.size;
  throw operandTypeError(1, v, 'array', 'object', 'set', 'string');
}

function accumulate(coll: Value, init: bigint, exact: (a: bigint, b: bigint) => bigint, float: (a: BF.BigFloat, b: BF.BigFloat) => BF.BigFloat, start: BF.BigFloat): number | bigint {
  const items = collection(coll);
  let acc = init;
  let allInts = true;
  for (const x of items) {
    if ((typeof x !== 'number' && typeof x !== 'bigint') || !isInteger(x)) {
      allInts = false;
      break;
    }
    acc = exact(acc, typeof x === 'bigint' ? x : BigInt(x));
  }
  if (allInts) return num(acc);
  let f = start;
  for (const x of items) {
    if (!isNumber(x)) throw operandElementError(1, coll, x, 'number');
    f = float(f, BF.fromNumber(x));
  }
  return BF.toNumber(f);
}

function sum(coll: Value): number | bigint {
  if (Array.isArray(coll) && coll.length <= 2 ** 22) {
    // Fast path: at most 2^22 integers below 2^31 sum exactly in doubles.
    let s = 0;
    let ok = true;
    for (const x of coll as readonly Value[]) {
      if (typeof x !== 'number' || !Number.isInteger(x) || Math.abs(x) > 2 ** 31) {
        ok = false;
        break;
      }
      s += x;
    }
    if (ok && Number.isSafeInteger(s)) return s;
  }
  return accumulate(coll, 0n, (a, b) => a + b, (a, b) => BF.add(a, b, BF.DEFAULT_PREC), { neg: false, m: 0n, e: 0, prec: BF.DEFAULT_PREC });
}

const ONE_53: BF.BigFloat = { neg: false, m: 1n, e: 0, prec: 53 };

function product(coll: Value): number | bigint {
  return accumulate(coll, 1n, (a, b) => a * b, (a, b) => BF.mul(a, b, 53), ONE_53);
}

function extreme(coll: Value, max: boolean): Value | undefined {
  const items = collection(coll);
  if (items.length === 0) return undefined;
  let best = items[0] as Value;
  for (const x of items) {
    const c = compare(x, best);
    if (max ? c >= 0 : c <= 0) best = x;
  }
  return best;
}

export function register(table: BuiltinTable): void {
  const anyColl = T.or(T.set(T.any), T.array(T.any));
  const numColl = T.or(T.set(T.number), T.array(T.number));
  declare(
    table,
    {
      name: 'count',
      args: [T.or(T.set(T.any), T.array(T.any), T.object(T.any, T.any), T.string)],
      result: T.number,
      category: 'aggregates',
      impl: (args) => count(args[0]!),
    },
    { name: 'sum', args: [numColl], result: T.number, category: 'aggregates', impl: (args) => sum(args[0]!) },
    { name: 'product', args: [numColl], result: T.number, category: 'aggregates', impl: (args) => product(args[0]!) },
    { name: 'max', args: [anyColl], result: T.any, category: 'aggregates', impl: (args) => extreme(args[0]!, true) },
    { name: 'min', args: [anyColl], result: T.any, category: 'aggregates', impl: (args) => extreme(args[0]!, false) },
    {
      name: 'sort',
      args: [T.or(T.array(T.any), T.set(T.any))],
      result: T.array(T.any),
      category: 'aggregates',
      impl: (args) => {
        const v = args[0]!;
        if (Array.isArray(v)) return [...(v as readonly Value[])].sort(compare);
        if (v instanceof SetValue) return sortedValues(v);
        throw operandTypeError(1, v, 'set', 'array');
      },
    },
  );
}
