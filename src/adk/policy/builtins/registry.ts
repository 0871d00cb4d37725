// The builtin table: every family registers into a fresh table (no global registry filled by
// import side effects, so tests stay order-independent).
import type { BuiltinTable } from './builtin.ts';
import { coreFamilies } from './core.ts';
import { extendedFamilies } from './extended.ts';
import { register as registerInternal } from './internal.ts';
import { register as registerRego } from './rego.ts';

/** A table with every builtin this engine knows. */
export function createBuiltinTable(): BuiltinTable {
  const table: BuiltinTable = new Map();
  for (const register of [registerInternal, registerRego, ...coreFamilies, ...extendedFamilies]) register(table);
  return table;
}

let shared: BuiltinTable | undefined;

/** The default table, built once; never mutated after construction. */
export function defaultBuiltins(): BuiltinTable {
  return (shared ??= createBuiltinTable());
}
