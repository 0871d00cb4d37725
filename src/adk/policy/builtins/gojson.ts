// JSON as Go's encoding/json reads and writes it: the scanner's exact error messages (which
// OPA passes through), json.Decoder's first-value semantics, and Marshal's escaping.
import { ObjectValue, SetValue, parseJSON, sortedEntries, sortedValues, type Value } from '../value.ts';
import { ExactDecimal } from '../decimal.ts';

/** Go's quoteChar: how the scanner names an offending byte. */
function quoteChar(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  return `'${goQuoteRune(c)}'`;
}

/** strconv.Quote of one rune, without the surrounding quotes. */
export function goQuoteRune(c: number): string {
  const special: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 0x5c: '\\\\', 0x22: '\\"' };
  if (special[c]) return special[c];
  if (c < 0x20 || c === 0x7f) return `\\x${c.toString(16).padStart(2, '0')}`;
  if (c >= 0x80 && c <= 0xa0) return `\\u${c.toString(16).padStart(4, '0')}`;
  if (c === 0xad) return '\\u00ad';
  return String.fromCodePoint(c);
}

class ScanError extends Error {}

const WS = (c: number | undefined): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const DIGIT = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;
const HEX = (c: number | undefined): boolean => c !== undefined && (DIGIT(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46));

/** Scans JSON bytes like Go's scanner; `eof` errors mean the input ended inside a value. */
class Scanner {
  i = 0;
  depth = 0;
  readonly b: Uint8Array;
  constructor(b: Uint8Array) {
    this.b = b;
  }

  private fail(c: number, context: string): never {
    throw new ScanError(`invalid character ${quoteChar(c)} ${context}`);
  }
  private next(): number {
    if (this.i >= this.b.length) throw new ScanError('eof');
    return this.b[this.i++]!;
  }
  skipWS(): void {
    while (WS(this.b[this.i])) this.i++;
  }

  /** Scans one value. */
  value(): void {
    this.skipWS();
    const c = this.next();
    if (c === 0x7b) return this.object();
    if (c === 0x5b) return this.array();
    if (c === 0x22) return this.string();
    if (c === 0x2d || DIGIT(c)) return this.number(c);
    if (c === 0x74) return this.literal('true');
    if (c === 0x66) return this.literal('false');
    if (c === 0x6e) return this.literal('null');
    this.fail(c, 'looking for beginning of value');
  }
  private nest(): void {
    if (++this.depth > 10000) throw new ScanError('exceeded max depth');
  }
  private object(): void {
    this.nest();
    this.skipWS();
    let c = this.next();
    if (c === 0x7d) return void this.depth--;
    for (;;) {
      if (c !== 0x22) this.fail(c, 'looking for beginning of object key string');
      this.string();
      this.skipWS();
      c = this.next();
      if (c !== 0x3a) this.fail(c, 'after object key');
      this.value();
      this.skipWS();
      c = this.next();
      if (c === 0x7d) return void this.depth--;
      if (c !== 0x2c) this.fail(c, 'after object key:value pair');
      this.skipWS();
      c = this.next();
    }
  }
  private array(): void {
    this.nest();
    this.skipWS();
    if (this.b[this.i] === 0x5d) {
      this.i++;
      return void this.depth--;
    }
    for (;;) {
      this.value();
      this.skipWS();
      const c = this.next();
      if (c === 0x5d) return void this.depth--;
      if (c !== 0x2c) this.fail(c, 'after array element');
    }
  }
  private string(): void {
    for (;;) {
      const c = this.next();
      if (c === 0x22) return;
      if (c < 0x20) this.fail(c, 'in string literal');
      if (c === 0x5c) {
        const e = this.next();
        if (e === 0x75) {
          for (let k = 0; k < 4; k++) {
            const h = this.next();
            if (!HEX(h)) this.fail(h, 'in \\u hexadecimal character escape');
          }
        } else if (!'"\\/bfnrt'.includes(String.fromCharCode(e))) this.fail(e, 'in string escape code');
      }
    }
  }
  private number(first: number): void {
    let c = first;
    if (c === 0x2d) {
      c = this.next();
      if (!DIGIT(c)) this.fail(c, 'in numeric literal');
    }
    if (c !== 0x30) while (DIGIT(this.b[this.i])) this.i++;
    if (this.b[this.i] === 0x2e) {
      this.i++;
      const d = this.next();
      if (!DIGIT(d)) this.fail(d, 'after decimal point in numeric literal');
      while (DIGIT(this.b[this.i])) this.i++;
    }
    if (this.b[this.i] === 0x65 || this.b[this.i] === 0x45) {
      this.i++;
      let d = this.next();
      if (d === 0x2b || d === 0x2d) d = this.next();
      if (!DIGIT(d)) this.fail(d, 'in exponent of numeric literal');
      while (DIGIT(this.b[this.i])) this.i++;
    }
  }
  private literal(word: string): void {
    for (let k = 1; k < word.length; k++) {
      const c = this.next();
      if (c !== word.charCodeAt(k)) this.fail(c, `in literal ${word} (expecting '${word[k]}')`);
    }
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** json.Valid: the whole text is exactly one JSON value. */
export function goJSONValid(text: string): boolean {
  const s = new Scanner(enc.encode(text));
  try {
    s.value();
    s.skipWS();
    return s.i === s.b.length;
  } catch {
    return false;
  }
}

/** OPA's util.UnmarshalJSON: the first value, or Go's error text for the input. */
export function goUnmarshal(text: string): { value: Value } | { error: string } {
  const bytes = enc.encode(text);
  const s = new Scanner(bytes);
  s.skipWS();
  if (s.i === bytes.length) return { error: 'EOF' };
  const start = s.i;
  try {
    s.value();
  } catch (e) {
    const m = (e as Error).message;
    return { error: m === 'eof' ? 'unexpected EOF' : m };
  }
  const end = s.i;
  // Go's decoder stops right after a closing bracket, but must read one byte past any other value.
  const first = bytes[start];
  if (first !== 0x7b && first !== 0x5b && end < bytes.length && !WS(bytes[end])) {
    return { error: `invalid character ${quoteChar(bytes[end]!)} after top-level value` };
  }
  const trailing = trailingTokenError(bytes, end);
  if (trailing) return { error: trailing };
  return { value: parseJSON(dec.decode(bytes.subarray(start, end))) };
}

/** What json.Decoder.Token() finds after the first value, as OPA reports it. */
function trailingTokenError(bytes: Uint8Array, from: number): string | undefined {
  const s = new Scanner(bytes);
  s.i = from;
  s.skipWS();
  if (s.i === bytes.length) return undefined;
  const c = bytes[s.i]!;
  if (c === 0x7b || c === 0x5b) return `error: invalid character '${String.fromCharCode(c)}' after top-level value`;
  if (c === 0x7d || c === 0x5d || c === 0x2c || c === 0x3a) return `invalid character ${quoteChar(c)} looking for beginning of value`;
  const start = s.i;
  try {
    s.value();
  } catch (e) {
    const m = (e as Error).message;
    return m === 'eof' ? 'unexpected EOF' : m;
  }
  const tok = parseJSON(dec.decode(bytes.subarray(start, s.i)));
  if (tok === null) return undefined;
  const shown = typeof tok === 'boolean' ? `%!s(bool=${tok})` : typeof tok === 'string' ? tok : dec.decode(bytes.subarray(start, s.i));
  return `error: invalid character '${shown}' after top-level value`;
}

/** A string as Go's json.Marshal writes it (HTML-safe escapes, \u2028/\u2029, U+FFFD for bad UTF-16). */
export function goQuote(s: string): string {
  return JSON.stringify(s.toWellFormed()).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function goNumber(n: number | bigint): string {
  if (typeof n === 'bigint' || Number.isInteger(n)) return typeof n === 'number' && Math.abs(n) >= 1e21 ? BigInt(n).toString() : n.toString();
  return String(n);
}

/** json.Marshal / json.MarshalIndent of a value (sets as sorted arrays, keys sorted). */
export function goMarshal(v: Value, prefix = '', indent?: string): string {
  const out: string[] = [];
  const nl = (depth: number) => (indent === undefined ? '' : `\n${prefix}${indent.repeat(depth)}`);
  const write = (x: Value, depth: number): void => {
    if (x === null) out.push('null');
    else if (typeof x === 'boolean') out.push(x ? 'true' : 'false');
    else if (typeof x === 'number' || typeof x === 'bigint') out.push(goNumber(x));
    else if (x instanceof ExactDecimal) out.push(x.toString());
    else if (typeof x === 'string') out.push(goQuote(x));
    else if (x instanceof ObjectValue) {
      const entries = sortedEntries(x).map(([k, val]) => [typeof k === 'string' ? k : goMarshal(k), val] as const);
      entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      if (entries.length === 0) return void out.push('{}');
      out.push('{');
      entries.forEach(([k, val], i) => {
        if (i > 0) out.push(',');
        out.push(nl(depth + 1), goQuote(k), indent === undefined ? ':' : ': ');
        write(val, depth + 1);
      });
      out.push(nl(depth), '}');
    } else {
      const items = x instanceof SetValue ? sortedValues(x) : (x as readonly Value[]);
      if (items.length === 0) return void out.push('[]');
      out.push('[');
      items.forEach((val, i) => {
        if (i > 0) out.push(',');
        out.push(nl(depth + 1));
        write(val, depth + 1);
      });
      out.push(nl(depth), ']');
    }
  };
  write(v, 0);
  return out.join('');
}
