// Set builtins: and (&), or (|), intersection, union. Set difference is `minus`, declared with
// arithmetic since the same operator subtracts numbers.
import { T } from '../types.ts';
import { SetValue, type Value } from '../value.ts';
import { declare, operandTypeError, type BuiltinTable } from './builtin.ts';
import { set } from './args.ts';

function intersect(a: SetValue, b: SetValue): SetValue {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  const out = new SetValue();
  for (const [k, v] of small.items) if (large.items.has(k)) out.items.set(k, v);
  return out;
}

function unite(a: SetValue, b: SetValue): SetValue {
  if (b.size === 0) return a;
  if (a.size === 0) return b;
  return new SetValue(new Map([...a.items, ...b.items]));
}

/** The member sets of a set of sets; members that are not sets are OPA's operand 1 error. */
function memberSets(v: Value): SetValue[] {
  if (!(v instanceof SetValue)) throw operandTypeError(1, v, 'set');
  const out: SetValue[] = [];
  for (const x of v.values()) {
    if (!(x instanceof SetValue)) throw operandTypeError(1, x, 'set');
    out.push(x);
  }
  return out;
}

export function register(table: BuiltinTable): void {
  const S = T.set(T.any);
  declare(
    table,
    { name: 'and', args: [S, S], result: S, category: 'sets', impl: (args) => intersect(set(args, 1), set(args, 2)) },
    { name: 'or', args: [S, S], result: S, category: 'sets', impl: (args) => unite(set(args, 1), set(args, 2)) },
    {
      name: 'intersection',
      args: [T.set(S)],
      result: S,
      category: 'sets',
      impl: (args) => {
        const sets = memberSets(args[0]!);
        if (sets.length === 0) return new SetValue();
        return sets.reduce(intersect);
      },
    },
    {
      name: 'union',
      args: [T.set(S)],
      result: S,
      category: 'sets',
      impl: (args) => {
        const out = new SetValue();
        for (const s of memberSets(args[0]!)) for (const [k, v] of s.items) out.items.set(k, v);
        return out;
      },
    },
  );
}
