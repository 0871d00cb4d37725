// File digests exactly as OPA computes them for `.signatures.json` (v1/bundle/hash.go): raw bytes
// for policy and other files; for structured files (data.json, data.yaml, .manifest) a digest of
// a canonical JSON encoding — object keys in byte order, no whitespace, numbers as written,
// strings escaped as Go's encoder escapes them — so signatures ignore formatting.
import { createHash, type Hash } from 'node:crypto';
import YAML from 'yaml';
import { AutonomyError } from '../../common/errors.ts';
import { fromJS, fromJSLazy, ObjectValue, parseNumber, type Value } from '../policy/value.ts';

/** Hash algorithms accepted in a signature's file list (OPA's names); MD5 and SHA-1 are refused. */
export const HASH_ALGORITHMS = {
  'SHA-224': 'sha224',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
  'SHA-512-224': 'sha512-224',
  'SHA-512-256': 'sha512-256',
} as const;
export type HashAlgorithm = keyof typeof HASH_ALGORITHMS;

/** The algorithm OPA and we sign with. */
export const DEFAULT_HASH: HashAlgorithm = 'SHA-256';

/** True for the files OPA hashes by their canonical JSON form rather than their bytes. */
export function isStructured(name: string): boolean {
  const base = name.slice(name.lastIndexOf('/') + 1);
  return base === 'data.json' || base === 'data.yaml' || base === '.manifest' || base === 'signatures.json';
}

/** A number whose literal text is not what JS would print for it; kept as written. */
export class RawNumber {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** Parses a structured file as OPA's util.Unmarshal does (JSON, numbers as written; or YAML). */
export function parseStructured(name: string, bytes: Uint8Array): unknown {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  try {
    if (/\.ya?ml$/.test(name)) return YAML.parse(text) ?? null;
    return parseJSONPreservingNumbers(text);
  } catch (e) {
    throw new AutonomyError('bundle_data_invalid', `${name}: not valid ${/\.ya?ml$/.test(name) ? 'YAML' : 'JSON'}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * JSON.parse, except that number literals JS would print differently ("1.0", "1e3", 2^64) come
 * back as RawNumber. The common case (every literal canonical) costs one scan of the text.
 */
export function parseJSONPreservingNumbers(text: string): unknown {
  if (allNumbersCanonical(text)) return JSON.parse(text);
  const reviver = (_k: string, v: unknown, ctx?: { source?: string }): unknown =>
    typeof v === 'number' && ctx?.source !== undefined && ctx.source !== String(v) ? new RawNumber(ctx.source) : v;
  return JSON.parse(text, reviver as (this: unknown, key: string, value: unknown) => unknown);
}

/** True when every number literal outside strings is written the way String(Number(lit)) prints it. */
function allNumbersCanonical(text: string): boolean {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      // Skip the string with indexOf (native, and strings are most of a data file): its end is
      // the first quote not preceded by an odd number of backslashes.
      let j = text.indexOf('"', i + 1);
      for (;;) {
        if (j === -1) return true; // unterminated: JSON.parse reports it
        let k = j - 1;
        while (text.charCodeAt(k) === 92 /* \ */) k--;
        if ((j - 1 - k) % 2 === 0) break;
        j = text.indexOf('"', j + 1);
      }
      i = j + 1;
    } else if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      const start = i;
      let simple = true;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d >= 48 && d <= 57) i++;
        else if (d === 46 || d === 101 || d === 69 || d === 43 || d === 45) {
          simple = false;
          i++;
        } else break;
      }
      const lit = text.slice(start, i);
      // Short plain integers without a leading zero print as written; check the rest exactly.
      if (simple && lit.length < 16 && lit !== '-0' && !(lit.length > 1 && lit.charCodeAt(lit[0] === '-' ? 1 : 0) === 48)) continue;
      if (String(Number(lit)) !== lit) return false;
    } else i++;
  }
  return true;
}

/** A structured file parsed once: the plain document and its Rego value. */
export interface Decoded {
  readonly doc: unknown;
  readonly value: Value;
}

/**
 * Parses a structured file and feeds its canonical encoding to h (if given). The Rego value
 * converts the document lazily, field by field as policies read it: activation then pays for
 * one walk of the document (the hash), not for building a second copy of it as Rego values.
 */
export function decodeStructured(name: string, bytes: Uint8Array, h?: Hash): Decoded {
  const doc = parseStructured(name, bytes);
  const plain = new CanonicalEncoder(h, name).encode(doc);
  return { doc, value: plain ? fromJSLazy(doc) : regoValue(doc) };
}

/** The Rego value of a document holding numbers kept as written or YAML timestamps. */
function regoValue(v: unknown): Value {
  if (v instanceof RawNumber) return parseNumber(v.text);
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(regoValue);
  if (typeof v !== 'object' || v === null) return fromJS(v);
  const o = new ObjectValue();
  for (const [k, x] of Object.entries(v)) o.set(k, regoValue(x));
  return o;
}

/** Hex digest of a file as it appears in OPA's signature payload. */
export function fileDigest(name: string, bytes: Uint8Array, algorithm: HashAlgorithm = DEFAULT_HASH): string {
  const h = createHash(HASH_ALGORITHMS[algorithm]);
  if (isStructured(name)) decodeStructured(name, bytes, h);
  else h.update(bytes);
  return h.digest('hex');
}

/** Hex digest of an already-parsed structured document. */
export function structuredDigest(doc: unknown, algorithm: HashAlgorithm = DEFAULT_HASH, name = 'document'): string {
  const h = createHash(HASH_ALGORITHMS[algorithm]);
  canonicalJSON(doc, h, name);
  return h.digest('hex');
}

/** Writes OPA's canonical encoding of doc into h. */
export function canonicalJSON(doc: unknown, h: Hash, name: string): void {
  new CanonicalEncoder(h, name).encode(doc);
}

const CHUNK = 64 * 1024;

/**
 * One walk that encodes a document canonically. The encoding is written as bytes into one
 * reused 64 KiB buffer handed to the hash when full: no intermediate strings for the garbage
 * collector (profiling showed string building and GC dominating).
 */
class CanonicalEncoder {
  private readonly out = Buffer.allocUnsafe(CHUNK);
  private pos = 0;
  private readonly h: Hash | undefined;
  private readonly name: string;
  // Per nesting depth, the last object's keys and their sorted order: records in an array
  // usually share one shape, so most objects skip the sort (a third of the walk in profiles).
  private readonly shapes: { keys: string[]; sorted: string[] }[] = [];
  private depth = 0;
  /** No number kept as written and no timestamp seen: the document is plain JSON data. */
  private plain = true;

  constructor(h: Hash | undefined, name: string) {
    this.h = h;
    this.name = name;
  }

  /** Encodes doc; true if it is plain JSON data (see `plain`). */
  encode(doc: unknown): boolean {
    this.value(doc);
    this.flush();
    return this.plain;
  }

  private flush(): void {
    if (this.h && this.pos > 0) this.h.update(this.out.subarray(0, this.pos));
    this.pos = 0;
  }

  private byte(b: number): void {
    if (this.pos === CHUNK) this.flush();
    this.out[this.pos++] = b;
  }

  /** Text already in its final encoded form. */
  private text(s: string): void {
    const max = s.length * 3;
    if (this.pos + max > CHUNK) this.flush();
    if (max > CHUNK) this.h?.update(s, 'utf8');
    else this.pos += this.out.write(s, this.pos, 'utf8');
  }

  /** Short ASCII text (numbers, literals), copied without a call into the runtime. */
  private ascii(s: string): void {
    const n = s.length;
    if (this.pos + n > CHUNK) this.flush();
    const out = this.out;
    let p = this.pos;
    for (let i = 0; i < n; i++) out[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** A string as Go encodes it; printable ASCII (the common case) is copied byte by byte. */
  private string(s: string): void {
    const n = s.length;
    if (n + 2 <= CHUNK) {
      if (this.pos + n + 2 > CHUNK) this.flush();
      const out = this.out;
      let p = this.pos;
      out[p++] = 0x22;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7e) break;
        out[p++] = c;
      }
      if (i === n) {
        out[p++] = 0x22;
        this.pos = p;
        return;
      }
    }
    this.text(encodeString(s, this.name));
  }

  private value(v: unknown): void {
    switch (typeof v) {
      case 'string':
        this.string(v);
        return;
      case 'number':
        if (!Number.isFinite(v)) throw new AutonomyError('bundle_data_invalid', `${this.name}: a number is out of range`);
        this.ascii(String(v));
        return;
      case 'boolean':
        this.ascii(v ? 'true' : 'false');
        return;
      case 'object':
        if (v === null) this.ascii('null');
        else if (v instanceof RawNumber) {
          this.plain = false;
          this.text(v.text);
        } else if (Array.isArray(v)) this.array(v);
        else if (v instanceof Date) {
          // YAML timestamps: Go's YAML→JSON conversion writes RFC 3339 strings.
          this.plain = false;
          this.string(v.toISOString());
        } else this.object(v as Record<string, unknown>);
        return;
      default:
        throw new AutonomyError('bundle_data_invalid', `${this.name}: cannot encode a ${typeof v} as JSON`);
    }
  }

  private array(a: readonly unknown[]): void {
    this.byte(0x5b);
    for (let i = 0; i < a.length; i++) {
      if (i > 0) this.byte(0x2c);
      this.value(a[i]);
    }
    this.byte(0x5d);
  }

  private sortedKeys(o: Record<string, unknown>): string[] {
    const last = this.shapes[this.depth];
    if (last) {
      // Compared with for-in rather than Object.keys: no array per object for the collector.
      // JSON.parse and YAML make plain objects, whose prototype has no enumerable keys.
      const keys = last.keys;
      let i = 0;
      let same = true;
      for (const k in o) {
        if (keys[i++] !== k) {
          same = false;
          break;
        }
      }
      if (same && i === keys.length) return last.sorted;
    }
    const keys = Object.keys(o);
    const sorted = sortKeys([...keys]);
    this.shapes[this.depth] = { keys, sorted };
    return sorted;
  }

  private object(o: Record<string, unknown>): void {
    const keys = this.sortedKeys(o);
    this.depth++;
    this.byte(0x7b);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (i > 0) this.byte(0x2c);
      this.string(k);
      this.byte(0x3a);
      this.value(o[k]);
    }
    this.depth--;
    this.byte(0x7d);
  }
}

// Characters Go's encoder (SetEscapeHTML(false)) escapes, plus lone surrogates.
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u2028\u2029\ud800-\udfff]/;

/** Go's json encoding of a string; refuses strings Go would silently change (lone surrogates). */
function encodeString(s: string, name: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  if (!s.isWellFormed()) {
    throw new AutonomyError('bundle_data_invalid', `${name}: a string holds a lone UTF-16 surrogate; its JSON re-encoding would differ from the signed one`);
  }
  return JSON.stringify(s).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Keys in UTF-8 byte order (Go's sort.Strings); UTF-16 order agrees unless a key has a surrogate. */
function sortKeys(keys: string[]): string[] {
  let astral = false;
  for (let i = 0; i < keys.length && !astral; i++) {
    const k = keys[i]!;
    for (let j = 0; j < k.length; j++) {
      if (k.charCodeAt(j) >= 0xd800) {
        astral = true;
        break;
      }
    }
  }
  if (!astral) return keys.sort();
  return keys.sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}
