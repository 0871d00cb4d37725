// A minimal DER reader, enough for X.509 certificates, CSRs and keys.
import { builtinError } from './builtin.ts';

/** One DER element: tag byte, content, and the whole encoding. */
export interface Der {
  tag: number;
  content: Buffer;
  raw: Buffer;
}

/** Reads the element at offset; throws `message` when the encoding is broken. */
export function readDer(buf: Buffer, offset = 0, message = 'x509: malformed certificate'): Der {
  const fail = () => builtinError(message);
  if (offset + 2 > buf.length) throw fail();
  const tag = buf[offset]!;
  let len = buf[offset + 1]!;
  let p = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > buf.length) throw fail();
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
    p += n;
  }
  if (p + len > buf.length) throw fail();
  return { tag, content: buf.subarray(p, p + len), raw: buf.subarray(offset, p + len) };
}

/** The children of a constructed element. */
export function children(d: Der, message?: string): Der[] {
  const out: Der[] = [];
  let off = 0;
  while (off < d.content.length) {
    const c = readDer(d.content, off, message);
    out.push(c);
    off += c.raw.length;
  }
  return out;
}

/** An OBJECT IDENTIFIER's arcs. */
export function oidArcs(content: Buffer): number[] {
  const arcs: number[] = [];
  let v = 0;
  for (let i = 0; i < content.length; i++) {
    v = v * 128 + (content[i]! & 0x7f);
    if (!(content[i]! & 0x80)) {
      if (arcs.length === 0) arcs.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else arcs.push(v);
      v = 0;
    }
  }
  return arcs;
}

export const oidString = (content: Buffer): string => oidArcs(content).join('.');

/** A DER INTEGER as a bigint (two's complement). */
export function derInt(content: Buffer): bigint {
  if (content.length === 0) return 0n;
  let n = BigInt(`0x${content.toString('hex')}`);
  if (content[0]! & 0x80) n -= 1n << BigInt(content.length * 8);
  return n;
}

/** A UTCTime or GeneralizedTime as an RFC 3339 UTC string. */
export function derTime(d: Der): string {
  const s = d.content.toString('latin1');
  const m = d.tag === 0x17 ? /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s) : /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s);
  if (!m) throw builtinError('x509: malformed validity');
  let year = Number(m[1]);
  if (d.tag === 0x17) year += year < 50 ? 2000 : 1900;
  return `${String(year).padStart(4, '0')}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`;
}

/** Text of a string-typed element (UTF8String, PrintableString, IA5String, BMPString, …). */
export function derString(d: Der): string {
  if (d.tag === 0x1e) {
    let s = '';
    for (let i = 0; i + 1 < d.content.length; i += 2) s += String.fromCharCode(d.content.readUInt16BE(i));
    return s;
  }
  return d.tag === 0x0c ? d.content.toString('utf8') : d.content.toString('latin1');
}
