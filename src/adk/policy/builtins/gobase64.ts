// base64 as Go's encoding/base64 decodes it (padding rules, \r\n skipped, error offsets), and
// OPA's lenient base64url (missing padding restored).
import { builtinError } from './builtin.ts';

const utf8 = new TextEncoder();


export const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
export const URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Decodes like Go's Encoding.DecodeString; throws "illegal base64 data at input byte N". */
export function goBase64Decode(text: string, alphabet: string, padded: boolean): Uint8Array {
  const src = utf8.encode(text);
  const map = new Map<number, number>([...alphabet].map((c, i) => [c.charCodeAt(0), i]));
  const out: number[] = [];
  const corrupt = (n: number) => builtinError(`illegal base64 data at input byte ${n}`);
  const nl = (c: number | undefined) => c === 0x0a || c === 0x0d;
  let si = 0;
  for (;;) {
    const buf = [0, 0, 0, 0];
    let dlen = 4;
    let trailingErr: number | undefined;
    let j = 0;
    for (; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return new Uint8Array(out);
        if (j === 1 || padded) throw corrupt(si - j);
        dlen = j;
        break;
      }
      const c = src[si++]!;
      const d = map.get(c);
      if (d !== undefined) {
        buf[j] = d;
        continue;
      }
      if (nl(c)) {
        j--;
        continue;
      }
      if (c !== 0x3d || !padded) throw corrupt(si - 1);
      if (j < 2) throw corrupt(si - 1);
      if (j === 2) {
        while (si < src.length && nl(src[si])) si++;
        if (si === src.length) throw corrupt(src.length);
        if (src[si] !== 0x3d) throw corrupt(si - 1);
        si++;
      }
      while (si < src.length && nl(src[si])) si++;
      if (si < src.length) trailingErr = si;
      dlen = j;
      break;
    }
    const val = (buf[0]! << 18) | (buf[1]! << 12) | (buf[2]! << 6) | buf[3]!;
    const bytes = [(val >> 16) & 0xff, (val >> 8) & 0xff, val & 0xff];
    out.push(...bytes.slice(0, dlen - 1));
    if (trailingErr !== undefined) throw corrupt(trailingErr);
    if (dlen < 4) return new Uint8Array(out);
  }
}

/** OPA's base64url.decode as bytes: padding may be omitted (RFC 7515 appendix C). */
export function base64urlBytes(text: string): Uint8Array {
  let s = text;
  if (!s.endsWith('=')) {
    const r = s.length % 4;
    if (r === 1) throw builtinError(`illegal base64url string: ${s}`);
    s += r === 2 ? '==' : r === 3 ? '=' : '';
  }
  return goBase64Decode(s, URL, true);
}
