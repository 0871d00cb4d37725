// Type predicates (is_string, …) and type_name. The predicates return false for other types,
// which fails a bare expression, as in OPA.
import { T } from '../types.ts';
import { typeName, type Value } from '../value.ts';
import { declare, type BuiltinTable } from './builtin.ts';

function is(name: string, type: string) {
  return {
    name,
    args: [T.any],
    result: T.boolean,
    category: 'types',
    impl: (args: readonly Value[]): Value => typeName(args[0]!) === type,
  };
}

export function register(table: BuiltinTable): void {
  declare(
    table,
    is('is_number', 'number'),
    is('is_string', 'string'),
    is('is_boolean', 'boolean'),
    is('is_array', 'array'),
    is('is_set', 'set'),
    is('is_object', 'object'),
    is('is_null', 'null'),
    { name: 'type_name', args: [T.any], result: T.string, category: 'types', impl: (args) => typeName(args[0]!) },
  );
}
