// Exact decimal numbers for the rare literals a double cannot hold faithfully. OPA keeps number
// literals as text and compares them exactly, so 1e-400 is greater than 0 and
// 0.1234567890123456789 is greater than 0.1234567890123456788, where both pairs collapse to one
// double. Ordinary numbers stay doubles (or bigints for large integers); only literals whose
// double would denote a different decimal become an ExactDecimal, so the fast paths never see one.

/** A non-integral (or astronomically large) number exactly: coef × 10^exp, coef without trailing zeros. */
export class ExactDecimal {
  readonly coef: bigint;
  readonly exp: number;

  constructor(coef: bigint, exp: number) {
    // Normalise so that each number has one representation (keys and equality rely on it).
    while (coef !== 0n && coef % 10n === 0n) {
      coef /= 10n;
      exp++;
    }
    this.coef = coef;
    this.exp = coef === 0n ? 0 : exp;
  }

  /** The nearest double (0 or ±Infinity outside the double range). */
  toNumber(): number {
    return Number(this.toString());
  }

  /** Code that only knows doubles (arithmetic, relational operators) sees the nearest one. */
  valueOf(): number {
    return this.toNumber();
  }

  /** Decimal text: plain digits when short, else scientific notation as Go prints big numbers. */
  toString(): string {
    const neg = this.coef < 0n;
    const digits = (neg ? -this.coef : this.coef).toString();
    const point = digits.length + this.exp; // position of the decimal point within the digits
    let s: string;
    if (this.exp >= 0 && point <= 21) s = digits + '0'.repeat(this.exp);
    else if (point > 0 && point <= 21) s = `${digits.slice(0, point)}.${digits.slice(point)}`;
    else if (point <= 0 && point > -6) s = `0.${'0'.repeat(-point)}${digits}`;
    else {
      const e = point - 1;
      s = `${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
    }
    return neg ? `-${s}` : s;
  }
}

/** The decimal a finite double or bigint denotes in Rego (its shortest round-trip text), exactly. */
function decimalOf(x: number | bigint | ExactDecimal): ExactDecimal | undefined {
  if (x instanceof ExactDecimal) return x;
  if (typeof x === 'bigint') return new ExactDecimal(x, 0);
  if (!Number.isFinite(x)) return undefined;
  return parseDecimalText(String(x));
}

/** Parses number text into an exact decimal; undefined if it is not a number literal. */
export function parseDecimalText(text: string): ExactDecimal | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m || (m[2] ?? '') + (m[3] ?? '') === '') return undefined;
  const frac = m[3] ?? '';
  const coef = BigInt((m[2] ?? '') + frac || '0');
  const exp = Number(m[4] ?? '0') - frac.length;
  if (!Number.isSafeInteger(exp)) return undefined;
  return new ExactDecimal(m[1] === '-' ? -coef : coef, exp);
}

/**
 * The exact value of a non-integral number literal when its double would change it (more digits
 * than a double carries, or beyond its exponent range); undefined when the double is faithful.
 */
export function exactIfLossy(text: string, double: number): ExactDecimal | undefined {
  // Up to 15 significant digits within the normal exponent range always survive a double.
  const mantissa = text.replace(/[eE].*$/, '').replace(/[-+.]/g, '').replace(/^0+/, '');
  const expPart = /[eE]([+-]?\d+)$/.exec(text)?.[1];
  if (mantissa.length <= 15 && Math.abs(Number(expPart ?? '0')) < 290) return undefined;
  const exact = parseDecimalText(text);
  if (exact === undefined || exact.coef === 0n) return undefined;
  const approx = decimalOf(double);
  if (approx !== undefined && approx.coef === exact.coef && approx.exp === exact.exp) return undefined;
  return exact;
}

/** Orders two numbers of which at least one may be an ExactDecimal. */
export function compareExact(a: number | bigint | ExactDecimal, b: number | bigint | ExactDecimal): number {
  const x = decimalOf(a);
  const y = decimalOf(b);
  if (x === undefined || y === undefined) {
    // ±Infinity only arises from overflowing doubles: order them by sign against everything finite.
    const fa = x === undefined ? (a as number) : x.toNumber();
    const fb = y === undefined ? (b as number) : y.toNumber();
    return fa < fb ? -1 : fa > fb ? 1 : 0;
  }
  const sx = x.coef < 0n ? -1 : x.coef > 0n ? 1 : 0;
  const sy = y.coef < 0n ? -1 : y.coef > 0n ? 1 : 0;
  if (sx !== sy) return sx < sy ? -1 : 1;
  if (sx === 0) return 0;
  // Same sign: the number with more digits before the point is larger in magnitude.
  const px = digitCount(x.coef) + x.exp;
  const py = digitCount(y.coef) + y.exp;
  if (px !== py) return (px > py ? 1 : -1) * sx;
  // Same magnitude: align exponents (the shift is bounded by the digits) and compare coefficients.
  const e = Math.min(x.exp, y.exp);
  const cx = x.coef * 10n ** BigInt(x.exp - e);
  const cy = y.coef * 10n ** BigInt(y.exp - e);
  return cx < cy ? -1 : cx > cy ? 1 : 0;
}

function digitCount(c: bigint): number {
  return (c < 0n ? -c : c).toString().length;
}
