// to_number: null → 0, booleans → 0/1, numbers as they are, strings parsed the way Go's
// strconv.ParseFloat accepts them (OPA then keeps the text, so integers stay exact).
import { T } from '../types.ts';
import { num, parseNumber, type Value } from '../value.ts';
import type { ExactDecimal } from '../decimal.ts';
import { builtinError, declare, operandTypeError, type BuiltinTable } from './builtin.ts';
import { goQuote } from './gofmt.ts';

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEX = /^([+-]?)0[xX](_?[0-9a-fA-F](?:_?[0-9a-fA-F])*\.?(?:[0-9a-fA-F](?:_?[0-9a-fA-F])*)?|\.[0-9a-fA-F]+)[pP]([+-]?\d+)$/;

/** A hexadecimal float (0x1.8p3); beyond float64's range it is Go's "value out of range". */
function hexToNumber(text: string): number | bigint | undefined {
  const m = HEX.exec(text);
  if (!m) return undefined;
  const [whole, frac = ''] = m[2]!.replace(/_/g, '').split('.') as [string, string?];
  const mant = BigInt(`0x${whole || '0'}${frac}`);
  const exp = Number(m[3]) - 4 * frac.length;
  const approx = Number(mant) * 2 ** exp;
  if (!Number.isFinite(approx)) throw builtinError(`strconv.ParseFloat: parsing ${goQuote(text)}: value out of range`);
  const mag = exp >= 0 ? num(mant << BigInt(exp)) : approx;
  return m[1] === '-' ? (typeof mag === 'bigint' ? num(-mag) : -mag) : mag;
}

function parseNumberText(s: string): number | bigint | ExactDecimal {
  const bare = s.replace(/^[+-]+/, '').toLowerCase();
  if (bare === 'inf' || bare === 'infinity' || bare === 'nan') throw operandTypeError(1, s, 'valid number string');
  if (DECIMAL.test(s)) {
    // ParseFloat rejects what overflows a float64, though OPA then keeps the exact text.
    if (!Number.isFinite(Number(s))) throw builtinError(`strconv.ParseFloat: parsing ${goQuote(s)}: value out of range`);
    return parseNumber(s);
  }
  const hex = hexToNumber(s);
  if (hex !== undefined) return hex;
  throw builtinError(`strconv.ParseFloat: parsing ${goQuote(s)}: invalid syntax`);
}

export function register(table: BuiltinTable): void {
  declare(table, {
    name: 'to_number',
    args: [T.or(T.number, T.string, T.boolean, T.null)],
    result: T.number,
    category: 'conversions',
    impl: (args) => {
      const v: Value = args[0]!;
      if (v === null) return 0;
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (typeof v === 'number' || typeof v === 'bigint') return v;
      if (typeof v === 'string') return parseNumberText(v);
      throw operandTypeError(1, v, 'null', 'boolean', 'number', 'string');
    },
  });
}
