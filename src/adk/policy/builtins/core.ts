// Part 1 builtin families (issue 5): comparison, arithmetic, aggregates, arrays, sets, objects,
// strings, types, conversions.
import type { BuiltinTable } from './builtin.ts';

export const coreFamilies: ReadonlyArray<(table: BuiltinTable) => void> = [];
