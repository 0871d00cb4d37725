// glob.match and glob.quote_meta: gobwas/glob syntax (`*`, `**`, `?`, `[...]`, `[!...]`,
// `{a,b}`, `\` escapes) with delimiters, compiled to an RE2 program so matching stays linear.
import { RE2JS } from 're2js';
import { typeName, type Value } from '../value.ts';
import { T } from '../types.ts';
import { builtinError, declare, operandError, type BuiltinTable } from './builtin.ts';
import { str } from './args.ts';
import { quoteMeta } from './regex.ts';

type RE2 = ReturnType<RE2JS['re2']>;

const classEscape = (c: string): string => c.replace(/[\\\][^-]/g, '\\$&');

/** Translates a glob into an anchored RE2 pattern; throws gobwas's lexer/parser errors. */
export function globToRegex(pattern: string, delimiters: readonly string[]): string {
  const chars = [...pattern];
  let i = 0;
  let depth = 0;
  const notDelim = delimiters.length === 0 ? '(?s:.)' : `[^${delimiters.map(classEscape).join('')}]`;
  let out = '';
  const fail = (msg: string) => builtinError(msg);
  while (i < chars.length) {
    const c = chars[i++]!;
    if (c === '{') {
      depth++;
      out += '(?:';
    } else if (c === ',' && depth > 0) out += '|';
    else if (c === '}' && depth > 0) {
      depth--;
      out += ')';
    } else if (c === '*') {
      if (chars[i] === '*') {
        i++;
        out += '(?s:.)*';
      } else out += `${notDelim}*`;
    } else if (c === '?') out += notDelim;
    else if (c === '[') out += readClass();
    else {
      i--;
      out += quoteMeta(readText(depth > 0 ? '?*[{},' : '?*[{'));
    }
  }
  // An unclosed `{` is accepted by the parser: its alternatives run to the end of the pattern.
  out += ')'.repeat(depth);
  return `^${out}$`;

  function readText(breakers: string): string {
    let text = '';
    let escaped = false;
    while (i < chars.length) {
      const c = chars[i++]!;
      if (!escaped) {
        if (c === '\\') {
          escaped = true;
          continue;
        }
        if (breakers.includes(c)) {
          i--;
          break;
        }
      }
      escaped = false;
      text += c;
    }
    if (escaped) throw fail('trailing backslash');
    return text;
  }

  function readClass(): string {
    let not = false;
    if (chars[i] === '!') {
      not = true;
      i++;
    }
    if (i >= chars.length) throw fail('unexpected end of input');
    let body: string;
    if (chars[i + 1] === '-') {
      const lo = chars[i]!;
      const hi = chars[i + 2];
      if (hi === undefined) throw fail('unexpected end of input');
      i += 3;
      if (hi.codePointAt(0)! < lo.codePointAt(0)!) throw fail(`hi character '${hi}' should be greater than lo '${lo}'`);
      body = `${classEscape(lo)}-${classEscape(hi)}`;
    } else {
      const text = readText(']');
      if (text === '') throw fail('could not parse range');
      body = [...text].map(classEscape).join('');
    }
    if (i >= chars.length) throw fail('unexpected end of input');
    if (chars[i++] !== ']') throw fail('expected close range character');
    return `[${not ? '^' : ''}${body}]`;
  }
}

const cache = new Map<string, RE2>();

function globMatch(args: readonly Value[]): Value {
  const pattern = str(args, 1);
  const d = args[1]!;
  let delimiters: string[];
  if (d === null) delimiters = [];
  else if (Array.isArray(d)) {
    delimiters = (d as readonly Value[]).map((x) => {
      if (typeof x !== 'string') throw operandError(2, `must be array of strings but got array containing ${typeName(x)}`);
      if ([...x].length !== 1) throw operandError(2, 'must be array of runes but got array containing string');
      return x;
    });
    if (delimiters.length === 0) delimiters = ['.'];
  } else throw operandError(2, `must be one of {array, null} but got ${typeName(d)}`);
  const s = str(args, 3);
  const id = `${pattern}\u0000${delimiters.join('')}`;
  let re = cache.get(id);
  if (!re) {
    re = RE2JS.compile(globToRegex(pattern, delimiters)).re2();
    if (cache.size >= 100) cache.delete(cache.keys().next().value!);
    cache.set(id, re);
  }
  return re.match(s);
}

/** Registers the glob family. */
export function register(table: BuiltinTable): void {
  declare(
    table,
    { name: 'glob.match', category: 'glob', args: [T.string, T.or(T.null, T.array(T.string)), T.string], result: T.boolean, impl: globMatch },
    { name: 'glob.quote_meta', category: 'glob', args: [T.string], result: T.string, impl: (args) => str(args, 1).replace(/[*?\\[\]{}]/g, '\\$&') },
  );
}
