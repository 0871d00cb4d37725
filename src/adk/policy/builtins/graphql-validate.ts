// GraphQL query validation against a schema: gqlparser's validation rules (the spec's), with
// their messages, and graphql.is_valid / parse / parse_and_verify on top.
import { ObjectValue, fromJS, toJS, type Value } from '../value.ts';
import { builtinError, BuiltinError, operandTypeError } from './builtin.ts';
import { POSITIONS, parseDocJSON, parseQueryRaw, pruneAST } from './graphql.ts';
import { Invalid, buildSchema, list, typeName, type Def, type J, type Schema, type TypeRef } from './graphql-schema.ts';

interface Issue {
  message: string;
  node: object | undefined;
}

const typeString = (t: TypeRef | undefined): string => (!t ? '' : `${t.NamedType ? t.NamedType : `[${typeString(t.Elem)}]`}${t.NonNull ? '!' : ''}`);
const COMPOSITE = new Set(['OBJECT', 'INTERFACE', 'UNION']);
const INPUT = new Set(['SCALAR', 'ENUM', 'INPUT_OBJECT']);
const LEAF = new Set(['SCALAR', 'ENUM']);

/** Validates a query document; returns every issue in gqlparser's order of discovery. */
export function validateQuery(schema: Schema, doc: J): Issue[] {
  const issues: Issue[] = [];
  // A fragment spread by several operations is checked once; later walks only collect variables.
  let muted = false;
  const report = (message: string, node: object | undefined) => {
    if (!muted) issues.push({ message, node });
  };
  const walked = new Set<J>();
  const ops = list<J>(doc['Operations']);
  const frags = list<J>(doc['Fragments']);
  const fragByName = new Map<string, J>();
  for (const f of frags) {
    const n = String(f['Name']);
    if (fragByName.has(n)) report(`There can be only one fragment named "${n}".`, f);
    else fragByName.set(n, f);
  }
  const opNames = new Set<string>();
  for (const op of ops) {
    const n = String(op['Name'] ?? '');
    if (n === '') {
      if (ops.length > 1) report('This anonymous operation must be the only defined operation.', op);
    } else if (opNames.has(n)) report(`There can be only one operation named "${n}".`, op);
    else opNames.add(n);
  }
  const def = (name: string): Def | undefined => schema.types.get(name);
  const possible = (d: Def): Set<string> => (d.Kind === 'OBJECT' ? new Set([d.Name]) : (schema.possible.get(d.Name) ?? new Set()));

  const directives = (dirs: J[], location: string) => {
    const seen = new Set<string>();
    for (const d of dirs) {
      const n = String(d['Name']);
      const dd = schema.directives.get(n);
      if (!dd) {
        report(`Unknown directive "@${n}".`, d);
        continue;
      }
      if (!dd.Locations.includes(location)) report(`Directive "@${n}" may not be used on ${location}.`, d);
      if (seen.has(n) && !dd.IsRepeatable) report(`The directive "@${n}" can only be used once at this location.`, d);
      seen.add(n);
      args(list<J>(d['Arguments']), dd.Arguments, d, (a) => `Unknown argument "${a}" on directive "@${n}".`, (a, t) => `Directive "@${n}" argument "${a}" of type "${t}" is required, but it was not provided.`);
    }
  };

  // Variables in scope for the operation being walked, and those it uses.
  let varDefs = new Map<string, J>();
  let used: { name: string; node: J; type?: TypeRef; hasDefault: boolean }[] = [];

  const value = (v: J | undefined, type: TypeRef | undefined, hasDefault: boolean) => {
    if (!v) return;
    const kind = Number(v['Kind']);
    const raw = String(v['Raw'] ?? '');
    if (kind === 0) {
      used.push({ name: raw, node: v, hasDefault, ...(type ? { type } : {}) });
      return;
    }
    if (!type) {
      for (const c of list<J>(v['Children'])) value(c['Value'] as J, undefined, false);
      return;
    }
    const shown = (): string => literal(v);
    if (kind === 6) {
      if (type.NonNull) report(`Expected value of type "${typeString(type)}", found null.`, v);
      return;
    }
    if (type.Elem) {
      if (kind === 8) for (const c of list<J>(v['Children'])) value(c['Value'] as J, type.Elem, false);
      else value(v, type.Elem, false);
      return;
    }
    const d = def(type.NamedType ?? '');
    if (!d) return;
    if (d.Kind === 'INPUT_OBJECT') {
      if (kind !== 9) return void report(`Expected value of type "${typeString(type)}", found ${shown()}.`, v);
      const names = new Set<string>();
      for (const c of list<J>(v['Children'])) {
        const n = String(c['Name']);
        if (names.has(n)) report(`There can be only one input field named "${n}".`, c);
        names.add(n);
        const f = d.Fields.find((x) => x['Name'] === n);
        if (!f) report(`Field "${n}" is not defined by type "${d.Name}".`, c);
        value(c['Value'] as J, f?.['Type'] as TypeRef | undefined, f?.['DefaultValue'] !== undefined);
      }
      for (const f of d.Fields) {
        const ft = f['Type'] as TypeRef;
        if (ft.NonNull && f['DefaultValue'] === undefined && !names.has(String(f['Name']))) report(`Field "${d.Name}.${String(f['Name'])}" of required type "${typeString(ft)}" was not provided.`, v);
      }
      return;
    }
    if (d.Kind === 'ENUM') {
      if (kind !== 7) report(`Enum "${d.Name}" cannot represent non-enum value: ${shown()}.`, v);
      else if (!d.EnumValues.some((e) => e['Name'] === raw)) report(`Value "${raw}" does not exist in "${d.Name}" enum.`, v);
      return;
    }
    if (kind === 8 || kind === 9) return void report(`Expected value of type "${typeString(type)}", found ${shown()}.`, v);
    const scalar = d.Name;
    if (scalar === 'Int') {
      if (kind !== 1) report(`Int cannot represent non-integer value: ${shown()}`, v);
      else if (Math.abs(Number(raw)) > 2147483647 && Number(raw) !== -2147483648) report(`Int cannot represent non 32-bit signed integer value: ${raw}`, v);
    } else if (scalar === 'Float') {
      if (kind !== 1 && kind !== 2) report(`Float cannot represent non numeric value: ${shown()}`, v);
    } else if (scalar === 'String') {
      if (kind !== 3 && kind !== 4) report(`String cannot represent a non string value: ${shown()}`, v);
    } else if (scalar === 'Boolean') {
      if (kind !== 5) report(`Boolean cannot represent a non boolean value: ${shown()}`, v);
    } else if (scalar === 'ID') {
      if (kind !== 1 && kind !== 3 && kind !== 4) report(`ID cannot represent a non-string and non-integer value: ${shown()}`, v);
    }
  };

  const args = (given: J[], defined: J[], node: object, unknown: (a: string) => string, missing: (a: string, t: string) => string) => {
    const names = new Set<string>();
    for (const a of given) {
      const n = String(a['Name']);
      if (names.has(n)) report(`There can be only one argument named "${n}".`, a);
      names.add(n);
      const ad = defined.find((x) => x['Name'] === n);
      if (!ad) report(unknown(n), a);
      value(a['Value'] as J, ad?.['Type'] as TypeRef | undefined, ad?.['DefaultValue'] !== undefined);
    }
    for (const ad of defined) {
      const t = ad['Type'] as TypeRef;
      if (t?.NonNull && ad['DefaultValue'] === undefined && !names.has(String(ad['Name']))) report(missing(String(ad['Name']), typeString(t)), node);
    }
  };

  const spreadsOf = new Map<J, string[]>();
  const selections = (set: J[], parent: Def | undefined, owner: J) => {
    const spreads = spreadsOf.get(owner) ?? [];
    spreadsOf.set(owner, spreads);
    for (const sel of set) {
      if ('Alias' in sel || ('Name' in sel && 'SelectionSet' in sel && !('TypeCondition' in sel))) field(sel, parent, owner);
      else if ('TypeCondition' in sel || !('Name' in sel)) {
        const tc = String(sel['TypeCondition'] ?? '');
        let cond = parent;
        if (tc !== '') {
          cond = def(tc);
          if (!cond) report(`Unknown type "${tc}".`, sel);
          else if (!COMPOSITE.has(cond.Kind)) report(`Fragment cannot condition on non composite type "${tc}".`, sel);
          else if (parent && COMPOSITE.has(parent.Kind) && ![...possible(cond)].some((t) => possible(parent).has(t))) {
            report(`Fragment cannot be spread here as objects of type "${parent.Name}" can never be of type "${tc}".`, sel);
          }
        }
        directives(list<J>(sel['Directives']), 'INLINE_FRAGMENT');
        selections(list<J>(sel['SelectionSet']), cond, owner);
      } else {
        const n = String(sel['Name']);
        spreads.push(n);
        const frag = fragByName.get(n);
        if (!frag) report(`Unknown fragment "${n}".`, sel);
        else {
          const fd = def(String(frag['TypeCondition']));
          if (fd && parent && COMPOSITE.has(fd.Kind) && COMPOSITE.has(parent.Kind) && ![...possible(fd)].some((t) => possible(parent).has(t))) {
            report(`Fragment "${n}" cannot be spread here as objects of type "${parent.Name}" can never be of type "${fd.Name}".`, sel);
          }
        }
        directives(list<J>(sel['Directives']), 'FRAGMENT_SPREAD');
      }
    }
    overlapping(set, parent);
  };

  const field = (f: J, parent: Def | undefined, owner: J) => {
    const name = String(f['Name']);
    let fd: J | undefined;
    if (parent && name !== '__typename') {
      fd = parent.Fields.find((x) => x['Name'] === name);
      if (!fd) report(`Cannot query field "${name}" on type "${parent.Name}".`, f);
    }
    const type = fd?.['Type'] as TypeRef | undefined;
    const fieldType = name === '__typename' && parent ? def('String') : type ? def(typeName(type)) : undefined;
    if (fd) args(list<J>(f['Arguments']), list<J>(fd['Arguments']), f, (a) => `Unknown argument "${a}" on field "${parent!.Name}.${name}".`, (a, t) => `Field "${name}" argument "${a}" of type "${t}" is required, but it was not provided.`);
    else for (const a of list<J>(f['Arguments'])) value(a['Value'] as J, undefined, false);
    directives(list<J>(f['Directives']), 'FIELD');
    const sub = list<J>(f['SelectionSet']);
    if (fieldType) {
      if (LEAF.has(fieldType.Kind) && sub.length > 0) report(`Field "${name}" must not have a selection since type "${typeString(type)}" has no subfields.`, f);
      if (COMPOSITE.has(fieldType.Kind) && sub.length === 0) report(`Field "${name}" of type "${typeString(type)}" must have a selection of subfields. Did you mean "${name} { ... }"?`, f);
    }
    selections(sub, fieldType && COMPOSITE.has(fieldType.Kind) ? fieldType : undefined, owner);
  };

  /** Same response key, same field and arguments (the core of OverlappingFieldsCanBeMerged). */
  const overlapping = (set: J[], parent: Def | undefined) => {
    const byKey = new Map<string, J>();
    for (const sel of set) {
      if (!('Alias' in sel)) continue;
      const key = String(sel['Alias'] ?? sel['Name']);
      const prev = byKey.get(key);
      if (!prev) {
        byKey.set(key, sel);
        continue;
      }
      if (parent?.Kind === 'OBJECT' || !parent) {
        if (prev['Name'] !== sel['Name']) report(`Fields "${key}" conflict because ${String(prev['Name'])} and ${String(sel['Name'])} are different fields. Use different aliases on the fields to fetch both if this was intentional.`, sel);
        else if (JSON.stringify(list(prev['Arguments'])) !== JSON.stringify(list(sel['Arguments']))) report(`Fields "${key}" conflict because they have differing arguments. Use different aliases on the fields to fetch both if this was intentional.`, sel);
      }
    }
  };

  for (const op of ops) {
    const kind = String(op['Operation']);
    const root = schema.roots[kind as 'query' | 'mutation' | 'subscription'];
    if (!root) report(`Schema does not support operation type "${kind}"`, op);
    varDefs = new Map();
    used = [];
    for (const v of list<J>(op['VariableDefinitions'])) {
      const n = String(v['Variable']);
      if (varDefs.has(n)) report(`There can be only one variable named "$${n}".`, v);
      varDefs.set(n, v);
      const t = v['Type'] as TypeRef;
      const td = def(typeName(t));
      if (!td) report(`Unknown type "${typeName(t)}".`, v);
      else if (!INPUT.has(td.Kind)) report(`Variable "$${n}" cannot be non-input type "${typeString(t)}".`, v);
      if (v['DefaultValue']) value(v['DefaultValue'] as J, t, false);
      directives(list<J>(v['Directives']), 'VARIABLE_DEFINITION');
    }
    directives(list<J>(op['Directives']), kind.toUpperCase());
    selections(list<J>(op['SelectionSet']), root, op);
    // Variables used by the fragments the operation spreads (transitively).
    const seenFrags = new Set<string>();
    const queue = [...(spreadsOf.get(op) ?? [])];
    while (queue.length) {
      const n = queue.shift()!;
      if (seenFrags.has(n)) continue;
      seenFrags.add(n);
      const frag = fragByName.get(n);
      if (!frag) continue;
      const saved = used;
      used = [];
      const fd = def(String(frag['TypeCondition']));
      muted = walked.has(frag);
      walked.add(frag);
      selections(list<J>(frag['SelectionSet']), fd && COMPOSITE.has(fd.Kind) ? fd : undefined, frag);
      muted = false;
      saved.push(...used);
      used = saved;
      queue.push(...(spreadsOf.get(frag) ?? []));
    }
    const opName = String(op['Name'] ?? '');
    const usedNames = new Set<string>();
    for (const u of used) {
      usedNames.add(u.name);
      const vd = varDefs.get(u.name);
      if (!vd) {
        report(opName ? `Variable "$${u.name}" is not defined by operation "${opName}".` : `Variable "$${u.name}" is not defined.`, u.node);
        continue;
      }
      if (u.type && !allowedPosition(schema, vd, u.type, u.hasDefault)) {
        report(`Variable "$${u.name}" of type "${typeString(vd['Type'] as TypeRef)}" used in position expecting type "${typeString(u.type)}".`, u.node);
      }
    }
    for (const [n, vd] of varDefs) if (!usedNames.has(n)) report(opName ? `Variable "$${n}" is never used in operation "${opName}".` : `Variable "$${n}" is never used.`, vd);
    if (kind === 'subscription' && list(op['SelectionSet']).length !== 1) {
      report(opName ? `Subscription "${opName}" must select only one top level field.` : 'Anonymous Subscription must select only one top level field.', op);
    }
  }

  const spreadAnywhere = new Set<string>();
  for (const spreads of spreadsOf.values()) for (const n of spreads) spreadAnywhere.add(n);
  for (const f of frags) {
    const n = String(f['Name']);
    const tc = String(f['TypeCondition']);
    const td = def(tc);
    if (!td) report(`Unknown type "${tc}".`, f);
    else if (!COMPOSITE.has(td.Kind)) report(`Fragment "${n}" cannot condition on non composite type "${tc}".`, f);
    directives(list<J>(f['Directives']), 'FRAGMENT_DEFINITION');
    if (!walked.has(f)) selections(list<J>(f['SelectionSet']), td && COMPOSITE.has(td.Kind) ? td : undefined, f);
    if (!spreadAnywhere.has(n)) report(`Fragment "${n}" is never used.`, f);
    if (reachesItself(n, fragByName, spreadsOf)) report(`Cannot spread fragment "${n}" within itself.`, f);
  }
  return issues;
}

function literal(v: J): string {
  const kind = Number(v['Kind']);
  const raw = String(v['Raw'] ?? '');
  if (kind === 3 || kind === 4) return JSON.stringify(raw);
  if (kind === 0) return `$${raw}`;
  if (kind === 8) return `[${list<J>(v['Children']).map((c) => literal(c['Value'] as J)).join(', ')}]`;
  if (kind === 9) return `{${list<J>(v['Children']).map((c) => `${String(c['Name'])}: ${literal(c['Value'] as J)}`).join(', ')}}`;
  return raw;
}

function reachesItself(start: string, frags: Map<string, J>, spreadsOf: Map<J, string[]>): boolean {
  const seen = new Set<string>();
  const stack = [...(spreadsOf.get(frags.get(start)!) ?? [])];
  while (stack.length) {
    const n = stack.pop()!;
    if (n === start) return true;
    if (seen.has(n)) continue;
    seen.add(n);
    const f = frags.get(n);
    if (f) stack.push(...(spreadsOf.get(f) ?? []));
  }
  return false;
}

/** VariablesInAllowedPosition: the variable's type fits where it is used. */
function allowedPosition(schema: Schema, vd: J, location: TypeRef, locationHasDefault: boolean): boolean {
  const varType = vd['Type'] as TypeRef;
  if (location.NonNull && !varType.NonNull) {
    const dv = vd['DefaultValue'] as J | undefined;
    const nonNullDefault = dv !== undefined && Number(dv['Kind']) !== 6;
    if (!nonNullDefault && !locationHasDefault) return false;
    return subType(schema, varType, { ...location, NonNull: false });
  }
  return subType(schema, varType, location);
}

function subType(schema: Schema, sub: TypeRef, sup: TypeRef): boolean {
  if (sup.NonNull) return !!sub.NonNull && subType(schema, { ...sub, NonNull: false }, { ...sup, NonNull: false });
  if (sub.NonNull) return subType(schema, { ...sub, NonNull: false }, sup);
  if (sup.Elem) return !!sub.Elem && subType(schema, sub.Elem, sup.Elem);
  if (sub.Elem) return false;
  if (sub.NamedType === sup.NamedType) return true;
  return schema.possible.get(sup.NamedType ?? '')?.has(sub.NamedType ?? '') ?? false;
}

/** The error text OPA builds from gqlparser's error list. */
function issueText(issues: Issue[]): string {
  const pos = (i: Issue) => (i.node && POSITIONS.get(i.node)) ?? undefined;
  const first = pos(issues[0]!);
  const rest = issues.slice(1).map((i) => {
    const p = pos(i);
    return p ? `input:${p[0]}:${p[1]}: ${i.message}` : `input: ${i.message}`;
  });
  const text = [issues[0]!.message, ...rest].join('\n').replace(/\.$/, '');
  return `${text} in GraphQL query string at location ${first ? `${first[0]}:${first[1]}` : '0:0'}`;
}

/** A query or schema argument (string or AST object) as a document. */
function queryDoc(v: Value): J {
  if (typeof v === 'string') return parseQueryRaw(v);
  if (v instanceof ObjectValue) return toJS(v) as J;
  throw new Invalid('operand must be a string or an object');
}
function schemaDoc(v: Value): J {
  if (typeof v === 'string') return parseDocJSON(v, true);
  if (v instanceof ObjectValue) return toJS(v) as J;
  throw new Invalid('operand must be a string or an object');
}

/** graphql.is_valid */
export function graphqlIsValid(args: readonly Value[]): Value {
  try {
    return validateQuery(buildSchema(schemaDoc(args[1]!)), queryDoc(args[0]!)).length === 0;
  } catch (e) {
    if (e instanceof Invalid || e instanceof BuiltinError) return false;
    throw e;
  }
}

/** graphql.parse_and_verify */
export function graphqlParseAndVerify(args: readonly Value[]): Value {
  const unverified: Value = [false, new ObjectValue(), new ObjectValue()];
  try {
    const q = queryDoc(args[0]!);
    const sd = schemaDoc(args[1]!);
    const schema = buildSchema(sd);
    if (validateQuery(schema, q).length > 0) return unverified;
    return [true, fromJS(pruneAST(q)), fromJS(pruneAST(sd))];
  } catch (e) {
    if (e instanceof Invalid || e instanceof BuiltinError) return unverified;
    throw e;
  }
}

/** graphql.parse: errors are builtin errors with OPA's texts. */
export function graphqlParse(args: readonly Value[]): Value {
  const [qv, sv] = [args[0]!, args[1]!];
  // OPA numbers these operands from 0, unlike every other builtin.
  if (typeof qv !== 'string' && !(qv instanceof ObjectValue)) throw operandTypeError(0, qv, 'string', 'object');
  if (typeof sv !== 'string' && !(sv instanceof ObjectValue)) throw operandTypeError(1, sv, 'string', 'object');
  const q = queryDoc(qv);
  const sd = schemaDoc(sv);
  let schema: Schema;
  try {
    schema = buildSchema(sd);
  } catch (e) {
    if (e instanceof Invalid) throw builtinError(`Error in gqlparser SchemaDocument to Schema conversion: ${e.message}`);
    throw e;
  }
  const issues = validateQuery(schema, q);
  if (issues.length > 0) throw builtinError(issueText(issues));
  return [fromJS(pruneAST(q)), fromJS(pruneAST(sd))];
}
