// regex.globs_match: whether two "globs" (literals, `.`, `[...]` sets, each optionally followed
// by `*` or `+`) share a string, decided the way OPA's glob-intersection library does.
import { builtinError } from './builtin.ts';

type Token = { kind: 'char'; r: number; flag: Flag } | { kind: 'dot'; flag: Flag } | { kind: 'set'; runes: Set<number>; flag: Flag };
type Flag = '' | '+' | '*';

const invalid = (pos: number, msg: string) => builtinError(`pos:${pos}:${msg}: the input provided is invalid`);

/** Tokenises a glob; the error texts follow the library's. */
function tokenize(input: string): Token[] {
  const runes = [...input].map((c) => c.codePointAt(0)!);
  const tokens: Token[] = [];
  let i = 0;
  const next = (): { r: number; escaped: boolean } | undefined => {
    if (i >= runes.length) return undefined;
    if (runes[i] === 0x5c) {
      if (i === runes.length - 1) throw invalid(i, 'input ends with a \\ (escape) character');
      i += 2;
      return { r: runes[i - 1]!, escaped: true };
    }
    return { r: runes[i++]!, escaped: false };
  };
  for (let t = next(); t; t = next()) {
    const c = String.fromCodePoint(t.r);
    if (!t.escaped && (c === '+' || c === '*')) {
      const prev = tokens[tokens.length - 1];
      if (!prev || prev.flag !== '') throw invalid(i, `flag '${c}' must be preceded by a non-flag`);
      prev.flag = c;
      continue;
    }
    if (!t.escaped && c === '.') tokens.push({ kind: 'dot', flag: '' });
    else if (!t.escaped && c === ']') throw invalid(i, "set-close ']' with no preceding '['");
    else if (!t.escaped && c === '[') tokens.push(readSet());
    else tokens.push({ kind: 'char', r: t.r, flag: '' });
  }
  return tokens;

  function readSet(): Token {
    const set = new Set<number>();
    let prev = -1;
    for (let t = next(); t; t = next()) {
      if (!t.escaped && t.r === 0x2d) {
        if (prev < 0) throw invalid(i, "range character '-' must be preceded by a Unicode character");
        if (i >= runes.length - 1) throw invalid(i, "range character '-' must be followed by a Unicode character");
        const hi = next()!;
        if (!hi.escaped && (hi.r === 0x5d || hi.r === 0x2d)) throw invalid(i, "range character '-' cannot be followed by a special symbol");
        if (hi.r < prev) throw invalid(i, `range is out of order: '${String.fromCodePoint(hi.r)}' comes before '${String.fromCodePoint(prev)}' in Unicode`);
        for (let x = prev; x <= hi.r; x++) set.add(x);
        prev = -1;
      } else if (!t.escaped && t.r === 0x5d) return { kind: 'set', runes: set, flag: '' };
      else {
        set.add(t.r);
        prev = t.r;
      }
    }
    throw invalid(i, 'found [ without matching ]');
  }
}

/** Whether two tokens (flags ignored) can match a common character. */
function match(a: Token, b: Token): boolean {
  if (a.kind === 'dot' || b.kind === 'dot') return true;
  if (a.kind === 'char' && b.kind === 'char') return a.r === b.r;
  if (a.kind === 'char') return (b as { runes: Set<number> }).runes.has(a.r);
  if (b.kind === 'char') return a.runes.has(b.r);
  for (const r of a.runes) if (b.runes.has(r)) return true;
  return false;
}

function normal(g1: Token[], g2: Token[]): boolean {
  let i = 0;
  let j = 0;
  for (; i < g1.length && j < g2.length; i++, j++) {
    if (g1[i]!.flag === '' && g2[j]!.flag === '') {
      if (!match(g1[i]!, g2[j]!)) return false;
    } else return special(g1.slice(i), g2.slice(j));
  }
  return i === g1.length && j === g2.length;
}

function special(g1: Token[], g2: Token[]): boolean {
  const [flagged, other] = g1[0]!.flag !== '' ? [g1, g2] : [g2, g1];
  if (flagged[0]!.flag === '+') {
    if (other.length === 0 || !match(flagged[0]!, other[0]!)) return false;
    return star(flagged, other.slice(1));
  }
  return star(flagged, other);
}

function star(starred: Token[], other: Token[]): boolean {
  const st = starred[0]!;
  const nextTok = starred[1];
  for (let i = 0; i < other.length; i++) {
    const t = other[i]!;
    if (nextTok && match(t, nextTok)) {
      if (normal(starred.slice(1), other.slice(i))) return true;
      if (!match(t, st)) return false;
    } else if (!match(t, st)) return false;
  }
  return nextTok === undefined;
}

/** True when some string matches both globs. */
export function globsIntersect(a: string, b: string): boolean {
  return normal(tokenize(a), tokenize(b));
}
