// Rego tokens. Whitespace is not a token, but each token records whether whitespace preceded it
// (a ref continues with `.`/`[` and a call with `(` only when nothing separates them).
import { AutonomyError } from '../../common/errors.ts';
import type { Loc } from './ast.ts';

export type TokenKind = 'ident' | 'number' | 'string' | 'rawstring' | 'template' | 'op' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** Identifier name, operator text, number text, or decoded string value. */
  readonly text: string;
  readonly loc: Loc;
  /** True when whitespace or a comment separates this token from the previous one. */
  readonly space: boolean;
  /** True when a line break separates this token from the previous one. */
  readonly nl?: boolean;
  /** Raw template string content (for `template` tokens), parsed later by the parser. */
  readonly raw?: string;
  /** Offset just after the token. */
  readonly end: number;
}

const OPS = [':=', '==', '!=', '<=', '>=', '<', '>', '=', '+', '-', '*', '/', '%', '&', '|', '.', ',', ';', ':', '[', ']', '{', '}', '(', ')'];

/** A parse error at a location (rego_parse_error). */
export function parseError(message: string, loc: Loc): AutonomyError {
  return new AutonomyError('rego_parse_error', message, { location: loc });
}

/** A `#` comment: its text after the `#`, and where it starts. */
export interface Comment {
  readonly text: string;
  readonly row: number;
  readonly col: number;
}

/** Splits source text into tokens. */
export function tokenize(src: string, file: string): Token[] {
  return scan(src, file).tokens;
}

/** Tokens and comments (METADATA annotations live in comments). */
export function scan(src: string, file: string): { tokens: Token[]; comments: Comment[] } {
  const tokens: Token[] = [];
  const comments: Comment[] = [];
  let i = 0;
  let row = 1;
  let lineStart = 0;
  let space = true;
  let nl = true;
  const loc = (at: number): Loc => ({ file, row, col: at - lineStart + 1 });
  const n = src.length;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === 10) {
      i++;
      row++;
      lineStart = i;
      space = true;
      nl = true;
      continue;
    }
    if (c === 32 || c === 9 || c === 13) {
      i++;
      space = true;
      continue;
    }
    if (c === 35 /* # */) {
      const start = i;
      while (i < n && src.charCodeAt(i) !== 10) i++;
      comments.push({ text: src.slice(start + 1, i).replace(/\r$/, ''), row, col: start - lineStart + 1 });
      space = true;
      continue;
    }
    const start = i;
    const at = loc(i);
    if (isIdentStart(c)) {
      i++;
      while (i < n && isIdentPart(src.charCodeAt(i))) i++;
      tokens.push({ kind: 'ident', text: src.slice(start, i), loc: at, space, end: i });
    } else if (isDigit(c)) {
      i = scanNumber(src, i);
      if (i < n && isIdentStart(src.charCodeAt(i))) throw parseError('illegal number format', at);
      tokens.push({ kind: 'number', text: src.slice(start, i), loc: at, space, end: i });
    } else if (c === 34 /* " */) {
      const { value, end } = scanString(src, i, at);
      i = end;
      tokens.push({ kind: 'string', text: value, loc: at, space, end: i });
    } else if (c === 96 /* ` */) {
      const close = src.indexOf('`', i + 1);
      if (close < 0) throw parseError('non-terminated raw string', at);
      const value = src.slice(i + 1, close);
      for (const ch of value) if (ch === '\n') row++;
      const lastNl = value.lastIndexOf('\n');
      if (lastNl >= 0) lineStart = i + 1 + lastNl + 1;
      i = close + 1;
      tokens.push({ kind: 'rawstring', text: value, loc: at, space, end: i });
    } else if (c === 36 /* $ */ && (src[i + 1] === '"' || src[i + 1] === '`')) {
      const { raw, end } = scanTemplate(src, i + 1, at);
      for (let j = i; j < end; j++) {
        if (src.charCodeAt(j) === 10) {
          row++;
          lineStart = j + 1;
        }
      }
      i = end;
      tokens.push({ kind: 'template', text: src[start + 1]!, raw, loc: at, space, end: i });
    } else {
      const op = OPS.find((o) => src.startsWith(o, i));
      if (!op) throw parseError(`illegal token '${String.fromCodePoint(src.codePointAt(i)!)}'`, at);
      i += op.length;
      tokens.push({ kind: 'op', text: op, loc: at, space, end: i, ...(nl ? { nl } : {}) });
    }
    space = false;
    nl = false;
  }
  tokens.push({ kind: 'eof', text: '', loc: loc(i), space: true, end: i });
  return { tokens, comments };
}

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function scanNumber(src: string, i: number): number {
  const n = src.length;
  while (i < n && isDigit(src.charCodeAt(i))) i++;
  if (src[i] === '.' && isDigit(src.charCodeAt(i + 1))) {
    i++;
    while (i < n && isDigit(src.charCodeAt(i))) i++;
  }
  if (src[i] === 'e' || src[i] === 'E') {
    let j = i + 1;
    if (src[j] === '+' || src[j] === '-') j++;
    if (isDigit(src.charCodeAt(j))) {
      i = j;
      while (i < n && isDigit(src.charCodeAt(i))) i++;
    }
  }
  return i;
}

/** Scans a JSON-style double-quoted string starting at src[i] === '"'. */
export function scanString(src: string, i: number, at: Loc): { value: string; end: number } {
  let out = '';
  let j = i + 1;
  const n = src.length;
  let chunk = j;
  while (j < n) {
    const c = src.charCodeAt(j);
    if (c === 34) {
      out += src.slice(chunk, j);
      return { value: out, end: j + 1 };
    }
    if (c === 10) break;
    if (c === 92 /* \ */) {
      out += src.slice(chunk, j);
      const e = src[j + 1];
      j += 2;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const hex = src.slice(j, j + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw parseError('illegal escape sequence in string', at);
          out += String.fromCharCode(parseInt(hex, 16));
          j += 4;
          break;
        }
        default:
          throw parseError(`illegal escape sequence in string: \\${e ?? ''}`, at);
      }
      chunk = j;
      continue;
    }
    j++;
  }
  throw parseError('non-terminated string', at);
}

/**
 * Finds the end of a template string ($"…" or $`…`) whose opening quote is at src[i], skipping
 * over `{…}` expressions (which may nest strings and templates). Returns the raw body.
 */
function scanTemplate(src: string, i: number, at: Loc): { raw: string; end: number } {
  const quote = src[i]!;
  const n = src.length;
  let j = i + 1;
  while (j < n) {
    const c = src[j]!;
    if (c === quote) return { raw: src.slice(i + 1, j), end: j + 1 };
    // `\{` is a literal brace in both kinds of template; `"` templates escape everything else too.
    if (c === '\\' && (quote === '"' || src[j + 1] === '{')) {
      j += 2;
      continue;
    }
    if (quote === '"' && c === '\n') break;
    if (c === '{') {
      j = skipBraced(src, j, at);
      continue;
    }
    j++;
  }
  throw parseError('non-terminated template string', at);
}

/** Skips a `{…}` group starting at src[j] === '{', honouring strings and nested templates. */
function skipBraced(src: string, j: number, at: Loc): number {
  let depth = 0;
  const n = src.length;
  while (j < n) {
    const c = src[j]!;
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return j + 1;
    } else if (c === '"') {
      j = scanString(src, j, at).end;
      continue;
    } else if (c === '`') {
      const close = src.indexOf('`', j + 1);
      if (close < 0) break;
      j = close + 1;
      continue;
    } else if (c === '$' && (src[j + 1] === '"' || src[j + 1] === '`')) {
      j = scanTemplate(src, j + 1, at).end;
      continue;
    }
    j++;
  }
  throw parseError('non-terminated template expression', at);
}
