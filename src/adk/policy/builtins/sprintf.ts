// sprintf: Go's fmt.Sprintf over the values OPA hands it. Integers that fit int64 are Go ints,
// larger integers *big.Int, other numbers float64, strings strings, and every other value its
// Rego text (so %v of an array prints [1, "a"], and %d of a string is %!d(string=a)).
import { T } from '../types.ts';
import { formatValue, type Value } from '../value.ts';
import { declare, operandTypeError, type BuiltinTable } from './builtin.ts';
import { fitsInt64, str } from './args.ts';
import { goSprintf, type GoArg } from './gofmt.ts';

function toGo(v: Value): GoArg {
  switch (typeof v) {
    case 'number':
      return Number.isInteger(v) ? { kind: 'int', v } : { kind: 'float', v };
    case 'bigint':
      return fitsInt64(v) ? { kind: 'int', v } : { kind: 'bigint', v };
    case 'string':
      return { kind: 'string', v };
    default:
      return { kind: 'string', v: formatValue(v) };
  }
}

/** sprintf(format, values). */
export function sprintf(format: string, values: readonly Value[]): string {
  // The common `sprintf("%d", [n])` and `%s`/`%v` of one string skip the format machinery.
  if (values.length === 1) {
    const v = values[0]!;
    if (format === '%d' && typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
    if ((format === '%s' || format === '%v') && typeof v === 'string') return v;
  }
  return goSprintf(format, values.map(toGo));
}

export function register(table: BuiltinTable): void {
  declare(table, {
    name: 'sprintf',
    args: [T.string, T.array(T.any)],
    result: T.string,
    category: 'strings',
    impl: (args) => {
      const format = str(args, 1);
      const values = args[1]!;
      if (!Array.isArray(values)) throw operandTypeError(2, values, 'array');
      return sprintf(format, values as readonly Value[]);
    },
  });
}
