// Part 1 builtin families (issue 5): comparison, arithmetic, aggregates, arrays, sets, objects,
// strings, types, conversions, the `in` operator, and OPA's deprecated any/all/set_diff/cast_*.
import type { BuiltinTable } from './builtin.ts';
import { register as aggregates } from './aggregates.ts';
import { register as arithmetic } from './arithmetic.ts';
import { register as arrays } from './arrays.ts';
import { register as comparison } from './comparison.ts';
import { register as conversions } from './conversions.ts';
import { register as deprecated } from './deprecated.ts';
import { register as membership } from './membership.ts';
import { register as objects } from './objects.ts';
import { register as sets } from './sets.ts';
import { register as sprintf } from './sprintf.ts';
import { register as strings } from './strings.ts';
import { register as types } from './types.ts';

export const coreFamilies: ReadonlyArray<(table: BuiltinTable) => void> = [
  comparison,
  arithmetic,
  aggregates,
  arrays,
  sets,
  objects,
  strings,
  sprintf,
  types,
  conversions,
  membership,
  deprecated,
];
