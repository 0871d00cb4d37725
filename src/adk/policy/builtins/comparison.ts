// Comparison operators: OPA orders every pair of values (null < boolean < number < string <
// array < object < set), so these never raise type errors.
import { T } from '../types.ts';
import { compare, equal, type Value } from '../value.ts';
import { declare, type BuiltinTable } from './builtin.ts';

function cmp(name: string, test: (a: Value, b: Value) => boolean) {
  return {
    name,
    args: [T.any, T.any],
    result: T.boolean,
    category: 'comparison',
    impl: (args: readonly Value[]): Value => test(args[0]!, args[1]!),
  };
}

export function register(table: BuiltinTable): void {
  declare(
    table,
    cmp('equal', (a, b) => equal(a, b)),
    cmp('neq', (a, b) => !equal(a, b)),
    cmp('lt', (a, b) => compare(a, b) < 0),
    cmp('lte', (a, b) => compare(a, b) <= 0),
    cmp('gt', (a, b) => compare(a, b) > 0),
    cmp('gte', (a, b) => compare(a, b) >= 0),
  );
}
