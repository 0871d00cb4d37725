// units.parse and units.parse_bytes: quantities with SI and binary suffixes, computed exactly
// (OPA uses big.Rat / big.Float, so results beyond 2^53 stay exact).
import { num, type Value } from '../value.ts';
import { T } from '../types.ts';
import { builtinError, declare, type BuiltinTable } from './builtin.ts';
import { str } from './args.ts';

/** An exact rational n/d with d > 0. */
interface Rat {
  n: bigint;
  d: bigint;
}

const MAX_EXPONENT_DIGITS = 6;
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Splits "10.5Ki" into number and unit text; undefined when the exponent has too many digits. */
function splitNumberUnit(s: string): [string, string] | undefined {
  let cut = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (!isDigit(c) && c !== '.' && c !== 'e' && c !== 'E' && c !== '+' && c !== '-') {
      cut = i;
      break;
    }
    if (c === 'e' || c === 'E') {
      const next = s[i + 1];
      if (i === s.length - 1 || (!isDigit(next) && next !== '+' && next !== '-')) {
        cut = i;
        break;
      }
      if (next === '+' || next === '-') i++;
      let end = i + 1;
      while (end < s.length && isDigit(s[end])) end++;
      if (end - (i + 1) > MAX_EXPONENT_DIGITS) return undefined;
    }
  }
  if (cut === -1) return [s, ''];
  if (cut === 0) return ['', s];
  return [s.slice(0, cut), s.slice(cut)];
}

/** Parses a decimal literal the way Go's big.Rat.SetString does (sign, digits, point, exponent). */
export function parseRat(s: string): Rat | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const frac = m[3] ?? '';
  let n = BigInt((m[2] || '0') + frac);
  let d = 10n ** BigInt(frac.length);
  const e = Number(m[4] ?? '0');
  if (e > 0) n *= 10n ** BigInt(e);
  else if (e < 0) d *= 10n ** BigInt(-e);
  if (m[1] === '-') n = -n;
  return { n, d };
}

/** The exact rational value of a double (what big.Rat.SetFloat64 gives). */
function ratOfDouble(x: number): Rat {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const bits = buf.getBigUint64(0);
  const exp = Number((bits >> 52n) & 0x7ffn);
  const mant = (bits & 0xfffffffffffffn) | (exp === 0 ? 0n : 1n << 52n);
  const e = (exp === 0 ? 1 : exp) - 1075;
  return e >= 0 ? { n: mant << BigInt(e), d: 1n } : { n: mant, d: 1n << BigInt(-e) };
}

/** n/d rounded to `places` decimals, halves away from zero (big.Rat.FloatString). */
function floatString(r: Rat, places: number): string {
  const neg = r.n < 0n;
  const a = neg ? -r.n : r.n;
  const scale = 10n ** BigInt(places);
  let q = (a * scale) / r.d;
  const rem = (a * scale) % r.d;
  if (rem * 2n >= r.d) q += 1n;
  const digits = q.toString().padStart(places + 1, '0');
  const out = `${digits.slice(0, digits.length - places)}.${digits.slice(digits.length - places)}`;
  return neg ? `-${out}` : out;
}

const K = 1000n;
const SI: Record<string, bigint> = { '': 1n, k: K, K, M: K ** 2n, g: K ** 3n, G: K ** 3n, t: K ** 4n, T: K ** 4n, p: K ** 5n, P: K ** 5n, e: K ** 6n, E: K ** 6n };
const BIN: Record<string, bigint> = { ki: 1n << 10n, mi: 1n << 20n, gi: 1n << 30n, ti: 1n << 40n, pi: 1n << 50n, ei: 1n << 60n };

function parseUnits(args: readonly Value[]): Value {
  const fail = (msg: string) => builtinError(`units.parse: ${msg}`);
  const s = str(args, 1).replaceAll('"', '');
  if (s.includes(' ')) throw fail('spaces not allowed in resource strings');
  const split = splitNumberUnit(s);
  if (!split) throw fail('exponent too large');
  const [amount, rawUnit] = split;
  if (amount === '') throw fail('no amount provided');
  // Only the letters after the first are lowercased, so that 'm' (milli) and 'M' (mega) differ.
  const unit = rawUnit.length > 1 ? rawUnit[0]! + rawUnit.slice(1).toLowerCase() : rawUnit;
  let mult: Rat;
  if (unit === 'm') mult = ratOfDouble(0.001);
  else if (unit in SI) mult = { n: SI[unit]!, d: 1n };
  else if (unit.toLowerCase() in BIN && unit.length === 2) mult = { n: BIN[unit.toLowerCase()]!, d: 1n };
  else throw fail(`unit ${unit} not recognized`);
  const r = parseRat(amount);
  if (!r) throw fail('could not parse amount to a number');
  const n = r.n * mult.n;
  const d = r.d * mult.d;
  if (n % d === 0n) return num(n / d);
  return Number(floatString({ n, d }, 10));
}

const BYTES: Record<string, bigint> = {
  '': 1n,
  kb: K, k: K, kib: 1n << 10n, ki: 1n << 10n,
  mb: K ** 2n, m: K ** 2n, mib: 1n << 20n, mi: 1n << 20n,
  gb: K ** 3n, g: K ** 3n, gib: 1n << 30n, gi: 1n << 30n,
  tb: K ** 4n, t: K ** 4n, tib: 1n << 40n, ti: 1n << 40n,
  pb: K ** 5n, p: K ** 5n, pib: 1n << 50n, pi: 1n << 50n,
  eb: K ** 6n, e: K ** 6n, eib: 1n << 60n, ei: 1n << 60n,
};

function parseBytes(args: readonly Value[]): Value {
  const fail = (msg: string) => builtinError(`units.parse_bytes: ${msg}`);
  const s = str(args, 1).toLowerCase().replaceAll('"', '');
  if (s.includes(' ')) throw fail('spaces not allowed in resource strings');
  const split = splitNumberUnit(s);
  if (!split) throw fail('exponent too large');
  const [amount, unit] = split;
  if (amount === '') throw fail('no byte amount provided');
  const mult = Object.hasOwn(BYTES, unit) ? BYTES[unit]! : undefined;
  if (mult === undefined) throw fail(`byte unit ${unit} not recognized`);
  const r = parseRat(amount);
  if (!r) throw fail('could not parse byte amount to a number');
  // big.Float.Int truncates toward zero, as BigInt division does.
  return num((r.n * mult) / r.d);
}

/** Registers units.parse and units.parse_bytes. */
export function register(table: BuiltinTable): void {
  declare(
    table,
    { name: 'units.parse', category: 'units', args: [T.string], result: T.number, impl: parseUnits },
    { name: 'units.parse_bytes', category: 'units', args: [T.string], result: T.number, impl: parseBytes },
  );
}
