// Builtins that belong to the language itself and that the evaluator runs specially.
import { T } from '../types.ts';
import { declare, type BuiltinTable } from './builtin.ts';

/** Registers print: the evaluator runs it itself (its arguments may be undefined); this gives it a signature. */
export function register(table: BuiltinTable): void {
  declare(table, { name: 'print', args: [], variadic: T.any, category: 'opa', impl: () => true });
}
