// net.cidr_* (Go's net package semantics: IPv4 addresses live in the IPv4-mapped IPv6 space,
// networks print the way Go prints them) and net.lookup_ip_addr (disabled without an allow-list).
import { SetValue, ObjectValue, type Value } from '../value.ts';
import { T } from '../types.ts';
import { builtinError, declare, type BuiltinContext, type BuiltinTable } from './builtin.ts';
import { str } from './args.ts';
import { succeeds } from './attempt.ts';

const V4_BASE = 0xffffn << 32n;
const ALL = (1n << 128n) - 1n;

/** An address as a 128-bit integer (IPv4 mapped into ::ffff:0:0/96), or undefined. */
export function parseIP(s: string): bigint | undefined {
  const v4 = parseIPv4(s);
  if (v4 !== undefined) return V4_BASE | v4;
  return parseIPv6(s);
}

function parseIPv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    n = (n << 8n) | BigInt(p);
  }
  return n;
}

function parseIPv6(s: string): bigint | undefined {
  if (!s.includes(':') || s.includes('%')) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): bigint[] | undefined => {
    if (h === '') return [];
    const out: bigint[] = [];
    const parts = h.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p);
        if (v4 === undefined) return undefined;
        out.push(v4 >> 16n, v4 & 0xffffn);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) out.push(BigInt(`0x${p}`));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const n = head.length + tail.length;
  if (halves.length === 1 ? n !== 8 : n > 7) return undefined;
  const all = [...head, ...Array<bigint>(8 - n).fill(0n), ...tail];
  return all.reduce((acc, g) => (acc << 16n) | g, 0n);
}

const isMapped = (ip: bigint): boolean => ip >> 32n === 0xffffn;

/** Go's IP.String(): dotted quad for IPv4 (and IPv4-mapped), RFC 5952 otherwise. */
export function formatIP(ip: bigint): string {
  if (isMapped(ip)) return [24n, 16n, 8n, 0n].map((s) => String((ip >> s) & 0xffn)).join('.');
  const g = Array.from({ length: 8 }, (_, i) => Number((ip >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** A network: its address as written (Go keeps it unmasked for merge inputs), masked base, prefix in 128-bit space. */
interface Net {
  ip: bigint;
  base: bigint;
  prefix: number;
}

const maskOf = (prefix: number): bigint => (ALL << BigInt(128 - prefix)) & ALL;
const lastOf = (n: Net): bigint => n.base | (~maskOf(n.prefix) & ALL);

/** net.ParseCIDR; throws Go's "invalid CIDR address: …". */
export function parseCIDR(s: string): Net {
  const slash = s.indexOf('/');
  const bad = () => builtinError(`invalid CIDR address: ${s}`);
  if (slash < 0) throw bad();
  const addr = s.slice(0, slash);
  const len = s.slice(slash + 1);
  const v4 = parseIPv4(addr);
  const ip = v4 !== undefined ? V4_BASE | v4 : parseIPv6(addr);
  if (ip === undefined || !/^\d+$/.test(len)) throw bad();
  const bits = v4 !== undefined ? 32 : 128;
  const n = Number(len);
  if (n > bits) throw bad();
  const prefix = n + (128 - bits);
  const base = ip & maskOf(prefix);
  return { ip: base, base, prefix };
}

/** Go's IPNet.Contains: an IPv4 network holds only IPv4 addresses, an IPv6 one only IPv6. */
function contains(n: Net, ip: bigint): boolean {
  return isMapped(n.base) === isMapped(ip) && (ip & maskOf(n.prefix)) === n.base;
}

function formatNet(ip: bigint, prefix: number): string {
  return isMapped(ip) && prefix >= 96 ? `${formatIP(ip)}/${prefix - 96}` : `${formatIP(ip)}/${prefix}`;
}

function cidrContains(a: Value, b: Value): boolean {
  const net = parseCIDR(str([a], 1));
  const s = str([b], 1);
  const ip = parseIP(s);
  if (ip !== undefined) return contains(net, ip);
  let other: Net;
  try {
    other = parseCIDR(s);
  } catch {
    throw builtinError(`not a valid textual representation of an IP address or CIDR: ${s}`);
  }
  return contains(net, other.base) && contains(net, lastOf(other));
}

function intersects(args: readonly Value[]): Value {
  const a = parseCIDR(str(args, 1));
  const b = parseCIDR(str(args, 2));
  return contains(a, b.base) || contains(b, a.base);
}

/** The (cidr, index) pairs of a cidr_contains_matches operand. */
function matchOperands(pos: number, v: Value): [Value, Value][] {
  const cidrOf = (x: Value): Value => {
    if (typeof x === 'string') return x;
    if (Array.isArray(x) && x.length > 0) return (x as readonly Value[])[0]!;
    throw builtinError(`operand ${pos}: element must be string or non-empty array`);
  };
  if (typeof v === 'string') return [[v, v]];
  if (Array.isArray(v)) return (v as readonly Value[]).map((x, i) => [cidrOf(x), i]);
  if (v instanceof SetValue) return [...v.values()].map((x) => [cidrOf(x), x]);
  if (v instanceof ObjectValue) return [...v.entries()].map(([k, x]) => [cidrOf(x), k]);
  return [];
}

function containsMatches(args: readonly Value[]): Value {
  const out = new SetValue();
  for (const [c1, i1] of matchOperands(1, args[0]!)) {
    for (const [c2, i2] of matchOperands(2, args[1]!)) if (cidrContains(c1, c2)) out.add([i1, i2]);
  }
  return out;
}

function expand(args: readonly Value[], ctx: BuiltinContext): Value {
  const n = parseCIDR(str(args, 1));
  // An IPv6 /64 has 2^64 hosts: charge the size first so the budget ends it, not memory.
  const size = lastOf(n) - n.base + 1n;
  ctx.charge?.(size > 1_000_000_000n ? Number.MAX_SAFE_INTEGER : Number(size));
  const out = new SetValue();
  for (let ip = n.base; ip <= lastOf(n); ip++) out.add(formatIP(ip));
  return out;
}

/** A merge input: an IP (IPv4 only, with its classful default mask, unmasked) or a CIDR. */
function mergeInput(v: Value): Net {
  if (typeof v !== 'string') throw builtinError('element must be string');
  const ip = parseIP(v);
  if (ip === undefined) return parseCIDR(v);
  if (!isMapped(ip)) throw builtinError('IPv6 invalid: needs prefix length');
  const first = Number((ip >> 24n) & 0xffn);
  const prefix = 96 + (first < 0x80 ? 8 : first < 0xc0 ? 16 : 24);
  return { ip, base: ip & maskOf(prefix), prefix };
}

/** The fewest CIDRs covering [first, last]. */
function rangeToCIDRs(first: bigint, last: bigint): string[] {
  const out: string[] = [];
  let cur = first;
  while (cur <= last) {
    let size = 0;
    while (size < 128 && (cur & ((1n << BigInt(size + 1)) - 1n)) === 0n && cur + (1n << BigInt(size + 1)) - 1n <= last) size++;
    out.push(formatNet(cur, 128 - size));
    cur += 1n << BigInt(size);
  }
  return out;
}

function merge(args: readonly Value[]): Value {
  const v = args[0]!;
  if (!Array.isArray(v) && !(v instanceof SetValue)) throw builtinError('operand must be an array');
  const items = Array.isArray(v) ? (v as readonly Value[]) : [...v.values()];
  type Range = { first: bigint; last: bigint; net?: Net };
  const ranges: Range[] = items.map(mergeInput).map((n) => ({ first: n.base, last: lastOf(n), net: n }));
  ranges.sort((a, b) => (a.last !== b.last ? (a.last < b.last ? -1 : 1) : a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  for (let i = ranges.length - 1; i > 0; i--) {
    const f = ranges[i]!.first;
    const prev = f === 0n || f === V4_BASE ? f : f - 1n;
    if (prev <= ranges[i - 1]!.last) {
      const first = ranges[i - 1]!.first < f ? ranges[i - 1]!.first : f;
      ranges[i - 1] = { first, last: ranges[i]!.last };
      ranges.splice(i, 1);
    }
  }
  const out = new SetValue();
  for (const r of ranges) {
    if (r.net) out.add(formatNet(r.net.ip, r.net.prefix));
    else for (const c of rangeToCIDRs(r.first, r.last)) out.add(c);
  }
  return out;
}

function lookupIPAddr(args: readonly Value[], ctx: BuiltinContext): Value {
  const name = str(args, 1);
  if (!ctx.networkAllowList.includes(name)) throw builtinError(`network access to ${JSON.stringify(name)} is disabled: the host is not in the allow-list`);
  throw builtinError('DNS lookups are not available in this engine');
}

const matchElem = T.or(T.string, T.array(T.any));
const matchOperand = T.or(T.string, T.array(matchElem), T.set(matchElem), T.object(T.string, matchElem));

/** Registers the net family. */
export function register(table: BuiltinTable): void {
  const cat = 'net';
  declare(
    table,
    { name: 'net.cidr_contains', category: cat, args: [T.string, T.string], result: T.boolean, impl: (args) => cidrContains(args[0]!, args[1]!) },
    // OPA evaluates the deprecated net.cidr_overlap as net.cidr_contains; declared for v1's deprecation error.
    { name: 'net.cidr_overlap', category: cat, args: [T.string, T.string], result: T.boolean, deprecated: true, impl: (args) => cidrContains(args[0]!, args[1]!) },
    { name: 'net.cidr_intersects', category: cat, args: [T.string, T.string], result: T.boolean, impl: intersects },
    { name: 'net.cidr_contains_matches', category: cat, args: [matchOperand, matchOperand], result: T.set(T.array(T.any)), impl: containsMatches },
    { name: 'net.cidr_expand', category: cat, args: [T.string], result: T.set(T.string), impl: expand },
    { name: 'net.cidr_merge', category: cat, args: [T.or(T.array(T.string), T.set(T.string))], result: T.set(T.string), impl: merge },
    {
      name: 'net.cidr_is_valid',
      category: cat,
      args: [T.string],
      result: T.boolean,
      impl: (args) => typeof args[0] === 'string' && succeeds(() => parseCIDR(args[0] as string)),
    },
    { name: 'net.lookup_ip_addr', category: cat, args: [T.string], result: T.set(T.string), nondeterministic: true, impl: lookupIPAddr },
  );
}
