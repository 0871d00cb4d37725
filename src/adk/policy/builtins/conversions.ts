// to_number: null → 0, booleans → 0/1, numbers as they are, strings parsed the way Go's
// strconv.ParseFloat accepts them (OPA then keeps the text, so integers stay exact).
import { T } from '../types.ts';
import { num, type Value } from '../value.ts';
import { builtinError, declare, operandTypeError, type BuiltinTable } from './builtin.ts';
import { goQuote } from './gofmt.ts';

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEX = /^([+-]?)0[xX](_?[0-9a-fA-F](?:_?[0-9a-fA-F])*\.?(?:[0-9a-fA-F](?:_?[0-9a-fA-F])*)?|\.[0-9a-fA-F]+)[pP]([+-]?\d+)$/;

/** A decimal literal as a Rego number: integral values exactly (as OPA keeps the text), others as doubles. */
export function decimalToNumber(text: string): number | bigint {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text)!;
  const frac = (m[3] ?? '').replace(/0+$/, '');
  const intPart = m[2] ?? '';
  const exp = Number(m[4] ?? '0');
  const digits = (intPart + frac).replace(/^0+/, '');
  if (digits === '') return m[1] === '-' ? -0 : 0;
  const scale = exp - frac.length;
  if (scale >= 0 && scale < 400) {
    const v = BigInt(digits) * 10n ** BigInt(scale);
    return num(m[1] === '-' ? -v : v);
  }
  return num(Number(text));
}

function hexToNumber(text: string): number | bigint | undefined {
  const m = HEX.exec(text);
  if (!m) return undefined;
  const [whole, frac = ''] = m[2]!.replace(/_/g, '').split('.') as [string, string?];
  const mant = BigInt(`0x${whole || '0'}${frac}`);
  const exp = Number(m[3]) - 4 * frac.length;
  const mag = exp >= 0 ? num(mant << BigInt(exp)) : Number(mant) * 2 ** exp;
  if (typeof mag === 'number' && !Number.isFinite(mag)) return undefined;
  return m[1] === '-' ? (typeof mag === 'bigint' ? num(-mag) : -mag) : mag;
}

function parseNumberText(s: string): number | bigint {
  const bare = s.replace(/^[+-]+/, '').toLowerCase();
  if (bare === 'inf' || bare === 'infinity' || bare === 'nan') throw operandTypeError(1, s, 'valid number string');
  if (DECIMAL.test(s)) {
    const v = decimalToNumber(s);
    if (typeof v === 'number' && !Number.isFinite(v)) throw builtinError(`strconv.ParseFloat: parsing ${goQuote(s)}: value out of range`);
    return v;
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
