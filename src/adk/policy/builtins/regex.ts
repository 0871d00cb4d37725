// regex.*: RE2 syntax and Go regexp semantics (re2js is a port of Go's engine, with its error
// texts), plus regex.template_match and regex.globs_match.
import { RE2JS } from 're2js';
import type { Value } from '../value.ts';
import { T } from '../types.ts';
import { builtinError, declare, type BuiltinTable } from './builtin.ts';
import { integer, str } from './args.ts';
import { succeeds } from './attempt.ts';
import { globsIntersect } from './glob-intersect.ts';

type RE2 = ReturnType<RE2JS['re2']>;

const cache = new Map<string, RE2>();
const CACHE_MAX = 100;

/** Compiles (memoised) a Go regexp; syntax errors are Go's "error parsing regexp: …". */
export function compileRegex(pattern: string): RE2 {
  let re = cache.get(pattern);
  if (re) return re;
  try {
    re = RE2JS.compile(pattern).re2();
  } catch (e) {
    throw builtinError((e as Error).message);
  }
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(pattern, re);
  return re;
}

function isValid(args: readonly Value[]): Value {
  return typeof args[0] === 'string' && succeeds(() => compileRegex(args[0] as string));
}

/** Go's Regexp.Split(s, -1). */
export function regexSplit(re: RE2, s: string, pattern: string): string[] {
  if (pattern.length > 0 && s.length === 0) return [''];
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const [a, b] of (re.findAllIndex(s, -1) ?? []) as [number, number][]) {
    end = a;
    if (b !== 0) out.push(s.slice(beg, end));
    beg = b;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

const NAME = /^[\p{L}\p{Nd}_]+/u;

/** Go's Regexp.Expand: $1, ${1}, $name, ${name}, $$ in a replacement template. */
function expand(re: RE2, template: string, src: string, match: readonly number[], names: Record<string, number>): string {
  let out = '';
  let t = template;
  for (;;) {
    const i = t.indexOf('$');
    if (i < 0) break;
    out += t.slice(0, i);
    t = t.slice(i + 1);
    if (t.startsWith('$')) {
      out += '$';
      t = t.slice(1);
      continue;
    }
    const brace = t.startsWith('{');
    const body = brace ? t.slice(1) : t;
    const m = NAME.exec(body);
    if (!m || (brace && body[m[0].length] !== '}')) {
      out += '$';
      continue;
    }
    const name = m[0];
    t = body.slice(name.length + (brace ? 1 : 0));
    let num = /^\d+$/.test(name) && name.length <= 9 ? Number(name) : -1;
    if (name.length > 1 && name[0] === '0') num = -1;
    const group = num >= 0 ? num : (names[name] ?? -1);
    if (group >= 0 && 2 * group + 1 < match.length && match[2 * group]! >= 0) out += src.slice(match[2 * group], match[2 * group + 1]);
  }
  return out + t;
}

function replace(args: readonly Value[]): Value {
  const s = str(args, 1);
  const pattern = str(args, 2);
  const repl = str(args, 3);
  const re = compileRegex(pattern);
  const names = RE2JS.compile(pattern).namedGroups();
  let out = '';
  let last = 0;
  for (const m of (re.findAllSubmatchIndex(s, -1) ?? []) as number[][]) {
    out += s.slice(last, m[0]) + expand(re, repl, s, m, names);
    last = m[1]!;
  }
  return out + s.slice(last);
}

/** gorilla/mux-style templates: regexes between delimiters, literal text elsewhere. */
function templateRegex(tpl: string, open: string, close: string): RE2 {
  const idxs: number[] = [];
  let level = 0;
  let start = 0;
  const unbalanced = () => builtinError(`unbalanced braces in ${JSON.stringify(tpl)}`);
  for (let i = 0; i < tpl.length; i++) {
    if (tpl[i] === open) {
      if (++level === 1) start = i;
    } else if (tpl[i] === close) {
      if (--level === 0) idxs.push(start, i + 1);
      else if (level < 0) throw unbalanced();
    }
  }
  if (level !== 0) throw unbalanced();
  let pattern = '^';
  let end = 0;
  for (let i = 0; i < idxs.length; i += 2) {
    const raw = tpl.slice(end, idxs[i]);
    end = idxs[i + 1]!;
    const part = tpl.slice(idxs[i]! + 1, end - 1);
    pattern += `${quoteMeta(raw)}(${part})`;
    compileRegex(`^${part}$`);
  }
  return compileRegex(`${pattern}${quoteMeta(tpl.slice(end))}$`);
}

/** Go's regexp.QuoteMeta. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

function templateMatch(args: readonly Value[]): Value {
  const pattern = str(args, 1);
  const match = str(args, 2);
  const open = str(args, 3);
  const close = str(args, 4);
  const len = (x: string) => Buffer.byteLength(x);
  if (len(open) !== 1) throw builtinError(`start delimiter has to be exactly one character long but is ${len(open)} long`);
  if (len(close) !== 1) throw builtinError(`end delimiter has to be exactly one character long but is ${len(open)} long`);
  return templateRegex(pattern, open, close).match(match);
}

function count(args: readonly Value[]): number {
  return Number(integer(args, 3));
}

const matches = (args: readonly Value[]): Value => compileRegex(str(args, 1)).match(str(args, 2));

/** Registers the regex family. */
export function register(table: BuiltinTable): void {
  const cat = 'regex';
  declare(
    table,
    { name: 'regex.is_valid', category: cat, args: [T.string], result: T.boolean, impl: isValid },
    { name: 'regex.match', category: cat, args: [T.string, T.string], result: T.boolean, impl: matches },
    // Declared so that v1 modules calling it get OPA's deprecation error, not "undefined function".
    { name: 're_match', category: cat, args: [T.string, T.string], result: T.boolean, deprecated: true, impl: matches },
    { name: 'regex.split', category: cat, args: [T.string, T.string], result: T.array(T.string), impl: (args) => regexSplit(compileRegex(str(args, 1)), str(args, 2), str(args, 1)) },
    {
      name: 'regex.find_n',
      category: cat,
      args: [T.string, T.string, T.number],
      result: T.array(T.string),
      impl: (args) => {
        const [p, s, n] = [str(args, 1), str(args, 2), count(args)];
        return (compileRegex(p).findAll(s, n) as string[] | null) ?? [];
      },
    },
    {
      name: 'regex.find_all_string_submatch_n',
      category: cat,
      args: [T.string, T.string, T.number],
      result: T.array(T.array(T.string)),
      impl: (args) => {
        const [p, s, n] = [str(args, 1), str(args, 2), count(args)];
        const ms = (compileRegex(p).findAllSubmatch(s, n) as (string | null)[][] | null) ?? [];
        return ms.map((m) => m.map((g) => g ?? ''));
      },
    },
    { name: 'regex.replace', category: cat, args: [T.string, T.string, T.string], result: T.string, impl: replace },
    { name: 'regex.template_match', category: cat, args: [T.string, T.string, T.string, T.string], result: T.boolean, impl: templateMatch },
    {
      name: 'regex.globs_match',
      category: cat,
      args: [T.string, T.string],
      result: T.boolean,
      impl: (args) => globsIntersect(str(args, 1), str(args, 2)),
    },
  );
}
