// semver.is_valid and semver.compare, with OPA's SemVer grammar and precedence rules.
import { builtinError, declare, type BuiltinTable } from './builtin.ts';
import { str } from './args.ts';
import { T } from '../types.ts';
import type { Value } from '../value.ts';

interface Version {
  major: bigint;
  minor: bigint;
  patch: bigint;
  pre: string;
}

const IDENT = /^[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*$/;
const INT64_MAX = (1n << 63n) - 1n;

function cut(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

/** Go's strconv.ParseInt(s, 10, 64). */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n > INT64_MAX || n < -INT64_MAX - 1n ? undefined : n;
}

/** Parses a SemVer 2.0.0 version ("v" prefix allowed); undefined when it is not one. */
export function parseSemver(text: string): Version | undefined {
  const plus = text.indexOf('+');
  const [withPre, meta] = cut(text.startsWith('v') ? text.slice(1) : text, '+');
  // A separator must be followed by a non-empty section.
  if ((plus >= 0 && meta === '') || (meta !== '' && !IDENT.test(meta))) return undefined;
  const dash = withPre.indexOf('-');
  const [v, pre] = cut(withPre, '-');
  if ((dash >= 0 && pre === '') || (pre !== '' && !IDENT.test(pre))) return undefined;
  // Numeric identifiers carry no leading zeros (SemVer 2.0.0 items 2 and 9).
  if (pre.split('.').some((id) => /^0\d+$/.test(id))) return undefined;
  const parts = v.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^(0|[1-9]\d*)$/.test(p))) return undefined;
  const [major, minor, patch] = parts.map(parseInt64);
  if (major === undefined || minor === undefined || patch === undefined) return undefined;
  return { major, minor, patch, pre };
}

const cmp = (a: bigint | string, b: bigint | string): number => (a > b ? 1 : a < b ? -1 : 0);

/** -1, 0 or 1, by SemVer precedence (build metadata ignored). */
export function compareSemver(a: Version, b: Version): number {
  const c = cmp(a.major, b.major) || cmp(a.minor, b.minor) || cmp(a.patch, b.patch);
  if (c !== 0 || a.pre === b.pre) return c;
  if (a.pre === '') return 1;
  if (b.pre === '') return -1;
  const xs = a.pre.split('.');
  const ys = b.pre.split('.');
  for (let i = 0; ; i++) {
    const x = xs[i] ?? '';
    const y = ys[i] ?? '';
    if (x === '' && y !== '') return -1;
    if (x !== '' && y === '') return 1;
    const xi = /^\d+$/.test(x);
    const yi = /^\d+$/.test(y);
    if (xi !== yi) return xi ? -1 : 1;
    const c2 = xi ? cmp(BigInt(x), BigInt(y)) : cmp(x, y);
    if (c2 !== 0) return c2;
    const moreX = i + 1 < xs.length;
    const moreY = i + 1 < ys.length;
    if (moreX !== moreY) return moreX ? 1 : -1;
    if (!moreX) return 0;
  }
}

function compare(args: readonly Value[]): Value {
  const a = str(args, 1);
  const b = str(args, 2);
  const va = parseSemver(a);
  if (!va) throw builtinError(`operand 1: string ${JSON.stringify(a)} is not a valid SemVer`);
  const vb = parseSemver(b);
  if (!vb) throw builtinError(`operand 2: string ${JSON.stringify(b)} is not a valid SemVer`);
  return compareSemver(va, vb);
}

/** Registers the semver family. */
export function register(table: BuiltinTable): void {
  declare(
    table,
    { name: 'semver.compare', category: 'semver', args: [T.string, T.string], result: T.number, impl: compare },
    { name: 'semver.is_valid', category: 'semver', args: [T.any], result: T.boolean, impl: (args) => typeof args[0] === 'string' && parseSemver(args[0]) !== undefined },
  );
}
