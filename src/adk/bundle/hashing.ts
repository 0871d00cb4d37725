// File digests exactly as OPA computes them for `.signatures.json` (v1/bundle/hash.go): raw bytes
// for policy and other files; for structured files (data.json, data.yaml, .manifest) a digest of
// a canonical JSON encoding — object keys in byte order, no whitespace, numbers as written,
// strings escaped as Go's encoder escapes them — so signatures ignore formatting.
import { createHash, type Hash } from 'node:crypto';
import YAML from 'yaml';
import { AutonomyError } from '../../common/errors.ts';

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
  const doc: unknown = JSON.parse(text, reviver as (this: unknown, key: string, value: unknown) => unknown);
  if (typeof doc === 'object' && doc !== null) WITH_RAW_NUMBERS.add(doc);
  return doc;
}

// Documents parsed on the slow path, which may hold RawNumbers (a flag, not a second walk).
const WITH_RAW_NUMBERS = new WeakSet<object>();

/** True when a parsed document may hold RawNumbers, so its values need an exact reparse. */
export function mayHoldRawNumbers(doc: unknown): boolean {
  return doc instanceof RawNumber || (typeof doc === 'object' && doc !== null && WITH_RAW_NUMBERS.has(doc));
}

/** True when every number literal outside strings is written the way String(Number(lit)) prints it. */
function allNumbersCanonical(text: string): boolean {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i += 2;
        else if (d === 34) break;
        else i++;
      }
      i++;
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

/** Hex digest of a file as it appears in OPA's signature payload. */
export function fileDigest(name: string, bytes: Uint8Array, algorithm: HashAlgorithm = DEFAULT_HASH): string {
  const h = createHash(HASH_ALGORITHMS[algorithm]);
  if (isStructured(name)) canonicalJSON(parseStructured(name, bytes), h, name);
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

/**
 * Appends the encoding to one string and hands it to the hash in ~64 KiB pieces: far fewer
 * hash updates and string flattenings than writing every token separately.
 */
class CanonicalEncoder {
  private buf = '';
  private readonly h: Hash;
  private readonly name: string;

  constructor(h: Hash, name: string) {
    this.h = h;
    this.name = name;
  }

  encode(doc: unknown): void {
    this.value(doc);
    if (this.buf.length > 0) this.h.update(this.buf, 'utf8');
    this.buf = '';
  }

  private value(v: unknown): void {
    switch (typeof v) {
      case 'string':
        this.buf += encodeString(v, this.name);
        return;
      case 'number':
        if (!Number.isFinite(v)) throw new AutonomyError('bundle_data_invalid', `${this.name}: a number is out of range`);
        this.buf += String(v);
        return;
      case 'boolean':
        this.buf += v ? 'true' : 'false';
        return;
      case 'object':
        if (v === null) this.buf += 'null';
        else if (v instanceof RawNumber) this.buf += v.text;
        else if (Array.isArray(v)) this.array(v);
        else if (v instanceof Date) this.buf += encodeString(v.toISOString(), this.name); // YAML timestamps, as Go's YAML→JSON writes them
        else this.object(v as Record<string, unknown>);
        if (this.buf.length > 65536) {
          this.h.update(this.buf, 'utf8');
          this.buf = '';
        }
        return;
      default:
        throw new AutonomyError('bundle_data_invalid', `${this.name}: cannot encode a ${typeof v} as JSON`);
    }
  }

  private array(a: readonly unknown[]): void {
    this.buf += '[';
    for (let i = 0; i < a.length; i++) {
      if (i > 0) this.buf += ',';
      this.value(a[i]);
    }
    this.buf += ']';
  }

  private object(o: Record<string, unknown>): void {
    const keys = sortKeys(Object.keys(o));
    this.buf += '{';
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      this.buf += `${i > 0 ? ',' : ''}${encodeString(k, this.name)}:`;
      this.value(o[k]);
    }
    this.buf += '}';
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
  for (const k of keys) if (/[\ud800-\udfff]/.test(k)) astral = true;
  if (!astral) return keys.sort();
  return keys.sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}
