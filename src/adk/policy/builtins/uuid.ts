// uuid.rfc4122 (random, stable per argument within a query) and uuid.parse.
import { randomBytes } from 'node:crypto';
import { fromJS, keyOf, type Value } from '../value.ts';
import { T } from '../types.ts';
import { declare, type BuiltinContext, type BuiltinTable } from './builtin.ts';
import { str } from './args.ts';

function rfc4122(args: readonly Value[], ctx: BuiltinContext): Value {
  const key = `uuid.rfc4122\u0000${keyOf(str(args, 1))}`;
  const cached = ctx.cache.get(key);
  if (typeof cached === 'string') return cached;
  const b = randomBytes(16);
  b[8] = (b[8]! & 0x3f) | 0x80;
  b[6] = (b[6]! & 0x0f) | 0x40;
  const h = b.toString('hex');
  const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  ctx.cache.set(key, id);
  return id;
}

/** The 16 bytes of a UUID in any form Go's google/uuid accepts; undefined when malformed. */
function uuidBytes(s: string): Buffer | undefined {
  let hex: string;
  if (s.length === 32) hex = s;
  else {
    let t = s;
    if (t.length === 45) {
      if (t.slice(0, 9).toLowerCase() !== 'urn:uuid:') return undefined;
      t = t.slice(9);
    } else if (t.length === 38) {
      if (t[0] !== '{' || t[37] !== '}') return undefined;
      t = t.slice(1, 37);
    } else if (t.length !== 36) return undefined;
    if (t[8] !== '-' || t[13] !== '-' || t[18] !== '-' || t[23] !== '-') return undefined;
    hex = t.slice(0, 8) + t.slice(9, 13) + t.slice(14, 18) + t.slice(19, 23) + t.slice(24);
  }
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return undefined;
  return Buffer.from(hex, 'hex');
}

const VARIANTS = ['Reserved', 'RFC4122', 'Microsoft', 'Future'];
const DOMAINS = ['Person', 'Group', 'Org'];
/** 100-ns intervals between the Gregorian epoch (1582-10-15) and the Unix epoch. */
const GREGORIAN_OFFSET = 122192928000000000n;

function parse(args: readonly Value[]): Value | undefined {
  const b = uuidBytes(str(args, 1));
  if (!b) return undefined;
  const version = b[6]! >> 4;
  const v8 = b[8]!;
  const variant = (v8 & 0xc0) === 0x80 ? 1 : (v8 & 0xe0) === 0xc0 ? 2 : (v8 & 0xe0) === 0xe0 ? 3 : 0;
  const out: Record<string, unknown> = { version, variant: VARIANTS[variant] };
  if (version === 1 || version === 2) {
    const t = BigInt(b.readUInt32BE(0)) | (BigInt(b.readUInt16BE(4)) << 32n) | (BigInt(b.readUInt16BE(6) & 0xfff) << 48n);
    out['time'] = (t - GREGORIAN_OFFSET) * 100n;
    const node = b.subarray(10, 16);
    out['nodeid'] = [...node].map((x) => x.toString(16).padStart(2, '0')).join('-');
    const first = node[0]!;
    out['macvariables'] = (first & 3) === 3 ? 'local:multicast' : (first & 1) === 1 ? 'global:multicast' : (first & 2) === 2 ? 'local:unicast' : 'global:unicast';
    out['clocksequence'] = b.readUInt16BE(8) & 0x3fff;
    if (version === 2) {
      out['id'] = b.readUInt32BE(0);
      out['domain'] = DOMAINS[b[9]!] ?? `Domain${b[9]!}`;
    }
  }
  return fromJS(out);
}

/** Registers the uuid family. */
export function register(table: BuiltinTable): void {
  declare(
    table,
    { name: 'uuid.rfc4122', category: 'uuid', nondeterministic: true, args: [T.string], result: T.string, impl: rfc4122 },
    { name: 'uuid.parse', category: 'uuid', args: [T.string], result: T.object(T.string, T.any), impl: parse },
  );
}
