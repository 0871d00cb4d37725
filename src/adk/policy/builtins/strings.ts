// String builtins, with Go's semantics: indexes and lengths count runes (code points), case
// mapping is per rune, trim_space trims Go's Unicode white space, and replace/strings.replace_n
// follow strings.Replacer (leftmost match; at one position the earliest pattern wins).
import { T, type Type } from '../types.ts';
import { SetValue, compare, sortedValues, type ObjectValue, type Value } from '../value.ts';
import { builtinError, declare, operandElementError, operandError, operandTypeError, type BuiltinDecl, type BuiltinTable } from './builtin.ts';
import { goInt, number, object, runeCount, str, stringElements } from './args.ts';
import * as BF from './bigfloat.ts';

function isASCII(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Go's unicode.ToLower/ToUpper per rune: JS's full mappings that expand a rune are not applied. */
function mapCase(s: string, lower: boolean): string {
  if (isASCII(s)) return lower ? s.toLowerCase() : s.toUpperCase();
  let out = '';
  for (const ch of s) {
    if (lower && ch === '\u0130') {
      out += 'i';
      continue;
    }
    const m = lower ? ch.toLowerCase() : ch.toUpperCase();
    out += m.length === ch.length || [...m].length === 1 ? m : ch;
  }
  return out;
}

// unicode.IsSpace: ASCII white space, NEL, NBSP and the Zs separators (not U+FEFF, unlike JS trim).
const SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const TRIM_SPACE = new RegExp(`^[${SPACE}]+|[${SPACE}]+$`, 'g');

function trimSet(s: string, cutset: string, left: boolean, right: boolean): string {
  if (s === '' || cutset === '') return s;
  const cut = new Set(cutset);
  const cps = [...s];
  let start = 0;
  let end = cps.length;
  if (left) while (start < end && cut.has(cps[start]!)) start++;
  if (right) while (end > start && cut.has(cps[end - 1]!)) end--;
  return start === 0 && end === cps.length ? s : cps.slice(start, end).join('');
}

/** Every rune-index at which needle starts in haystack, overlapping matches included. */
function indexesOf(haystack: string, needle: string, firstOnly: boolean): number[] {
  const out: number[] = [];
  let from = 0;
  let counted = 0;
  let cps = 0;
  for (;;) {
    const i = haystack.indexOf(needle, from);
    if (i < 0) return out;
    cps += runeCount(haystack.slice(counted, i));
    counted = i;
    out.push(cps);
    if (firstOnly) return out;
    const c = haystack.charCodeAt(i);
    from = i + (c >= 0xd800 && c <= 0xdbff ? 2 : 1);
  }
}

function nonEmptyNeedle(args: readonly Value[]): [string, string] {
  const haystack = str(args, 1);
  const needle = str(args, 2);
  if (needle === '') throw builtinError('empty search character');
  return [haystack, needle];
}

function substring(s: string, start: number, length: number): string {
  if (start < 0) throw builtinError('negative offset');
  if (isASCII(s)) {
    if (start >= s.length) return '';
    return length < 0 ? s.slice(start) : s.slice(start, Math.min(s.length, start + length));
  }
  const cps = [...s];
  if (start >= cps.length) return '';
  return (length < 0 ? cps.slice(start) : cps.slice(start, Math.min(cps.length, start + length))).join('');
}

/** Go's strings.Split: an empty separator splits into runes. */
function split(s: string, sep: string): string[] {
  if (sep === '') return [...s];
  return s.split(sep);
}

function splitN(s: string, sep: string, n: number): string[] {
  const parts = split(s, sep);
  if (parts.length === 0 && s === '') parts.push('');
  if (n >= 0) return parts.slice(0, n);
  return parts.slice(Math.max(0, parts.length + n));
}

function byteString(s: string): string {
  let out = '';
  for (const b of new TextEncoder().encode(s)) out += String.fromCharCode(b);
  return out;
}

function fromByteString(s: string): string {
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return new TextDecoder().decode(bytes);
}

/**
 * Go's strings.NewReplacer(pairs…).Replace(s): scanning left to right, at each position the
 * earliest pair whose old string matches there wins; an empty old string matches between bytes
 * (never twice in a row).
 */
export function goReplace(s: string, pairs: readonly (readonly [string, string])[]): string {
  if (pairs.length === 1 && pairs[0]![0] !== '') return s.split(pairs[0]![0]).join(pairs[0]![1]);
  // An empty pattern inserts between UTF-8 bytes, so work on bytes then (one char per byte).
  const bytewise = pairs.some(([old]) => old === '') && !isASCII(s);
  const text = bytewise ? byteString(s) : s;
  const keys = bytewise ? pairs.map(([o, n]) => [byteString(o), byteString(n)] as const) : pairs;
  let out = '';
  let last = 0;
  let prevEmpty = false;
  for (let i = 0; i <= text.length; ) {
    let found: readonly [string, string] | undefined;
    for (const pair of keys) {
      if (pair[0] === '' ? !prevEmpty : text.startsWith(pair[0], i)) {
        found = pair;
        break;
      }
    }
    prevEmpty = found !== undefined && found[0] === '';
    if (found) {
      out += text.slice(last, i) + found[1];
      i += found[0].length;
      last = i;
      continue;
    }
    i++;
  }
  if (last !== text.length) out += text.slice(last);
  return bytewise ? fromByteString(out) : out;
}

function replaceN(patterns: ObjectValue, s: string): string {
  const entries = [...patterns.entries()].sort((a, b) => compare(a[0], b[0]));
  const pairs: [string, string][] = [];
  for (const [k, v] of entries) {
    if (typeof k !== 'string') throw operandError(1, 'non-string key found in pattern object');
    if (typeof v !== 'string') throw operandError(1, 'non-string value found in pattern object');
    pairs.push([k, v]);
  }
  return pairs.length === 0 ? s : goReplace(s, pairs);
}

function formatInt(x: number | bigint, base: Value): string {
  const radix = base === 2 ? 2 : base === 8 ? 8 : base === 10 ? 10 : base === 16 ? 16 : 0;
  if (radix === 0) throw operandError(2, 'must be one of {2, 8, 10, 16}');
  // OPA truncates through a 64-bit-mantissa float, so integers beyond 2^64 lose digits as in OPA.
  const i = typeof x === 'number' && Number.isSafeInteger(x) ? BigInt(x) : BF.trunc(BF.fromNumber(x));
  return i < 0n ? `-${(-i).toString(radix)}` : i.toString(radix);
}

function concat(sep: string, coll: Value): string {
  let items: readonly Value[];
  if (Array.isArray(coll)) items = coll as readonly Value[];
  else if (coll instanceof SetValue) items = sortedValues(coll);
  else throw operandTypeError(2, coll, 'set', 'array');
  for (const x of items) if (typeof x !== 'string') throw operandElementError(2, coll, x, 'string');
  return items.join(sep);
}

/** The strings of a string, array or set operand (strings.any_prefix_match and friends). */
function stringOrStrings(args: readonly Value[], pos: number): string[] {
  const v = args[pos - 1]!;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) || v instanceof SetValue) return stringElements(args, pos);
  throw operandTypeError(pos, v, 'string', 'set', 'array');
}

function anyMatch(args: readonly Value[], test: (s: string, affix: string) => boolean): boolean {
  const strs = stringOrStrings(args, 1);
  const affixes = stringOrStrings(args, 2);
  return strs.some((s) => affixes.some((a) => test(s, a)));
}

function countOf(s: string, sub: string): number {
  if (sub === '') return runeCount(s) + 1;
  return s.split(sub).length - 1;
}

const S = T.string;
const strOrStrings = T.or(T.string, T.set(T.string), T.array(T.string));

function fn(name: string, args: readonly Type[], result: Type, impl: BuiltinDecl['impl']): BuiltinDecl {
  return { name, args, result, category: 'strings', impl };
}

function str2(name: string, result: Type, f: (a: string, b: string) => Value): BuiltinDecl {
  return fn(name, [S, S], result, (args) => f(str(args, 1), str(args, 2)));
}

export function register(table: BuiltinTable): void {
  declare(
    table,
    fn('concat', [S, T.or(T.set(S), T.array(S))], S, (args) => concat(str(args, 1), args[1]!)),
    str2('contains', T.boolean, (s, sub) => s.includes(sub)),
    str2('startswith', T.boolean, (s, p) => s.startsWith(p)),
    str2('endswith', T.boolean, (s, p) => s.endsWith(p)),
    fn('format_int', [T.number, T.number], S, (args) => formatInt(number(args, 1), number(args, 2))),
    fn('indexof', [S, S], T.number, (args) => indexesOf(...nonEmptyNeedle(args), true)[0] ?? -1),
    fn('indexof_n', [S, S], T.array(T.number), (args) => indexesOf(...nonEmptyNeedle(args), false)),
    fn('lower', [S], S, (args) => mapCase(str(args, 1), true)),
    fn('upper', [S], S, (args) => mapCase(str(args, 1), false)),
    fn('replace', [S, S, S], S, (args) => goReplace(str(args, 1), [[str(args, 2), str(args, 3)]])),
    fn('strings.replace_n', [T.object(S, S), S], S, (args) => {
      const patterns = object(args, 1);
      return replaceN(patterns, str(args, 2));
    }),
    str2('split', T.array(S), split),
    fn('strings.split_n', [S, S, T.number], T.array(S), (args) => splitN(str(args, 1), str(args, 2), goInt(args, 3))),
    fn('substring', [S, T.number, T.number], S, (args) => substring(str(args, 1), goInt(args, 2), goInt(args, 3))),
    str2('trim', S, (s, c) => trimSet(s, c, true, true)),
    str2('trim_left', S, (s, c) => trimSet(s, c, true, false)),
    str2('trim_right', S, (s, c) => trimSet(s, c, false, true)),
    str2('trim_prefix', S, (s, p) => (s.startsWith(p) ? s.slice(p.length) : s)),
    str2('trim_suffix', S, (s, p) => (p !== '' && s.endsWith(p) ? s.slice(0, s.length - p.length) : s)),
    fn('trim_space', [S], S, (args) => str(args, 1).replace(TRIM_SPACE, '')),
    fn('strings.any_prefix_match', [strOrStrings, strOrStrings], T.boolean, (args) => anyMatch(args, (s, p) => s.startsWith(p))),
    fn('strings.any_suffix_match', [strOrStrings, strOrStrings], T.boolean, (args) => anyMatch(args, (s, p) => s.endsWith(p))),
    str2('strings.count', T.number, countOf),
    fn('strings.reverse', [S], S, (args) => [...str(args, 1)].reverse().join('')),
  );
}
