// Binary floating point with a chosen mantissa width, rounding to nearest even: the part of Go's
// math/big.Float that OPA's arithmetic relies on. OPA parses number text into 64-bit-mantissa
// floats, computes there, and prints the shortest decimal that identifies the result at that
// precision, so 0.1 + 0.2 is 0.3 in OPA where IEEE doubles give 0.30000000000000004. Emulating
// that, rather than computing in doubles, is what makes float results agree with OPA's.
import { ExactDecimal } from '../decimal.ts';

/** A finite binary float: (-1)^neg × m × 2^e, m ≥ 0, m < 2^prec. */
export interface BigFloat {
  readonly neg: boolean;
  readonly m: bigint;
  readonly e: number;
  readonly prec: number;
}

/** Go's default precision for floats parsed from text (big.Float.SetString on a zero Float). */
export const DEFAULT_PREC = 64;

/** Bit length of a non-negative bigint. */
export function bitLen(m: bigint): number {
  if (m === 0n) return 0;
  const hex = m.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0]!, 16)));
}

/** Rounds m × 2^e to prec bits, half to even; `sticky` marks a nonzero tail already cut from m. */
function rounded(neg: boolean, m: bigint, e: number, prec: number, sticky = false): BigFloat {
  const n = bitLen(m);
  // Callers leave at least two bits below the kept ones when there is a sticky tail, so a short m is exact.
  if (n <= prec) return { neg, m, e, prec };
  const shift = n - prec;
  const s = BigInt(shift);
  let q = m >> s;
  const rem = m & ((1n << s) - 1n);
  const half = 1n << (s - 1n);
  if (rem > half || (rem === half && (sticky || (q & 1n) === 1n))) q += 1n;
  let exp = e + shift;
  if (bitLen(q) > prec) {
    q >>= 1n;
    exp += 1;
  }
  return { neg, m: q, e: exp, prec };
}

const TEN = 10n;

const pow5Cache: bigint[] = [1n];
const pow10Cache: bigint[] = [1n];

function pow(cache: bigint[], base: bigint, k: number): bigint {
  if (k > 2000) return base ** BigInt(k);
  for (let i = cache.length; i <= k; i++) cache.push(cache[i - 1]! * base);
  return cache[k]!;
}

const pow5 = (k: number): bigint => pow(pow5Cache, 5n, k);
const pow10 = (k: number): bigint => pow(pow10Cache, TEN, k);

/** Parses decimal number text (as in JSON or Rego: sign, digits, fraction, exponent). */
export function parseDecimal(text: string, prec = DEFAULT_PREC): BigFloat {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) throw new Error(`not a decimal number: ${text}`);
  const neg = match[1] === '-';
  const frac = match[3] ?? '';
  const digits = BigInt((match[2] ?? '') + frac || '0');
  const exp10 = Number(match[4] ?? '0') - frac.length;
  if (digits === 0n) return { neg, m: 0n, e: 0, prec };
  if (exp10 >= 0) return rounded(neg, digits * pow10(exp10), 0, prec);
  const den = pow10(-exp10);
  const k = Math.max(0, prec + 2 + bitLen(den) - bitLen(digits));
  const num = digits << BigInt(k);
  return rounded(neg, num / den, -k, prec, num % den !== 0n);
}

// Policies reuse a handful of fractional constants; parsing their text is the costly part.
const parsed = new Map<number, BigFloat>();

/** A Rego number as OPA holds it: integers exactly, fractions from their (shortest) decimal text. */
export function fromNumber(x: number | bigint | ExactDecimal, prec = DEFAULT_PREC): BigFloat {
  if (typeof x === 'bigint') return rounded(x < 0n, x < 0n ? -x : x, 0, prec);
  if (x instanceof ExactDecimal) return parseDecimal(x.toString(), prec);
  if (Number.isInteger(x)) return rounded(x < 0 || Object.is(x, -0), BigInt(Math.abs(x)), 0, prec);
  if (prec !== DEFAULT_PREC) return parseDecimal(String(x), prec);
  let f = parsed.get(x);
  if (f === undefined) {
    f = parseDecimal(String(x), prec);
    if (parsed.size >= 4096) parsed.clear();
    parsed.set(x, f);
  }
  return f;
}

/** An exact integer as a float of at least prec bits (Go's SetInt on a zero Float). */
export function fromInt(i: bigint): BigFloat {
  const neg = i < 0n;
  const m = neg ? -i : i;
  return { neg, m, e: 0, prec: Math.max(DEFAULT_PREC, bitLen(m)) };
}

function signed(x: BigFloat): bigint {
  return x.neg ? -x.m : x.m;
}

/** x + y at precision prec. */
export function add(x: BigFloat, y: BigFloat, prec = Math.max(x.prec, y.prec)): BigFloat {
  if (x.m === 0n && y.m === 0n) return { neg: x.neg && y.neg, m: 0n, e: 0, prec };
  const e = Math.min(x.e, y.e);
  const sum = (signed(x) << BigInt(x.e - e)) + (signed(y) << BigInt(y.e - e));
  return rounded(sum < 0n, sum < 0n ? -sum : sum, e, prec);
}

/** x − y at precision prec. */
export function sub(x: BigFloat, y: BigFloat, prec = Math.max(x.prec, y.prec)): BigFloat {
  return add(x, { ...y, neg: !y.neg }, prec);
}

/** x × y at precision prec. */
export function mul(x: BigFloat, y: BigFloat, prec = Math.max(x.prec, y.prec)): BigFloat {
  return rounded(x.neg !== y.neg, x.m * y.m, x.e + y.e, prec);
}

/** x ÷ y at precision prec; y must not be zero. */
export function quo(x: BigFloat, y: BigFloat, prec = Math.max(x.prec, y.prec)): BigFloat {
  const neg = x.neg !== y.neg;
  if (x.m === 0n) return { neg, m: 0n, e: 0, prec };
  const k = Math.max(0, prec + 2 + bitLen(y.m) - bitLen(x.m));
  const num = x.m << BigInt(k);
  return rounded(neg, num / y.m, x.e - y.e - k, prec, num % y.m !== 0n);
}

export function isZero(x: BigFloat): boolean {
  return x.m === 0n;
}

/** True when x has no fractional part. */
export function isInt(x: BigFloat): boolean {
  return x.e >= 0 || (x.m & ((1n << BigInt(-x.e)) - 1n)) === 0n;
}

/** x truncated towards zero (Go's Float.Int). */
export function trunc(x: BigFloat): bigint {
  const mag = x.e >= 0 ? x.m << BigInt(x.e) : x.m >> BigInt(-x.e);
  return x.neg ? -mag : mag;
}

/** Three-way comparison of values (−0 equals +0). */
export function cmp(x: BigFloat, y: BigFloat): number {
  const d = sub(x, y, Math.max(x.prec, y.prec, bitLen(x.m) + bitLen(y.m) + Math.abs(x.e - y.e) + 2));
  return d.m === 0n ? 0 : d.neg ? -1 : 1;
}

/** |x|. */
export function abs(x: BigFloat): BigFloat {
  return { ...x, neg: false };
}

// ---------------------------------------------------------------------------------------------
// Shortest decimal output (Go's Float.Text with precision −1)

/** A decimal digit string d1d2…dn with the point after `dp` digits; no trailing zeros. */
export interface Decimal {
  digits: string;
  dp: number;
}

export function exactDecimal(m: bigint, e: number): Decimal {
  return e >= 0 ? scaledDecimal(m << BigInt(e), 0) : scaledDecimal(m * pow5(-e), e);
}

/** The decimal n × 10^e (n ≥ 0), trailing zeros trimmed. */
function scaledDecimal(n: bigint, e: number): Decimal {
  const s = n.toString();
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 48) end--;
  return end === 0 ? { digits: '', dp: 0 } : { digits: s.slice(0, end), dp: s.length + e };
}

function digitAt(d: Decimal, i: number): number {
  return i < d.digits.length ? d.digits.charCodeAt(i) - 48 : 0;
}

function roundUp(d: Decimal, n: number): Decimal {
  let i = n;
  while (i > 0 && d.digits[i - 1] === '9') i--;
  if (i === 0) return { digits: '1', dp: d.dp + 1 };
  return { digits: d.digits.slice(0, i - 1) + String.fromCharCode(d.digits.charCodeAt(i - 1) + 1), dp: d.dp };
}

function roundDown(d: Decimal, n: number): Decimal {
  return { digits: d.digits.slice(0, n).replace(/0+$/, ''), dp: d.dp };
}

export function roundNearest(d: Decimal, n: number): Decimal {
  if (n >= d.digits.length) return d;
  const c = d.digits[n]!;
  const up = c === '5' && n + 1 === d.digits.length ? n > 0 && (d.digits.charCodeAt(n - 1) - 48) % 2 === 1 : c >= '5';
  return up ? roundUp(d, n) : roundDown(d, n);
}

/** The fewest decimal digits that identify x among floats of x's precision (Go's roundShortest). */
export function shortestDecimal(x: BigFloat): Decimal {
  if (x.m === 0n) return { digits: '', dp: 0 };
  // Scale the mantissa to prec+1 bits, so that one unit is half an ulp.
  const s = bitLen(x.m) - (x.prec + 1);
  const mant = s < 0 ? x.m << BigInt(-s) : x.m >> BigInt(s);
  const exp = x.e + s;
  // mant×2^exp and its neighbours one unit either side, as exact decimals.
  const [n, unit, e10] = exp >= 0 ? [mant << BigInt(exp), 1n << BigInt(exp), 0] : [mant * pow5(-exp), pow5(-exp), exp];
  const d = scaledDecimal(n, e10);
  const lower = scaledDecimal(n - unit, e10);
  const upper = scaledDecimal(n + unit, e10);
  const inclusive = (mant & 2n) === 0n;
  // Like Go's math/big, digits are compared by index without aligning decimal points.
  for (let i = 0; i < d.digits.length; i++) {
    const l = digitAt(lower, i);
    const c = digitAt(d, i);
    const u = digitAt(upper, i);
    const okDown = l !== c || (inclusive && i + 1 === lower.digits.length);
    const okUp = c !== u && (inclusive || c + 1 < u || i + 1 < upper.digits.length);
    if (okDown && okUp) return roundNearest(d, i + 1);
    if (okDown) return roundDown(d, i + 1);
    if (okUp) return roundUp(d, i + 1);
  }
  return d;
}

/**
 * The Rego number OPA produces from a float result (builtins.FloatToNumber): integral values
 * print in full ('f' format, so they become integers), others as their shortest decimal.
 */
export function toNumber(x: BigFloat): number | bigint {
  const d = shortestDecimal(x);
  if (d.digits === '') return x.neg ? -0 : 0;
  const sign = x.neg ? '-' : '';
  if (isInt(x)) {
    const zeros = d.dp - d.digits.length;
    const i = BigInt(d.digits) * TEN ** BigInt(Math.max(0, zeros));
    const v = x.neg ? -i : i;
    return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
  }
  return Number(`${sign}0.${d.digits}e${d.dp}`);
}
