// Rego values at run time. Scalars are JS primitives (integers beyond 2^53 are bigint, so they
// stay exact); arrays are plain JS arrays; objects and sets are keyed by a canonical key string
// so that composite keys work and key order never leaks into results.

import { compareExact, exactIfLossy, ExactDecimal } from './decimal.ts';

/** A Rego value. Numbers are doubles, bigints (integers beyond 2^53) or, rarely, ExactDecimals. */
export type Value = null | boolean | number | bigint | ExactDecimal | string | readonly Value[] | ObjectValue | SetValue;

/** Marks key strings that are not plain strings; plain string keys map to themselves. */
const ESC = '\u0001';
/** Passed by lazy objects, which have no map until they materialise (never written to). */
const NO_ENTRIES: Map<string, Value> = new Map();

/** An object: any values as keys, insertion order irrelevant to equality and output. */
export class ObjectValue {
  private map: Map<string, Value> | undefined;
  /** key string → key value, for keys that are not plain strings */
  keys: Map<string, Value> | undefined;
  /**
   * The plain JSON object a lazy value stands for: fields are converted when first read, so an
   * evaluation pays only for the part of its input the policy looks at.
   */
  private src: Record<string, unknown> | undefined;
  private seen: Map<string, Value> | undefined;

  constructor(vals: Map<string, Value> = new Map(), keys?: Map<string, Value>) {
    this.map = vals;
    this.keys = keys;
  }

  /** An object over plain JSON data, converted field by field as it is read. */
  static lazy(src: Record<string, unknown>): ObjectValue {
    const o = new ObjectValue(NO_ENTRIES);
    o.map = undefined;
    o.src = src;
    return o;
  }

  /** key string → value */
  get vals(): Map<string, Value> {
    return this.map ?? this.materialise();
  }

  get size(): number {
    return this.vals.size;
  }

  /** The value at key, or undefined. */
  get(key: Value): Value | undefined {
    const src = this.src;
    if (src !== undefined) {
      if (typeof key !== 'string' || !Object.hasOwn(src, key)) return undefined;
      const x = src[key];
      if (x === undefined) return undefined;
      // Scalars convert for free; only composites are remembered, so each is converted once.
      if (typeof x !== 'object' || x === null) return fromJSLazy(x);
      const seen = (this.seen ??= new Map());
      const known = seen.get(key);
      if (known !== undefined) return known;
      const v = fromJSLazy(x);
      seen.set(key, v);
      return v;
    }
    return this.map!.get(keyOf(key));
  }

  /**
   * The value at a path of string keys, or undefined. Below a lazy object the walk goes through
   * the plain data, so the objects it only passes through are never wrapped; anything unusual on
   * the way (arrays, Rego values, a composite result) takes the step-by-step walk.
   */
  getPath(keys: readonly string[]): Value | undefined {
    if (keys.length === 0) return this;
    let raw: unknown = this.src;
    if (raw !== undefined) {
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        const next = Object.hasOwn(raw as object, k) ? (raw as Record<string, unknown>)[k] : undefined;
        if (next === undefined) return undefined;
        if (typeof next !== 'object' || next === null) return i === keys.length - 1 ? fromJSLazy(next) : undefined;
        if (i === keys.length - 1 || Array.isArray(next) || next instanceof ObjectValue || next instanceof SetValue) break;
        raw = next;
      }
    }
    let v = this.get(keys[0]!);
    for (let i = 1; i < keys.length && v !== undefined; i++) {
      const k = keys[i]!;
      v = v instanceof ObjectValue ? v.get(k) : v instanceof SetValue && v.has(k) ? k : undefined;
    }
    return v;
  }

  private materialise(): Map<string, Value> {
    const src = this.src!;
    const map = new Map<string, Value>();
    for (const k of Object.keys(src)) {
      const x = src[k];
      if (x === undefined) continue;
      const v = this.seen?.get(k) ?? fromJSLazy(x);
      const ks = keyOf(k);
      if (ks !== k) (this.keys ??= new Map()).set(ks, k);
      map.set(ks, v);
    }
    this.map = map;
    this.src = undefined;
    this.seen = undefined;
    return map;
  }

  /** Sets key to value (mutates; only for values under construction). */
  set(key: Value, value: Value): void {
    const ks = keyOf(key);
    const map = this.vals;
    if (typeof key !== 'string' || ks !== key) (this.keys ??= new Map()).set(ks, key);
    map.set(ks, value);
  }

  /** The key value for a key string. */
  keyFor(ks: string): Value {
    return this.keys?.get(ks) ?? ks;
  }

  /** [key, value] pairs in insertion order. */
  *entries(): IterableIterator<[Value, Value]> {
    for (const [ks, v] of this.vals) yield [this.keyFor(ks), v];
  }

  /** Keys in insertion order. */
  *keyValues(): IterableIterator<Value> {
    for (const ks of this.vals.keys()) yield this.keyFor(ks);
  }
}

/** A set of values. */
export class SetValue {
  readonly items: Map<string, Value>;

  constructor(items: Map<string, Value> = new Map()) {
    this.items = items;
  }

  get size(): number {
    return this.items.size;
  }

  has(v: Value): boolean {
    return this.items.has(keyOf(v));
  }

  /** Adds v (mutates; only for values under construction). */
  add(v: Value): void {
    this.items.set(keyOf(v), v);
  }

  values(): IterableIterator<Value> {
    return this.items.values();
  }
}

/** Builds an object from [key, value] pairs. */
export function makeObject(pairs: Iterable<readonly [Value, Value]>): ObjectValue {
  const o = new ObjectValue();
  for (const [k, v] of pairs) o.set(k, v);
  return o;
}

/** Builds a set from values. */
export function makeSet(values: Iterable<Value>): SetValue {
  const s = new SetValue();
  for (const v of values) s.add(v);
  return s;
}

export const EMPTY_SET_KEY = `${ESC}<>`;

const compositeKeys = new WeakMap<object, string>();

/** The canonical identity of a value: equal values (1 and 1.0 included) give equal keys. */
export function keyOf(v: Value): string {
  switch (typeof v) {
    case 'string':
      return v.length > 0 && v.charCodeAt(0) === 1 ? `${ESC}s${v}` : v;
    case 'number':
      // An integral double beyond 2^53 must key like the equal bigint.
      return Number.isInteger(v) && !Number.isSafeInteger(v) && Number.isFinite(v) ? `${ESC}#${BigInt(v)}` : `${ESC}#${v}`;
    case 'bigint':
      return `${ESC}#${v}`;
    case 'boolean':
      return v ? `${ESC}t` : `${ESC}f`;
    case 'object': {
      if (v === null) return `${ESC}n`;
      const cached = compositeKeys.get(v);
      if (cached !== undefined) return cached;
      let k: string;
      // An ExactDecimal never equals a double or bigint (it exists only where those would differ): own key space.
      if (v instanceof ExactDecimal) return `${ESC}#d${v.coef}e${v.exp}`;
      if (Array.isArray(v)) {
        k = `${ESC}[${(v as readonly Value[]).map(lenPrefixed).join('')}]`;
      } else if (v instanceof ObjectValue) {
        const parts = [...v.vals.entries()].map(([ks, val]) => lenPrefixed2(ks, keyOf(val))).sort();
        k = `${ESC}{${parts.join('')}}`;
      } else {
        k = `${ESC}<${[...(v as SetValue).items.keys()].map((s) => `${s.length}:${s}`).sort().join('')}>`;
      }
      compositeKeys.set(v, k);
      return k;
    }
    default:
      throw new TypeError(`not a Rego value: ${typeof v}`);
  }
}

function lenPrefixed(v: Value): string {
  const k = keyOf(v);
  return `${k.length}:${k}`;
}

function lenPrefixed2(a: string, b: string): string {
  return `${a.length}:${a}${b.length}:${b}`;
}

// ---------------------------------------------------------------------------------------------
// Numbers

/** A number normalised so that each mathematical integer has one representation. */
export function num(x: number | bigint): number | bigint {
  if (typeof x === 'bigint') return x >= -9007199254740991n && x <= 9007199254740991n ? Number(x) : x;
  if (Number.isInteger(x) && !Number.isSafeInteger(x) && Number.isFinite(x)) return BigInt(x);
  return x;
}

export function isNumber(v: Value | undefined): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint' || v instanceof ExactDecimal;
}

/** True for integral numbers (bigint, or a number with no fraction). */
export function isInteger(v: number | bigint): boolean {
  return typeof v === 'bigint' || Number.isInteger(v);
}

/** Parses a Rego/JSON number literal exactly where it is an integer. */
export function parseNumber(text: string): number | bigint | ExactDecimal {
  if (/^-?\d+$/.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : num(BigInt(text));
  }
  // Integral values written with a fraction or an exponent (1e30, 2.50e2) stay exact, as OPA
  // keeps the text and does integer arithmetic on it.
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (m) {
    const frac = (m[3] ?? '').replace(/0+$/, '');
    const scale = Number(m[4] ?? '0') - frac.length;
    const digits = ((m[2] ?? '') + frac).replace(/^0+/, '');
    if (digits !== '' && scale >= 0 && scale <= 1000) {
      const v = BigInt(digits) * 10n ** BigInt(scale);
      return num(m[1] === '-' ? -v : v);
    }
  }
  const d = Number(text);
  return exactIfLossy(text, d) ?? num(d);
}

// ---------------------------------------------------------------------------------------------
// Type names and order

/** OPA's type name of a value. */
export function typeName(v: Value): string {
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
    case 'bigint':
      return 'number';
    case 'boolean':
      return 'boolean';
    default:
      if (v === null) return 'null';
      if (Array.isArray(v)) return 'array';
      if (v instanceof ExactDecimal) return 'number';
      return v instanceof ObjectValue ? 'object' : 'set';
  }
}

function rank(v: Value): number {
  switch (typeof v) {
    case 'boolean':
      return 1;
    case 'number':
    case 'bigint':
      return 2;
    case 'string':
      return 3;
    default:
      if (v === null) return 0;
      if (Array.isArray(v)) return 6;
      if (v instanceof ExactDecimal) return 2;
      return v instanceof ObjectValue ? 7 : 8;
  }
}

/** Compares strings by Unicode code point (as Go compares UTF-8 bytes). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (U+D800–DFFF) encode code points above U+FFFF: they sort after every BMP unit.
      const wx = x >= 0xd800 && x <= 0xdfff ? x + 0x10000 : x;
      const wy = y >= 0xd800 && y <= 0xdfff ? y + 0x10000 : y;
      return wx < wy ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : a.length === b.length ? 0 : 1;
}

/** OPA's total order over values: null < boolean < number < string < array < object < set. */
export function compare(a: Value, b: Value): number {
  if (a === b) return 0;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return a === b ? 0 : a === false ? -1 : 1;
    case 2:
      if (typeof a === 'object' || typeof b === 'object') return compareExact(a as number | ExactDecimal, b as number | ExactDecimal);
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 3:
      return compareStrings(a as string, b as string);
    case 6: {
      const x = a as readonly Value[];
      const y = b as readonly Value[];
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compare(x[i]!, y[i]!);
        if (c !== 0) return c;
      }
      return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
    }
    case 7: {
      const x = sortedEntries(a as ObjectValue);
      const y = sortedEntries(b as ObjectValue);
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const ck = compare(x[i]![0], y[i]![0]);
        if (ck !== 0) return ck;
        const cv = compare(x[i]![1], y[i]![1]);
        if (cv !== 0) return cv;
      }
      return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
    }
    default: {
      const x = sortedValues(a as SetValue);
      const y = sortedValues(b as SetValue);
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compare(x[i]!, y[i]!);
        if (c !== 0) return c;
      }
      return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
    }
  }
}

/** Value equality (1 == 1.0; sets and objects regardless of order). */
export function equal(a: Value, b: Value): boolean {
  if (a === b) return true;
  const ta = typeof a;
  if (ta === 'string' || ta === 'boolean') return false;
  if (ta === 'number' || ta === 'bigint') {
    // eslint-disable-next-line eqeqeq -- bigint/number equality is exactly what we want here
    return (typeof b === 'number' || typeof b === 'bigint') && a == b;
  }
  if (a === null || b === null || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equal(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof ObjectValue) {
    if (!(b instanceof ObjectValue) || a.size !== b.size) return false;
    for (const [ks, v] of a.vals) {
      const w = b.vals.get(ks);
      if (w === undefined || !equal(v, w)) return false;
    }
    return true;
  }
  if (a instanceof ExactDecimal) return b instanceof ExactDecimal && a.coef === b.coef && a.exp === b.exp;
  if (!(b instanceof SetValue) || (a as SetValue).size !== b.size) return false;
  for (const ks of (a as SetValue).items.keys()) if (!b.items.has(ks)) return false;
  return true;
}

/** Object entries sorted by key in Rego order. */
export function sortedEntries(o: ObjectValue): [Value, Value][] {
  return [...o.entries()].sort((x, y) => compare(x[0], y[0]));
}

/** Set elements sorted in Rego order. */
export function sortedValues(s: SetValue): Value[] {
  return [...s.values()].sort(compare);
}

// ---------------------------------------------------------------------------------------------
// JSON

/** Converts parsed JSON (or plain JS data) to a Rego value. */
export function fromJS(x: unknown): Value {
  switch (typeof x) {
    case 'string':
    case 'boolean':
      return x;
    case 'number':
      return num(x);
    case 'bigint':
      return num(x);
    case 'object': {
      if (x === null) return null;
      if (Array.isArray(x)) return x.map(fromJS);
      if (x instanceof ObjectValue || x instanceof SetValue || x instanceof ExactDecimal) return x;
      const o = new ObjectValue();
      for (const k of Object.keys(x)) o.vals.set(keyOf(k), fromJS((x as Record<string, unknown>)[k]));
      // keyOf only escapes strings starting with \u0001; record those keys.
      for (const k of Object.keys(x)) if (k.charCodeAt(0) === 1) (o.keys ??= new Map()).set(keyOf(k), k);
      return o;
    }
    default:
      throw new TypeError(`cannot convert ${typeof x} to a Rego value`);
  }
}

/**
 * Converts plain JSON data to a Rego value lazily: objects convert their fields on first read.
 * Used for input, and for bundle data whose JSON the bundle loader has already checked.
 */
export function fromJSLazy(x: unknown): Value {
  switch (typeof x) {
    case 'string':
    case 'boolean':
      return x;
    case 'number':
    case 'bigint':
      return num(x);
    case 'object':
      if (x === null) return null;
      if (Array.isArray(x)) return x.map(fromJSLazy);
      if (x instanceof ObjectValue || x instanceof SetValue) return x;
      return ObjectValue.lazy(x as Record<string, unknown>);
    default:
      throw new TypeError(`cannot convert ${typeof x} to a Rego value`);
  }
}

/** Parses JSON text into a Rego value, keeping integers beyond 2^53 and over-long decimals exact. */
export function parseJSON(text: string): Value {
  if (!/\d{16,}|[eE][+-]?\d{3}/.test(text)) return fromJS(JSON.parse(text));
  const reviver = function (this: unknown, _key: string, value: unknown, context?: { source?: string }): unknown {
    if (typeof value !== 'number' || !context?.source) return value;
    if (/^-?\d{16,}$/.test(context.source)) return BigInt(context.source);
    return exactIfLossy(context.source, value) ?? value;
  };
  return fromJS(JSON.parse(text, reviver as (this: unknown, key: string, value: unknown) => unknown));
}

/** Converts a value to plain JS data for JSON output: sets become sorted arrays, non-string keys strings. */
export function toJS(v: Value): unknown {
  switch (typeof v) {
    case 'object': {
      if (v === null) return null;
      if (Array.isArray(v)) return v.map(toJS);
      if (v instanceof ExactDecimal) return v.toNumber();
      if (v instanceof ObjectValue) {
        const out: Record<string, unknown> = {};
        for (const [k, val] of sortedEntries(v)) out[typeof k === 'string' ? k : toJSON(k)] = toJS(val);
        return out;
      }
      return sortedValues(v as SetValue).map(toJS);
    }
    default:
      return v;
  }
}

/** JSON text of a value: sets as sorted arrays, object keys sorted, bigints exact. */
export function toJSON(v: Value, indent = 0): string {
  return writeJSON(v, indent > 0 ? ' '.repeat(indent) : '', '\n');
}

function writeJSON(v: Value, step: string, nl: string): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
    default: {
      if (v === null) return 'null';
      if (v instanceof ExactDecimal) return v.toString();
      let items: string[];
      let open: string;
      let close: string;
      const inner = step ? nl + step : '';
      if (v instanceof ObjectValue) {
        [open, close] = ['{', '}'];
        items = sortedEntries(v).map(([k, val]) => `${JSON.stringify(typeof k === 'string' ? k : writeJSON(k, '', ''))}:${step ? ' ' : ''}${writeJSON(val, step, inner)}`);
      } else {
        [open, close] = ['[', ']'];
        items = (Array.isArray(v) ? (v as readonly Value[]) : sortedValues(v as SetValue)).map((x) => writeJSON(x, step, inner));
      }
      if (items.length === 0) return open + close;
      return step ? `${open}${inner}${items.join(`,${inner}`)}${nl}${close}` : `${open}${items.join(',')}${close}`;
    }
  }
}

/** A value written as a Rego term (the way OPA prints values in messages and `%v`). */
export function formatValue(v: Value): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return formatNumber(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
    default: {
      if (v === null) return 'null';
      if (v instanceof ExactDecimal) return v.toString();
      if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
      // OPA prints object keys in sorted order (ast object String() walks sortedKeys()).
      if (v instanceof ObjectValue) return `{${sortedEntries(v).map(([k, val]) => `${formatValue(k)}: ${formatValue(val)}`).join(', ')}}`;
      const s = v as SetValue;
      return s.size === 0 ? 'set()' : `{${sortedValues(s).map(formatValue).join(', ')}}`;
    }
  }
}

/** A number as OPA prints it: integers in full, other numbers in Go's shortest 'g' form. */
export function formatNumber(n: number | bigint): string {
  if (typeof n === 'bigint') return n.toString();
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return n.toFixed(0);
  const s = String(n);
  // Go writes exponents with at least two digits: 1e+21 → 1e+21, 1e-7 → 1e-07.
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Truthiness is not a Rego concept; this is `v === true` with a name. */
export function isTrue(v: Value | undefined): boolean {
  return v === true;
}
