// Part 2 builtin families (issue 6): regex, glob, encoding, time, crypto, tokens, net, units,
// semver, uuid, graph, bits, and the rest of OPA's library.
import type { BuiltinTable } from './builtin.ts';

export const extendedFamilies: ReadonlyArray<(table: BuiltinTable) => void> = [];
