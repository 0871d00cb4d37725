// json.verify_schema and json.match_schema: JSON Schema (drafts 4 to 7) as OPA's gojsonschema
// validates it, with its error types, fields and messages.
import { ObjectValue, fromJS, toJS, type Value } from '../value.ts';
import { T } from '../types.ts';
import { builtinError, declare, type BuiltinTable } from './builtin.ts';
import { goJSONValid, goMarshal, goUnmarshal } from './gojson.ts';
import { compileRegex } from './regex.ts';

type Json = null | boolean | number | bigint | string | Json[] | { [k: string]: Json };
type Schema = boolean | { [k: string]: Json };

const TYPES = ['array', 'boolean', 'integer', 'number', 'null', 'object', 'string'];

class SchemaError extends Error {}

/** The document or schema argument: JSON text, or an object/array value. */
function load(v: Value): Json {
  if (typeof v === 'string') {
    if (!goJSONValid(v)) throw new SchemaError('invalid JSON string');
    const r = goUnmarshal(v);
    return 'value' in r ? (toJS(r.value) as Json) : null;
  }
  if (v instanceof ObjectValue || Array.isArray(v)) return toJS(v) as Json;
  throw new SchemaError('wrong type, expected string or object');
}

const isObj = (x: Json | undefined): x is { [k: string]: Json } => x !== null && typeof x === 'object' && !Array.isArray(x);
const isNum = (x: Json | undefined): x is number | bigint => typeof x === 'number' || typeof x === 'bigint';

/** Checks a schema the way gojsonschema's parser does, throwing its messages. */
function checkSchema(s: Json, root: Json): void {
  if (typeof s === 'boolean') return;
  if (!isObj(s)) throw new SchemaError('Invalid type. Expected: object, given: ' + jsonType(s));
  const t = s['type'];
  if (t !== undefined) {
    const list = Array.isArray(t) ? t : [t];
    for (const x of list) {
      if (typeof x !== 'string') throw new SchemaError('type must be of type string or array of strings');
      if (!TYPES.includes(x)) throw new SchemaError(`has a primitive type that is NOT VALID -- given: /${x}/ Expected valid values are:[${TYPES.join(' ')}]`);
    }
    if (new Set(list).size !== list.length) throw new SchemaError(`${list.find((x, i) => list.indexOf(x) !== i)} type is duplicated`);
  }
  for (const k of ['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties']) {
    const v = s[k];
    if (v === undefined) continue;
    if (!isNum(v) || !Number.isInteger(Number(v))) throw new SchemaError(`${k} must be of type integer`);
    if (Number(v) < 0) throw new SchemaError(`${k} must be greater than or equal to 0`);
  }
  if (s['multipleOf'] !== undefined && (!isNum(s['multipleOf']) || Number(s['multipleOf']) <= 0)) throw new SchemaError('multipleOf must be strictly greater than 0');
  if (s['required'] !== undefined && (!Array.isArray(s['required']) || s['required'].some((x) => typeof x !== 'string'))) throw new SchemaError('required must be of an array of strings');
  if (typeof s['pattern'] === 'string') {
    try {
      compileRegex(s['pattern']);
    } catch {
      throw new SchemaError(`Invalid regex pattern '${s['pattern']}'`);
    }
  }
  if (s['enum'] !== undefined && !Array.isArray(s['enum'])) throw new SchemaError('enum must be of type array');
  if (typeof s['$ref'] === 'string') resolveRef(s['$ref'], root);
  const sub = (x: Json | undefined) => x !== undefined && checkSchema(x, root);
  for (const k of ['not', 'additionalProperties', 'additionalItems', 'contains', 'propertyNames', 'if', 'then', 'else']) if (isObj(s[k]) || typeof s[k] === 'boolean') sub(s[k]);
  for (const k of ['properties', 'patternProperties', 'definitions', '$defs']) if (isObj(s[k])) for (const v of Object.values(s[k])) sub(v);
  for (const k of ['allOf', 'anyOf', 'oneOf']) {
    if (s[k] === undefined) continue;
    if (!Array.isArray(s[k]) || s[k].length === 0) throw new SchemaError(`${k} must be of an array of schemas`);
    for (const v of s[k]) sub(v);
  }
  const items = s['items'];
  if (Array.isArray(items)) items.forEach(sub);
  else if (items !== undefined) sub(items);
}

function resolveRef(ref: string, root: Json): Json {
  if (!ref.startsWith('#')) throw new SchemaError(`Reference ${ref} must be canonical`);
  let node: Json | undefined = root;
  const path = ref.slice(1).replace(/^\//, '');
  if (path !== '') {
    for (const raw of path.split('/')) {
      const seg = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
      node = Array.isArray(node) ? node[Number(seg)] : isObj(node) ? node[seg] : undefined;
      if (node === undefined) throw new SchemaError(`Object has no key '${seg}'`);
    }
  }
  return node!;
}

function jsonType(x: Json): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'array';
  if (isNum(x)) return Number.isInteger(Number(x)) ? 'integer' : 'number';
  return typeof x === 'object' ? 'object' : typeof x;
}

interface SchemaIssue {
  type: string;
  context: string[];
  desc: string;
}

/** Marshals like gojsonschema's marshalWithoutNumber (compact JSON, sorted keys). */
const marshal = (x: Json): string => goMarshal(fromJS(x));

const fmtNum = (x: Json | undefined): string => {
  const n = Number(x);
  return Number.isInteger(n) ? String(x) : String(n);
};

const FORMATS: Record<string, RegExp | ((s: string) => boolean)> = {
  'date-time': /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  time: /^\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  email: /^[^@\s]+@[^@\s]+$/,
  'idn-email': /^[^@\s]+@[^@\s]+$/,
  hostname: /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/,
  ipv4: /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/,
  ipv6: (s) => /^[0-9a-fA-F:.]+$/.test(s) && s.includes(':'),
  uri: /^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s]*$/,
  'uri-reference': /^[^\s]*$/,
  uuid: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  'json-pointer': /^(\/([^~/]|~[01])*)*$/,
  regex: (s) => {
    try {
      compileRegex(s);
      return true;
    } catch {
      return false;
    }
  },
};

class Validator {
  readonly root: Json;
  constructor(root: Json) {
    this.root = root;
  }

  validate(s: Schema, x: Json, ctx: string[]): { issues: SchemaIssue[]; score: number } {
    const out = { issues: [] as SchemaIssue[], score: 0 };
    this.recurse(s, x, ctx, out);
    return out;
  }

  private add(out: { issues: SchemaIssue[] }, type: string, ctx: string[], desc: string): void {
    out.issues.push({ type, context: ctx, desc });
  }

  private recurse(s: Schema, x: Json, ctx: string[], out: { issues: SchemaIssue[]; score: number }): void {
    if (typeof s === 'boolean') {
      if (!s) this.add(out, 'false', ctx, 'False always fails validation');
      return;
    }
    if (typeof s['$ref'] === 'string') return this.recurse(resolveRef(s['$ref'], this.root) as Schema, x, ctx, out);
    const types = s['type'] === undefined ? [] : ((Array.isArray(s['type']) ? s['type'] : [s['type']]) as string[]);
    const typeText = types.length > 1 ? `[${types.join(',')}]` : (types[0] ?? 'undefined');
    const given = jsonType(x);
    const ok = types.length === 0 || types.includes(given) || (given === 'integer' && types.includes('number'));
    if (!ok) {
      this.add(out, 'invalid_type', ctx, `Invalid type. Expected: ${typeText}, given: ${given}`);
      return;
    }
    this.schemaKeywords(s, x, ctx, out);
    if (isNum(x)) this.number(s, x, ctx, out);
    if (Array.isArray(x)) this.array(s, x, ctx, out);
    if (isObj(x)) this.object(s, x, ctx, out);
    this.common(s, x, ctx, out);
    if (typeof x === 'string') this.string(s, x, ctx, out);
    if (isObj(x) && isObj(s['properties'])) {
      for (const k of Object.keys(s['properties']).sort()) if (k in x) this.recurse(s['properties'][k] as Schema, x[k]!, [...ctx, k], out);
    }
    out.score++;
  }

  private schemaKeywords(s: { [k: string]: Json }, x: Json, ctx: string[], out: { issues: SchemaIssue[]; score: number }): void {
    const sub = (schema: Json) => this.validate(schema as Schema, x, ctx);
    const best = (rs: { issues: SchemaIssue[]; score: number }[]) => rs.reduce<(typeof rs)[number] | undefined>((b, r) => (!b || r.score > b.score ? r : b), undefined);
    if (Array.isArray(s['anyOf'])) {
      const results = [];
      let valid = false;
      for (const a of s['anyOf']) {
        const r = sub(a);
        if (r.issues.length === 0) {
          valid = true;
          break;
        }
        results.push(r);
      }
      if (!valid) {
        this.add(out, 'number_any_of', ctx, 'Must validate at least one schema (anyOf)');
        out.issues.push(...(best(results)?.issues ?? []));
      }
    }
    if (Array.isArray(s['oneOf'])) {
      const results = s['oneOf'].map(sub);
      const n = results.filter((r) => r.issues.length === 0).length;
      if (n !== 1) {
        this.add(out, 'number_one_of', ctx, 'Must validate one and only one schema (oneOf)');
        if (n === 0) out.issues.push(...(best(results)?.issues ?? []));
      }
    }
    if (Array.isArray(s['allOf'])) {
      let n = 0;
      for (const a of s['allOf']) {
        const r = sub(a);
        if (r.issues.length === 0) n++;
        out.issues.push(...r.issues);
      }
      if (n !== s['allOf'].length) this.add(out, 'number_all_of', ctx, 'Must validate all the schemas (allOf)');
    }
    if (s['not'] !== undefined && sub(s['not']).issues.length === 0) this.add(out, 'number_not', ctx, 'Must not validate the schema (not)');
    if (isObj(s['dependencies']) && isObj(x)) {
      for (const key of Object.keys(x).sort()) {
        const dep = s['dependencies'][key];
        if (dep === undefined) continue;
        if (Array.isArray(dep)) {
          for (const d of dep) if (typeof d === 'string' && !(d in x)) this.add(out, 'missing_dependency', ctx, `Has a dependency on ${d}`);
        } else this.recurse(dep as Schema, x, ctx, out);
      }
    }
    if (s['if'] !== undefined) {
      const ifOk = sub(s['if']).issues.length === 0;
      if (ifOk && s['then'] !== undefined) {
        const r = sub(s['then']);
        if (r.issues.length) {
          this.add(out, 'condition_then', ctx, 'Must validate "then" as "if" was valid');
          out.issues.push(...r.issues);
        }
      }
      if (!ifOk && s['else'] !== undefined) {
        const r = sub(s['else']);
        if (r.issues.length) {
          this.add(out, 'condition_else', ctx, 'Must validate "else" as "if" was not valid');
          out.issues.push(...r.issues);
        }
      }
    }
  }

  private common(s: { [k: string]: Json }, x: Json, ctx: string[], out: { issues: SchemaIssue[] }): void {
    const field = fieldOf(ctx);
    if (s['const'] !== undefined && marshal(x) !== marshal(s['const'])) this.add(out, 'const', ctx, `${field} does not match: ${marshal(s['const'])}`);
    if (Array.isArray(s['enum'])) {
      const allowed = s['enum'].map(marshal);
      if (!allowed.includes(marshal(x))) this.add(out, 'enum', ctx, `${field} must be one of the following: ${allowed.join(', ')}`);
    }
  }

  private number(s: { [k: string]: Json }, x: number | bigint, ctx: string[], out: { issues: SchemaIssue[] }): void {
    const v = Number(x);
    const m = s['multipleOf'];
    if (isNum(m) && !Number.isInteger(v / Number(m))) this.add(out, 'multiple_of', ctx, `Must be a multiple of ${fmtNum(m)}`);
    let max = s['maximum'];
    let exMax = s['exclusiveMaximum'] === true;
    if (isNum(s['exclusiveMaximum'])) [max, exMax] = [s['exclusiveMaximum'], true];
    if (isNum(max)) {
      if (exMax ? v >= Number(max) : v > Number(max)) this.add(out, exMax ? 'number_lt' : 'number_lte', ctx, `Must be less than ${exMax ? '' : 'or equal to '}${fmtNum(max)}`);
    }
    let min = s['minimum'];
    let exMin = s['exclusiveMinimum'] === true;
    if (isNum(s['exclusiveMinimum'])) [min, exMin] = [s['exclusiveMinimum'], true];
    if (isNum(min)) {
      if (exMin ? v <= Number(min) : v < Number(min)) this.add(out, exMin ? 'number_gt' : 'number_gte', ctx, `Must be greater than ${exMin ? '' : 'or equal to '}${fmtNum(min)}`);
    }
  }

  private string(s: { [k: string]: Json }, x: string, ctx: string[], out: { issues: SchemaIssue[] }): void {
    const len = [...x].length;
    if (isNum(s['minLength']) && len < Number(s['minLength'])) this.add(out, 'string_gte', ctx, `String length must be greater than or equal to ${s['minLength']}`);
    if (isNum(s['maxLength']) && len > Number(s['maxLength'])) this.add(out, 'string_lte', ctx, `String length must be less than or equal to ${s['maxLength']}`);
    if (typeof s['pattern'] === 'string' && !compileRegex(s['pattern']).match(x)) this.add(out, 'pattern', ctx, `Does not match pattern '${s['pattern']}'`);
    const f = typeof s['format'] === 'string' ? FORMATS[s['format']] : undefined;
    if (f && !(typeof f === 'function' ? f(x) : f.test(x))) this.add(out, 'format', ctx, `Does not match format '${s['format'] as string}'`);
  }

  private array(s: { [k: string]: Json }, x: Json[], ctx: string[], out: { issues: SchemaIssue[]; score: number }): void {
    const items = s['items'];
    if (items !== undefined && !Array.isArray(items)) {
      x.forEach((v, i) => out.issues.push(...this.validate(items as Schema, v, [...ctx, String(i)]).issues));
    } else if (Array.isArray(items) && items.length > 0) {
      for (let i = 0; i < items.length && i < x.length; i++) out.issues.push(...this.validate(items[i] as Schema, x[i]!, [...ctx, String(i)]).issues);
      if (items.length < x.length) {
        const extra = s['additionalItems'];
        if (extra === false) this.add(out, 'array_no_additional_items', ctx, 'No additional items allowed on array');
        else if (isObj(extra)) for (let i = items.length; i < x.length; i++) out.issues.push(...this.validate(extra, x[i]!, [...ctx, String(i)]).issues);
      }
    }
    if (isNum(s['minItems']) && x.length < Number(s['minItems'])) this.add(out, 'array_min_items', ctx, `Array must have at least ${s['minItems']} items`);
    if (isNum(s['maxItems']) && x.length > Number(s['maxItems'])) this.add(out, 'array_max_items', ctx, `Array must have at most ${s['maxItems']} items`);
    if (s['uniqueItems'] === true) {
      const seen = new Map<string, number>();
      x.forEach((v, j) => {
        const k = marshal(v);
        const i = seen.get(k);
        if (i !== undefined) this.add(out, 'unique', ctx, `array items[${i},${j}] must be unique`);
        seen.set(k, j);
      });
    }
    if (s['contains'] !== undefined) {
      let ok = false;
      let best: { issues: SchemaIssue[]; score: number } | undefined;
      for (let i = 0; i < x.length; i++) {
        const r = this.validate(s['contains'] as Schema, x[i]!, [...ctx, String(i)]);
        if (r.issues.length === 0) {
          ok = true;
          break;
        }
        if (!best || r.score > best.score) best = r;
      }
      if (!ok) {
        this.add(out, 'contains', ctx, 'At least one of the items must match');
        out.issues.push(...(best?.issues ?? []));
      }
    }
  }

  private object(s: { [k: string]: Json }, x: { [k: string]: Json }, ctx: string[], out: { issues: SchemaIssue[]; score: number }): void {
    const keys = Object.keys(x).sort();
    if (isNum(s['minProperties']) && keys.length < Number(s['minProperties'])) this.add(out, 'array_min_properties', ctx, `Must have at least ${s['minProperties']} properties`);
    if (isNum(s['maxProperties']) && keys.length > Number(s['maxProperties'])) this.add(out, 'array_max_properties', ctx, `Must have at most ${s['maxProperties']} properties`);
    if (Array.isArray(s['required'])) {
      for (const r of s['required']) {
        if (typeof r === 'string' && !(r in x)) this.add(out, 'required', ctx, `${r} is required`);
        else out.score++;
      }
    }
    const props = isObj(s['properties']) ? s['properties'] : {};
    const patterns = isObj(s['patternProperties']) ? s['patternProperties'] : {};
    for (const k of keys) {
      let matched = false;
      for (const [p, ps] of Object.entries(patterns)) {
        if (compileRegex(p).match(k)) {
          matched = true;
          out.issues.push(...this.validate(ps as Schema, x[k]!, [...ctx, k]).issues);
        }
      }
      if (k in props || matched) continue;
      const ap = s['additionalProperties'];
      if (ap === false) this.add(out, 'additional_property_not_allowed', ctx, `Additional property ${k} is not allowed`);
      else if (isObj(ap)) out.issues.push(...this.validate(ap, x[k]!, [...ctx, k]).issues);
    }
    if (s['propertyNames'] !== undefined) {
      for (const k of keys) {
        const r = this.validate(s['propertyNames'] as Schema, k, ctx);
        if (r.issues.length) {
          this.add(out, 'invalid_property_name', ctx, `Property name of "${k}" does not match`);
          out.issues.push(...r.issues);
        }
      }
    }
  }
}

const fieldOf = (ctx: string[]): string => (ctx.length === 0 ? '(root)' : ctx.join('.'));

function compile(v: Value): Json {
  const schema = load(v);
  checkSchema(schema, schema);
  return schema;
}

function verifySchema(args: readonly Value[]): Value {
  try {
    compile(args[0]!);
    return [true, null];
  } catch (e) {
    if (!(e instanceof SchemaError)) throw e;
    return [false, `jsonschema: ${e.message}`];
  }
}

function matchSchema(args: readonly Value[]): Value {
  let doc: Json;
  let schema: Json;
  try {
    doc = load(args[0]!);
    schema = compile(args[1]!);
  } catch (e) {
    if (e instanceof SchemaError) throw builtinError(e.message);
    throw e;
  }
  const { issues } = new Validator(schema).validate(schema as Schema, doc, []);
  const errors = issues.map((i) => {
    const field = fieldOf(i.context);
    return fromJS({ error: `${field}: ${i.desc}`, type: i.type, field, desc: i.desc });
  });
  return [issues.length === 0, errors];
}

/** Registers json.verify_schema and json.match_schema. */
export function register(table: BuiltinTable): void {
  const schemaArg = T.or(T.string, T.object(T.string, T.any));
  declare(
    table,
    { name: 'json.verify_schema', category: 'object', args: [schemaArg], result: T.array(T.any), impl: verifySchema },
    { name: 'json.match_schema', category: 'object', args: [schemaArg, schemaArg], result: T.array(T.any), impl: matchSchema },
  );
}
