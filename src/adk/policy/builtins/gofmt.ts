// Go's fmt.Sprintf for the argument types OPA's sprintf passes to it: int, *big.Int, float64 and
// string. Verbs, flags, widths, precisions, argument indexes and Go's in-band error notes
// (%!d(string=x), %!v(MISSING), %!(EXTRA …), %!(NOVERB), …) all follow the fmt package.
import { exactDecimal, roundNearest, type Decimal } from './bigfloat.ts';
import { runeCount } from './args.ts';

/** A Go value as OPA's sprintf builds it from a Rego value. */
export type GoArg =
  | { readonly kind: 'int'; readonly v: number | bigint }
  | { readonly kind: 'bigint'; readonly v: bigint }
  | { readonly kind: 'float'; readonly v: number }
  | { readonly kind: 'string'; readonly v: string };

const TYPE_NAMES = { int: 'int', bigint: '*big.Int', float: 'float64', string: 'string' } as const;

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  plusV: boolean;
  sharpV: boolean;
  wid: number;
  widPresent: boolean;
  prec: number;
  precPresent: boolean;
}

function freshFlags(): Flags {
  return { plus: false, minus: false, sharp: false, space: false, zero: false, plusV: false, sharpV: false, wid: 0, widPresent: false, prec: 0, precPresent: false };
}

function clearFlags(f: Flags): void {
  f.plus = f.minus = f.sharp = f.space = f.zero = f.plusV = f.sharpV = f.widPresent = f.precPresent = false;
  f.wid = f.prec = 0;
}

/** One Sprintf call's output buffer and current flags. */
class Printer {
  out = '';
  f: Flags = freshFlags();

  padding(n: number): void {
    if (n > 0) this.out += (this.f.zero && !this.f.minus ? '0' : ' ').repeat(n);
  }

  pad(s: string): void {
    if (!this.f.widPresent || this.f.wid === 0) {
      this.out += s;
      return;
    }
    const width = this.f.wid - runeCount(s);
    if (!this.f.minus) {
      this.padding(width);
      this.out += s;
    } else {
      this.out += s;
      this.padding(width);
    }
  }

  /** pad with the zero flag ignored (Go clears it for numbers whose zeros are already placed). */
  padSpaces(s: string): void {
    const zero = this.f.zero;
    this.f.zero = false;
    this.pad(s);
    this.f.zero = zero;
  }

  badVerb(verb: string, arg: GoArg): void {
    this.out += `%!${verb}(${TYPE_NAMES[arg.kind]}=`;
    this.printArg(arg, 'v');
    this.out += ')';
  }

  printArg(arg: GoArg, verb: string): void {
    if (verb === 'T') {
      this.pad(TYPE_NAMES[arg.kind]);
      return;
    }
    if (verb === 'p') {
      this.badVerb(verb, arg);
      return;
    }
    switch (arg.kind) {
      case 'int':
        this.fmtInt(arg, verb);
        return;
      case 'bigint':
        this.fmtBigInt(arg.v, verb);
        return;
      case 'float':
        this.fmtFloatVerb(arg, verb);
        return;
      default:
        this.fmtString(arg, verb);
    }
  }

  // -- integers ---------------------------------------------------------------------------

  fmtInt(arg: GoArg & { kind: 'int' }, verb: string): void {
    switch (verb) {
      case 'v':
      case 'd':
        return this.fmtInteger(arg.v, 10, verb, false);
      case 'b':
        return this.fmtInteger(arg.v, 2, verb, false);
      case 'o':
      case 'O':
        return this.fmtInteger(arg.v, 8, verb, false);
      case 'x':
        return this.fmtInteger(arg.v, 16, verb, false);
      case 'X':
        return this.fmtInteger(arg.v, 16, verb, true);
      case 'c':
        return this.pad(String.fromCodePoint(toRune(arg.v)));
      case 'q':
        return this.pad(quoteRune(toRune(arg.v), this.f.plus));
      case 'U':
        return this.fmtUnicode(arg.v);
      default:
        return this.badVerb(verb, arg);
    }
  }

  fmtInteger(v: number | bigint, base: number, verb: string, upper: boolean): void {
    const f = this.f;
    const negative = v < 0;
    let digits = typeof v === 'number' ? Math.abs(v).toString(base) : (negative ? -v : v).toString(base);
    if (upper) digits = digits.toUpperCase();
    let prec = 0;
    if (f.precPresent) {
      prec = f.prec;
      if (prec === 0 && (v === 0 || v === 0n)) {
        const zero = f.zero;
        f.zero = false;
        this.padding(f.wid);
        f.zero = zero;
        return;
      }
    } else if (f.zero && !f.minus && f.widPresent) {
      prec = f.wid;
      if (negative || f.plus || f.space) prec--;
    }
    if (digits.length < prec) digits = '0'.repeat(prec - digits.length) + digits;
    if (f.sharp) {
      if (base === 2) digits = `0b${digits}`;
      else if (base === 8 && digits[0] !== '0') digits = `0${digits}`;
      else if (base === 16) digits = (upper ? '0X' : '0x') + digits;
    }
    if (verb === 'O') digits = `0o${digits}`;
    if (negative) digits = `-${digits}`;
    else if (f.plus) digits = `+${digits}`;
    else if (f.space) digits = ` ${digits}`;
    this.padSpaces(digits);
  }

  fmtUnicode(v: number | bigint): void {
    const u = v < 0 ? BigInt(v) + 2n ** 64n : BigInt(v);
    let hex = u.toString(16).toUpperCase();
    const prec = this.f.precPresent && this.f.prec > 4 ? this.f.prec : 4;
    if (hex.length < prec) hex = '0'.repeat(prec - hex.length) + hex;
    let s = `U+${hex}`;
    if (this.f.sharp && u >= 0n && u <= 0x10ffffn && isPrint(Number(u))) s += ` '${String.fromCodePoint(Number(u))}'`;
    this.padSpaces(s);
  }

  /** *big.Int's own Format method. */
  fmtBigInt(v: bigint, verb: string): void {
    const f = this.f;
    const base = verb === 'b' ? 2 : verb === 'o' || verb === 'O' ? 8 : verb === 'd' || verb === 's' || verb === 'v' ? 10 : verb === 'x' || verb === 'X' ? 16 : 0;
    if (base === 0) {
      this.out += `%!${verb}(big.Int=${v})`;
      return;
    }
    const sign = v < 0n ? '-' : f.plus || f.plusV ? '+' : f.space ? ' ' : '';
    let prefix = '';
    if (f.sharp || f.sharpV) prefix = verb === 'b' ? '0b' : verb === 'o' ? '0' : verb === 'x' ? '0x' : verb === 'X' ? '0X' : '';
    if (verb === 'O') prefix = '0o';
    let digits = (v < 0n ? -v : v).toString(base);
    if (verb === 'X') digits = digits.toUpperCase();
    let zeros = 0;
    if (f.precPresent) {
      if (digits.length < f.prec) zeros = f.prec - digits.length;
      else if (digits === '0' && f.prec === 0) return;
    }
    const length = sign.length + prefix.length + zeros + digits.length;
    let left = 0;
    let right = 0;
    if (f.widPresent && length < f.wid) {
      const d = f.wid - length;
      if (f.minus) right = d;
      else if (f.zero && !f.precPresent) zeros = d;
      else left = d;
    }
    this.out += ' '.repeat(left) + sign + prefix + '0'.repeat(zeros) + digits + ' '.repeat(right);
  }

  // -- floats ---------------------------------------------------------------------------

  fmtFloatVerb(arg: GoArg & { kind: 'float' }, verb: string): void {
    switch (verb) {
      case 'v':
        return this.fmtFloat(arg.v, 'g', -1);
      case 'b':
      case 'g':
      case 'G':
      case 'x':
      case 'X':
        return this.fmtFloat(arg.v, verb, -1);
      case 'f':
      case 'e':
      case 'E':
      case 'F':
        return this.fmtFloat(arg.v, verb, 6);
      default:
        return this.badVerb(verb, arg);
    }
  }

  fmtFloat(v: number, verb: string, defaultPrec: number): void {
    const f = this.f;
    const prec = f.precPresent ? f.prec : defaultPrec;
    let num = formatFloat(v, verb, prec);
    num = num[0] === '-' || num[0] === '+' ? num : `+${num}`;
    if (f.space && num[0] === '+' && !f.plus) num = ` ${num.slice(1)}`;
    if (f.sharp && verb !== 'b') num = sharpFloat(num, verb, prec);
    if (f.plus || num[0] !== '+') {
      if (f.zero && !f.minus && f.widPresent && f.wid > num.length) {
        this.out += num[0];
        this.padding(f.wid - num.length);
        this.out += num.slice(1);
        return;
      }
      this.pad(num);
      return;
    }
    this.pad(num.slice(1));
  }

  // -- strings ---------------------------------------------------------------------------

  fmtString(arg: GoArg & { kind: 'string' }, verb: string): void {
    switch (verb) {
      case 'v':
        return this.f.sharpV ? this.fmtQ(arg.v) : this.pad(this.truncate(arg.v));
      case 's':
        return this.pad(this.truncate(arg.v));
      case 'x':
        return this.fmtSx(arg.v, false);
      case 'X':
        return this.fmtSx(arg.v, true);
      case 'q':
        return this.fmtQ(arg.v);
      default:
        return this.badVerb(verb, arg);
    }
  }

  truncate(s: string): string {
    if (!this.f.precPresent) return s;
    const cps = [...s];
    return cps.length > this.f.prec ? cps.slice(0, this.f.prec).join('') : s;
  }

  fmtQ(s: string): void {
    const t = this.truncate(s);
    if (this.f.sharp && canBackquote(t)) this.pad(`\`${t}\``);
    else this.pad(goQuote(t, this.f.plus));
  }

  fmtSx(s: string, upper: boolean): void {
    const f = this.f;
    let bytes = new TextEncoder().encode(s);
    if (f.precPresent && f.prec < bytes.length) bytes = bytes.subarray(0, f.prec);
    const n = bytes.length;
    if (n === 0) {
      if (f.widPresent) this.padding(f.wid);
      return;
    }
    let width = 2 * n;
    if (f.space) width = (f.sharp ? width * 2 : width) + n - 1;
    else if (f.sharp) width += 2;
    if (f.widPresent && f.wid > width && !f.minus) this.padding(f.wid - width);
    const x = upper ? '0X' : '0x';
    let out = f.sharp ? x : '';
    for (let i = 0; i < n; i++) {
      if (f.space && i > 0) out += f.sharp ? ` ${x}` : ' ';
      const h = bytes[i]!.toString(16).padStart(2, '0');
      out += upper ? h.toUpperCase() : h;
    }
    this.out += out;
    if (f.widPresent && f.wid > width && f.minus) this.padding(f.wid - width);
  }
}

function toRune(v: number | bigint): number {
  return v < 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff) ? 0xfffd : Number(v);
}

// ---------------------------------------------------------------------------------------------
// strconv: float formatting and quoting

/** The decimal digits of a finite double, exactly. */
function exactDigits(v: number): Decimal {
  if (v === 0) return { digits: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(v));
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  const frac = bits & ((1n << 52n) - 1n);
  const m = biased === 0 ? frac : frac | (1n << 52n);
  const e = (biased === 0 ? 1 : biased) - 1075;
  return exactDecimal(m, e);
}

function shortestDigits(v: number): Decimal {
  if (v === 0) return { digits: '', dp: 0 };
  const [mant, exp] = Math.abs(v).toExponential().split('e') as [string, string];
  return { digits: mant.replace('.', '').replace(/0+$/, ''), dp: Number(exp) + 1 };
}

function roundTo(d: Decimal, n: number): Decimal {
  return n < 0 ? d : roundNearest(d, n);
}

function fmtE(d: Decimal, prec: number, e: string): string {
  let s = d.digits[0] ?? '0';
  if (prec > 0) s += `.${d.digits.slice(1, prec + 1).padEnd(prec, '0')}`;
  const exp = d.digits === '' ? 0 : d.dp - 1;
  const mag = String(Math.abs(exp));
  return `${s}${e}${exp < 0 ? '-' : '+'}${mag.length < 2 ? `0${mag}` : mag}`;
}

function fmtF(d: Decimal, prec: number): string {
  let s = d.dp > 0 ? d.digits.slice(0, d.dp).padEnd(d.dp, '0') : '0';
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) {
      const j = d.dp + i - 1;
      s += j >= 0 && j < d.digits.length ? d.digits[j] : '0';
    }
  }
  return s;
}

/** strconv.FormatFloat(v, verb, prec, 64). */
export function formatFloat(v: number, verb: string, prec: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const neg = v < 0 || Object.is(v, -0) ? '-' : '';
  if ((verb === 'f' || verb === 'F') && prec >= 0 && prec <= 20 && Math.abs(v) < 1e21 && !isTie(v, prec)) {
    // toFixed rounds the exact binary value too; it differs from Go only on exact ties.
    return neg + Math.abs(v).toFixed(prec);
  }
  if (verb === 'b' || verb === 'x' || verb === 'X') return neg + binaryFloat(Math.abs(v), verb, prec);
  const shortest = prec < 0;
  let d: Decimal;
  let p = prec;
  if (shortest) {
    d = shortestDigits(v);
    p = verb === 'e' || verb === 'E' ? Math.max(d.digits.length - 1, 0) : verb === 'f' || verb === 'F' ? Math.max(d.digits.length - d.dp, 0) : d.digits.length;
  } else if (verb === 'f' || verb === 'F') {
    d = roundTo(exactDigits(v), exactDigits(v).dp + prec);
  } else {
    if ((verb === 'g' || verb === 'G') && p === 0) p = 1;
    d = roundTo(exactDigits(v), verb === 'e' || verb === 'E' ? p + 1 : p);
  }
  switch (verb) {
    case 'e':
    case 'E':
      return neg + fmtE(d, p, verb);
    case 'f':
    case 'F':
      return neg + fmtF(d, p);
    default: {
      let eprec = p;
      if (eprec > d.digits.length && d.digits.length >= d.dp) eprec = d.digits.length;
      if (shortest) eprec = 6;
      const exp = d.dp - 1;
      if (exp < -4 || exp >= eprec) return neg + fmtE(d, Math.min(p, d.digits.length) - 1, verb === 'G' ? 'E' : 'e');
      return neg + fmtF(d, Math.max((p > d.dp ? d.digits.length : p) - d.dp, 0));
    }
  }
}

/** True when v lies exactly halfway between two decimals with prec fraction digits (or might). */
function isTie(v: number, prec: number): boolean {
  const t = Math.abs(v) * 2 * 10 ** prec;
  return t >= 2 ** 53 || (Number.isInteger(t) && t % 2 === 1);
}

/** %b (mantissa p exponent) and %x/%X (hexadecimal mantissa) of a non-negative double. */
function binaryFloat(v: number, verb: string, prec: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const bits = view.getBigUint64(0);
  let exp = Number(bits >> 52n);
  let mant = bits & ((1n << 52n) - 1n);
  if (exp === 0) exp++;
  else mant |= 1n << 52n;
  exp -= 1023;
  if (verb === 'b') {
    const e = exp - 52;
    return `${mant}p${e < 0 ? '-' : '+'}${Math.abs(e)}`;
  }
  if (mant === 0n) exp = 0;
  mant <<= 8n;
  while (mant !== 0n && (mant & (1n << 60n)) === 0n) {
    mant <<= 1n;
    exp--;
  }
  if (prec >= 0 && prec < 15) {
    const shift = BigInt(prec * 4);
    const extra = (mant << shift) & ((1n << 60n) - 1n);
    mant >>= 60n - shift;
    if ((extra | (mant & 1n)) > 1n << 59n) mant++;
    mant <<= 60n - shift;
    if ((mant & (1n << 61n)) !== 0n) {
      mant >>= 1n;
      exp++;
    }
  }
  const hex = (n: bigint): string => (verb === 'X' ? n.toString(16).toUpperCase() : n.toString(16));
  let s = `0${verb}${(mant >> 60n) & 1n}`;
  mant = (mant << 4n) & ((1n << 64n) - 1n);
  if (prec < 0 && mant !== 0n) {
    s += '.';
    while (mant !== 0n) {
      s += hex((mant >> 60n) & 15n);
      mant = (mant << 4n) & ((1n << 64n) - 1n);
    }
  } else if (prec > 0) {
    s += '.';
    for (let i = 0; i < prec; i++) {
      s += hex((mant >> 60n) & 15n);
      mant = (mant << 4n) & ((1n << 64n) - 1n);
    }
  }
  const mag = String(Math.abs(exp));
  return `${s}${verb === 'X' ? 'P' : 'p'}${exp < 0 ? '-' : '+'}${mag.padStart(2, '0')}`;
}

/** fmt's '#' flag on floats: keep the decimal point and the trailing zeros %g would drop. */
function sharpFloat(num: string, verb: string, prec: number): string {
  let digits = verb === 'v' || verb === 'g' || verb === 'G' || verb === 'x' ? (prec === -1 ? 6 : prec) : 0;
  let body = num;
  let tail = '';
  let hasPoint = false;
  let sawNonzero = false;
  for (let i = 1; i < body.length; i++) {
    const c = body[i]!;
    if (c === '.') hasPoint = true;
    else if (c === 'p' || c === 'P' || ((c === 'e' || c === 'E') && verb !== 'x' && verb !== 'X')) {
      tail = body.slice(i);
      body = body.slice(0, i);
      break;
    } else {
      if (c !== '0') sawNonzero = true;
      if (sawNonzero) digits--;
    }
  }
  if (!hasPoint) {
    if (body.length === 2 && body[1] === '0') digits--;
    body += '.';
  }
  if (digits > 0) body += '0'.repeat(digits);
  return body + tail;
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

function isPrint(cp: number): boolean {
  // Values below int64's range wrap to negatives above; neither is a code point.
  return Number.isInteger(cp) && cp >= 0 && cp <= 0x10ffff && PRINTABLE.test(String.fromCodePoint(cp));
}

function escapeRune(cp: number, quote: string, ascii: boolean): string {
  const ch = String.fromCodePoint(cp);
  if (ch === quote || ch === '\\') return `\\${ch}`;
  if (ascii ? cp < 0x80 && isPrint(cp) : isPrint(cp)) return ch;
  switch (cp) {
    case 7:
      return '\\a';
    case 8:
      return '\\b';
    case 12:
      return '\\f';
    case 10:
      return '\\n';
    case 13:
      return '\\r';
    case 9:
      return '\\t';
    case 11:
      return '\\v';
  }
  if (cp < 0x20 || cp === 0x7f) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp >= 0xd800 && cp <= 0xdfff) return '\\ufffd';
  if (cp < 0x10000) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return `\\U${cp.toString(16).padStart(8, '0')}`;
}

/** strconv.Quote (or QuoteToASCII when ascii is set). */
export function goQuote(s: string, ascii = false): string {
  let out = '"';
  for (const ch of s) out += escapeRune(ch.codePointAt(0)!, '"', ascii);
  return `${out}"`;
}

function quoteRune(cp: number, ascii: boolean): string {
  return `'${escapeRune(cp, "'", ascii)}'`;
}

function canBackquote(s: string): boolean {
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '`' || cp === 0xfeff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    if ((cp < 0x20 && cp !== 9) || cp === 0x7f) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// The format loop (fmt's doPrintf)

function parseNum(format: string, start: number): [number, boolean, number] {
  let i = start;
  let n = 0;
  let ok = false;
  while (i < format.length && format.charCodeAt(i) >= 48 && format.charCodeAt(i) <= 57) {
    if (n > 1e6) return [0, false, format.length];
    n = n * 10 + (format.charCodeAt(i) - 48);
    ok = true;
    i++;
  }
  return [n, ok, i];
}

/** fmt.Sprintf(format, args…). */
export function goSprintf(format: string, args: readonly GoArg[]): string {
  if (args.length === 0 && !format.includes('%')) return format;
  const p = new Printer();
  let argNum = 0;
  let reordered = false;
  let goodArgNum = true;
  const end = format.length;

  const argNumber = (i: number): [number, boolean] => {
    if (i >= end || format[i] !== '[') return [i, false];
    reordered = true;
    const close = format.indexOf(']', i + 1);
    if (end - i < 3 || close < 0) {
      goodArgNum = false;
      return [i + 1, false];
    }
    const [n, ok, next] = parseNum(format, i + 1);
    if (!ok || next !== close) {
      goodArgNum = false;
      return [close + 1, false];
    }
    if (n - 1 >= 0 && n - 1 < args.length) {
      argNum = n - 1;
      return [close + 1, true];
    }
    goodArgNum = false;
    return [close + 1, true];
  };

  const intFromArg = (): [number, boolean] => {
    let num = 0;
    let ok = false;
    if (argNum < args.length) {
      const a = args[argNum]!;
      if (a.kind === 'int') {
        ok = a.v >= -1000000 && a.v <= 1000000;
        num = ok ? Number(a.v) : 0;
      }
      argNum++;
    }
    return [num, ok];
  };

  let i = 0;
  while (i < end) {
    goodArgNum = true;
    const lasti = i;
    while (i < end && format[i] !== '%') i++;
    if (i > lasti) p.out += format.slice(lasti, i);
    if (i >= end) break;
    i++;
    const f = p.f;
    clearFlags(f);
    flags: for (; i < end; i++) {
      switch (format[i]) {
        case '#':
          f.sharp = true;
          break;
        case '0':
          f.zero = !f.minus;
          break;
        case '+':
          f.plus = true;
          break;
        case '-':
          f.minus = true;
          f.zero = false;
          break;
        case ' ':
          f.space = true;
          break;
        default:
          break flags;
      }
    }
    let afterIndex: boolean;
    [i, afterIndex] = argNumber(i);
    if (i < end && format[i] === '*') {
      i++;
      [f.wid, f.widPresent] = intFromArg();
      if (!f.widPresent) p.out += '%!(BADWIDTH)';
      if (f.wid < 0) {
        f.wid = -f.wid;
        f.minus = true;
        f.zero = false;
      }
      afterIndex = false;
    } else {
      [f.wid, f.widPresent, i] = parseNum(format, i);
      if (afterIndex && f.widPresent) goodArgNum = false;
    }
    if (i + 1 <= end && format[i] === '.') {
      i++;
      if (afterIndex) goodArgNum = false;
      [i, afterIndex] = argNumber(i);
      if (i < end && format[i] === '*') {
        i++;
        [f.prec, f.precPresent] = intFromArg();
        if (f.prec < 0) {
          f.prec = 0;
          f.precPresent = false;
        }
        if (!f.precPresent) p.out += '%!(BADPREC)';
        afterIndex = false;
      } else {
        [f.prec, f.precPresent, i] = parseNum(format, i);
        if (!f.precPresent) {
          f.prec = 0;
          f.precPresent = true;
        }
      }
    }
    if (!afterIndex) [i, afterIndex] = argNumber(i);
    if (i >= end) {
      p.out += '%!(NOVERB)';
      break;
    }
    const c = format.charCodeAt(i);
    const verb = c < 0xd800 || c > 0xdbff ? format[i]! : String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      p.out += '%';
    } else if (!goodArgNum) {
      p.out += `%!${verb}(BADINDEX)`;
    } else if (argNum >= args.length) {
      p.out += `%!${verb}(MISSING)`;
    } else {
      if (verb === 'v') {
        f.sharpV = f.sharp;
        f.sharp = false;
        f.plusV = f.plus;
        f.plus = false;
      }
      p.printArg(args[argNum]!, verb);
      argNum++;
    }
  }
  if (!reordered && argNum < args.length) {
    clearFlags(p.f);
    p.out += '%!(EXTRA ';
    args.slice(argNum).forEach((a, k) => {
      if (k > 0) p.out += ', ';
      p.out += `${TYPE_NAMES[a.kind]}=`;
      p.printArg(a, 'v');
    });
    p.out += ')';
  }
  return p.out;
}
