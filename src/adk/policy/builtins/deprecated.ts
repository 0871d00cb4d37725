// OPA's deprecated builtins of the part-1 families (any, all, set_diff, cast_*). OPA still
// declares them, so that Rego v1 modules calling them get "deprecated built-in function calls in
// expression" rather than "undefined function"; they are declared here for that check, with
// OPA's behaviour for anything that evaluates them.
import { T, type Type } from '../types.ts';
import { ObjectValue, SetValue, makeSet, sortedValues, type Value } from '../value.ts';
import { declare, operandTypeError, type BuiltinDecl, type BuiltinTable } from './builtin.ts';
import { set } from './args.ts';

function members(v: Value): readonly Value[] {
  if (Array.isArray(v)) return v as readonly Value[];
  if (v instanceof SetValue) return sortedValues(v);
  throw operandTypeError(1, v, 'array', 'set');
}

function cast(name: string, result: Type, test: (v: Value) => boolean, typeName: string): BuiltinDecl {
  return {
    name,
    args: [T.any],
    result,
    category: 'casts',
    deprecated: true,
    impl: (args) => {
      if (!test(args[0]!)) throw operandTypeError(1, args[0]!, typeName);
      return args[0]!;
    },
  };
}

export function register(table: BuiltinTable): void {
  const coll = T.or(T.set(T.any), T.array(T.any));
  declare(
    table,
    { name: 'all', args: [coll], result: T.boolean, category: 'aggregates', deprecated: true, impl: (args) => members(args[0]!).every((x) => x === true) },
    { name: 'any', args: [coll], result: T.boolean, category: 'aggregates', deprecated: true, impl: (args) => members(args[0]!).some((x) => x === true) },
    {
      name: 'set_diff',
      args: [T.set(T.any), T.set(T.any)],
      result: T.set(T.any),
      category: 'sets',
      deprecated: true,
      impl: (args) => {
        const [a, b] = [set(args, 1), set(args, 2)];
        return makeSet([...a.values()].filter((x) => !b.has(x)));
      },
    },
    { name: 'cast_array', args: [T.any], result: T.array(T.any), category: 'casts', deprecated: true, impl: (args) => [...members(args[0]!)] },
    { name: 'cast_set', args: [T.any], result: T.set(T.any), category: 'casts', deprecated: true, impl: (args) => makeSet(members(args[0]!)) },
    cast('cast_string', T.string, (v) => typeof v === 'string', 'string'),
    cast('cast_boolean', T.boolean, (v) => typeof v === 'boolean', 'boolean'),
    cast('cast_null', T.null, (v) => v === null, 'null'),
    cast('cast_object', T.object(T.any, T.any), (v) => v instanceof ObjectValue, 'object'),
  );
}
