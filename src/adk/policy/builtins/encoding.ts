// Encodings: json.marshal*/unmarshal/is_valid, yaml.*, base64*, base64url*, hex.*, urlquery.*,
// with Go's exact output and error texts.
import YAML from 'yaml';
import { SetValue, formatValue, fromJS, makeObject, sortedEntries, sortedValues, toJS, typeName, type Value } from '../value.ts';
import { T } from '../types.ts';
import { builtinError, declare, operandError, type BuiltinTable } from './builtin.ts';
import { object, str } from './args.ts';
import { succeeds } from './attempt.ts';
import { goJSONValid, goMarshal, goQuoteRune, goUnmarshal } from './gojson.ts';
import { STD, base64urlBytes, goBase64Decode } from './gobase64.ts';

const utf8 = new TextEncoder();
const bytesToString = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

function marshalWithOptions(args: readonly Value[]): Value {
  const opts = object(args, 2);
  let indent = '\t';
  let prefix = '';
  let implicit = false;
  let explicit: boolean | undefined;
  for (const [idx, [k, v]] of sortedEntries(opts).entries()) {
    // OPA reports the option's index as the operand position of its inner check.
    if (typeof k !== 'string') throw operandError(2, `failed to stringify key ${formatValue(k)} at index ${idx}: operand ${idx} must be string but got ${typeName(k)}`);
    if (k === 'prefix' || k === 'indent') {
      if (typeof v !== 'string') throw operandError(2, `key ${k} failed cast to string: operand ${idx} must be string but got ${typeName(v)}`);
      if (k === 'prefix') prefix = v;
      else indent = v;
      implicit = true;
    } else if (k === 'pretty') {
      if (typeof v !== 'boolean') throw operandError(2, `key ${k} failed cast to bool`);
      explicit = v;
    } else throw operandError(2, `object contained unknown key ${k}`);
  }
  const pretty = explicit ?? implicit;
  return pretty ? prefix + goMarshal(args[0]!, prefix, indent) : goMarshal(args[0]!);
}

function unmarshal(args: readonly Value[]): Value {
  const r = goUnmarshal(str(args, 1));
  if ('error' in r) throw builtinError(r.error);
  return r.value;
}

// YAML follows sigs.k8s.io/yaml (go-yaml v2): YAML 1.1 scalars, every document must parse.
// go-yaml leaves timestamps and sexagesimal numbers as strings when decoding into JSON data.
const goYAMLTags = (tags: YAML.Tags): YAML.Tags =>
  tags.filter((t) => {
    const tag = t as { tag?: string; format?: string };
    return tag.tag !== 'tag:yaml.org,2002:timestamp' && tag.format !== 'TIME';
  });

function yamlDocuments(text: string): YAML.Document.Parsed[] {
  const docs = YAML.parseAllDocuments(text, { version: '1.1', uniqueKeys: true, customTags: goYAMLTags });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const d of list) if (d.errors.length > 0) throw builtinError(`yaml: ${d.errors[0]!.message.split('\n')[0]}`);
  return list;
}

function yamlUnmarshal(args: readonly Value[]): Value {
  const docs = yamlDocuments(str(args, 1));
  if (docs.length === 0) return null;
  return fromJS(normaliseYAML(docs[0]!.toJS({ mapAsMap: false, maxAliasCount: 100 })));
}

/** YAML to JSON data: keys become strings, non-finite numbers are rejected as go-yaml does. */
function normaliseYAML(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(normaliseYAML);
  if (x instanceof Date) return x.toISOString();
  if (x instanceof Uint8Array) return Buffer.from(x).toString('base64');
  if (x instanceof Set) return [...x].map(normaliseYAML);
  if (x !== null && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) out[k] = normaliseYAML(v);
    return out;
  }
  if (typeof x === 'number' && !Number.isFinite(x)) throw builtinError('json: unsupported value: ' + String(x).replace('Infinity', '+Inf'));
  return x;
}

function yamlMarshal(args: readonly Value[]): Value {
  return YAML.stringify(toJS(args[0]!), { version: '1.1', indentSeq: false, lineWidth: 0, singleQuote: false });
}

function base64Encode(s: string, url: boolean, pad: boolean): string {
  const b = Buffer.from(s, 'utf8').toString(url ? 'base64url' : 'base64');
  if (url && pad) return b + '='.repeat((4 - (b.length % 4)) % 4);
  return b;
}

function base64urlDecode(args: readonly Value[]): Value {
  return bytesToString(base64urlBytes(str(args, 1)));
}

function hexDecode(args: readonly Value[]): Value {
  const src = utf8.encode(str(args, 1));
  const nib = (c: number) => (c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1);
  const bad = (c: number) => {
    const printable = c >= 0x20 && c !== 0x7f && !(c >= 0x80 && c <= 0xa0) && c !== 0xad;
    return builtinError(`encoding/hex: invalid byte: U+${c.toString(16).toUpperCase().padStart(4, '0')}${printable ? ` '${goQuoteRune(c)}'` : ''}`);
  };
  const out: number[] = [];
  let j = 1;
  for (; j < src.length; j += 2) {
    const a = nib(src[j - 1]!);
    const b = nib(src[j]!);
    if (a < 0) throw bad(src[j - 1]!);
    if (b < 0) throw bad(src[j]!);
    out.push((a << 4) | b);
  }
  if (src.length % 2 === 1) {
    if (nib(src[j - 1]!) < 0) throw bad(src[j - 1]!);
    throw builtinError('encoding/hex: odd length hex string');
  }
  return bytesToString(new Uint8Array(out));
}

// ---------------------------------------------------------------------------------------------
// URL query encoding as Go's net/url does it.

/** url.QueryEscape */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of utf8.encode(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (b === 0x20) out += '+';
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** url.QueryUnescape; throws Go's "invalid URL escape" error. */
export function queryUnescape(s: string): string {
  const bytes: number[] = [];
  const src = utf8.encode(s);
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === 0x25) {
      const hex = String.fromCharCode(src[i + 1] ?? 0x20, src[i + 2] ?? 0x20);
      if (i + 2 >= src.length || !/^[0-9a-fA-F]{2}$/.test(hex)) {
        const bad = bytesToString(src.subarray(i, Math.min(i + 3, src.length)));
        throw builtinError(`invalid URL escape ${JSON.stringify(bad)}`);
      }
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(c === 0x2b ? 0x20 : c);
  }
  return bytesToString(new Uint8Array(bytes));
}

function encodeObject(args: readonly Value[]): Value {
  const o = object(args, 1);
  const bad = () => operandError(1, 'values must be string, array[string], or set[string]');
  const pairs: [string, string[]][] = [];
  for (const [k, v] of o.entries()) {
    const key = typeof k === 'string' ? k : JSON.stringify(toJS(k));
    let vals: string[];
    if (typeof v === 'string') vals = [v];
    else if (Array.isArray(v) || v instanceof SetValue) {
      const items = v instanceof SetValue ? sortedValues(v) : (v as readonly Value[]);
      vals = items.map((x) => {
        if (typeof x !== 'string') throw bad();
        return x;
      });
    } else throw bad();
    pairs.push([key, vals]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return pairs.flatMap(([k, vs]) => vs.map((v) => `${queryEscape(k)}=${queryEscape(v)}`)).join('&');
}

function decodeObject(args: readonly Value[]): Value {
  const q = str(args, 1);
  const params = new Map<string, string[]>();
  let firstErr: Error | undefined;
  for (const part of q.split('&')) {
    if (part === '') continue;
    if (part.includes(';')) {
      firstErr ??= builtinError('invalid semicolon separator in query');
      continue;
    }
    const eq = part.indexOf('=');
    const [rk, rv] = eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)];
    try {
      const k = queryUnescape(rk);
      const v = queryUnescape(rv);
      params.set(k, [...(params.get(k) ?? []), v]);
    } catch (e) {
      firstErr ??= e as Error;
    }
  }
  if (firstErr) throw firstErr;
  return makeObject([...params].map(([k, vs]) => [k, vs] as const));
}

const s2s = (name: string, f: (s: string) => string) => ({
  name,
  category: 'encoding',
  args: [T.string],
  result: T.string,
  impl: (args: readonly Value[]) => f(str(args, 1)),
});

/** Registers the encoding family. */
export function register(table: BuiltinTable): void {
  declare(
    table,
    { name: 'json.marshal', category: 'encoding', args: [T.any], result: T.string, impl: (args) => goMarshal(args[0]!) },
    { name: 'json.marshal_with_options', category: 'encoding', args: [T.any, T.object(T.string, T.any)], result: T.string, impl: marshalWithOptions },
    { name: 'json.unmarshal', category: 'encoding', args: [T.string], result: T.any, impl: unmarshal },
    { name: 'json.is_valid', category: 'encoding', args: [T.string], result: T.boolean, impl: (args) => typeof args[0] === 'string' && goJSONValid(args[0]) },
    { name: 'yaml.marshal', category: 'encoding', args: [T.any], result: T.string, impl: yamlMarshal },
    { name: 'yaml.unmarshal', category: 'encoding', args: [T.string], result: T.any, impl: yamlUnmarshal },
    {
      name: 'yaml.is_valid',
      category: 'encoding',
      args: [T.string],
      result: T.boolean,
      impl: (args) => typeof args[0] === 'string' && succeeds(() => yamlDocuments(args[0] as string)),
    },
    s2s('base64.encode', (s) => base64Encode(s, false, true)),
    s2s('base64.decode', (s) => bytesToString(goBase64Decode(s, STD, true))),
    {
      name: 'base64.is_valid',
      category: 'encoding',
      args: [T.string],
      result: T.boolean,
      impl: (args) => typeof args[0] === 'string' && succeeds(() => goBase64Decode(args[0] as string, STD, true)),
    },
    s2s('base64url.encode', (s) => base64Encode(s, true, true)),
    s2s('base64url.encode_no_pad', (s) => base64Encode(s, true, false)),
    { name: 'base64url.decode', category: 'encoding', args: [T.string], result: T.string, impl: base64urlDecode },
    s2s('hex.encode', (s) => Buffer.from(s, 'utf8').toString('hex')),
    { name: 'hex.decode', category: 'encoding', args: [T.string], result: T.string, impl: hexDecode },
    s2s('urlquery.encode', queryEscape),
    s2s('urlquery.decode', queryUnescape),
    { name: 'urlquery.encode_object', category: 'encoding', args: [T.object(T.string, T.or(T.string, T.array(T.string), T.set(T.string)))], result: T.string, impl: encodeObject },
    { name: 'urlquery.decode_object', category: 'encoding', args: [T.string], result: T.object(T.string, T.array(T.string)), impl: decodeObject },
  );
}
