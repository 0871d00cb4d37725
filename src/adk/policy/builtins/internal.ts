// Builtins that belong to the language itself and that the evaluator runs specially.
import { T } from '../types.ts';
import { ObjectValue } from '../value.ts';
import { declare, type BuiltinTable } from './builtin.ts';

/**
 * Registers print (the evaluator runs it itself: its arguments may be undefined) and
 * rego.metadata.chain/rule (the compiler gives each rule its own answer; these are the answers
 * outside any rule, in a query).
 */
export function register(table: BuiltinTable): void {
  declare(
    table,
    { name: 'print', args: [], variadic: T.any, category: 'opa', impl: () => true },
    { name: 'rego.metadata.chain', args: [], result: T.array(T.any), category: 'rego', impl: () => [] },
    { name: 'rego.metadata.rule', args: [], result: T.any, category: 'rego', impl: () => new ObjectValue() },
  );
}
