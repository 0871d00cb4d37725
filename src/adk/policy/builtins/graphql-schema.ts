// graphql.schema_is_valid: a schema document merged with GraphQL's prelude and checked the way
// gqlparser's ValidateSchemaDocument checks it (first failure wins; the verdict is a boolean).
import { ObjectValue, toJS, type Value } from '../value.ts';
import { parseDocJSON } from './graphql.ts';
import { BuiltinError } from './builtin.ts';

export type J = Record<string, unknown>;
export interface TypeRef {
  NamedType?: string;
  Elem?: TypeRef;
  NonNull?: boolean;
}
export interface Def {
  Kind: string;
  Name: string;
  BuiltIn?: boolean;
  Fields: J[];
  Interfaces: string[];
  Types: string[];
  EnumValues: J[];
  Directives: J[];
}

export class Invalid extends Error {}

export const list = <X>(x: unknown): X[] => (Array.isArray(x) ? (x as X[]) : []);
export const typeName = (t: TypeRef | undefined): string => (t?.NamedType ? t.NamedType : t?.Elem ? typeName(t.Elem) : '');

/** GraphQL's built-in scalars, directives and introspection types (gqlparser's prelude). */
const PRELUDE = `
scalar Int
scalar Float
scalar String
scalar Boolean
scalar ID
directive @include(if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT
directive @skip(if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT
directive @deprecated(reason: String = "No longer supported") on FIELD_DEFINITION | ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION | ENUM_VALUE
directive @specifiedBy(url: String!) on SCALAR
type __Schema { description: String types: [__Type!]! queryType: __Type! mutationType: __Type subscriptionType: __Type directives: [__Directive!]! }
type __Type { kind: __TypeKind! name: String description: String fields(includeDeprecated: Boolean = false): [__Field!] interfaces: [__Type!] possibleTypes: [__Type!] enumValues(includeDeprecated: Boolean = false): [__EnumValue!] inputFields: [__InputValue!] ofType: __Type specifiedByURL: String }
type __Field { name: String! description: String args: [__InputValue!]! type: __Type! isDeprecated: Boolean! deprecationReason: String }
type __InputValue { name: String! description: String type: __Type! defaultValue: String }
type __EnumValue { name: String! description: String isDeprecated: Boolean! deprecationReason: String }
enum __TypeKind { SCALAR OBJECT INTERFACE UNION ENUM INPUT_OBJECT LIST NON_NULL }
type __Directive { name: String! description: String locations: [__DirectiveLocation!]! args: [__InputValue!]! isRepeatable: Boolean! }
enum __DirectiveLocation { QUERY MUTATION SUBSCRIPTION FIELD FRAGMENT_DEFINITION FRAGMENT_SPREAD INLINE_FRAGMENT VARIABLE_DEFINITION SCHEMA SCALAR OBJECT FIELD_DEFINITION ARGUMENT_DEFINITION INTERFACE UNION ENUM ENUM_VALUE INPUT_OBJECT INPUT_FIELD_DEFINITION }
`;
const BUILTIN_DIRECTIVES = new Set(['include', 'skip', 'deprecated', 'specifiedBy']);

let prelude: J | undefined;
const preludeDoc = (): J => (prelude ??= parseDocJSON(PRELUDE, true));

/** A directive as the validator needs it. */
export interface DirectiveDef {
  Name: string;
  Locations: string[];
  Arguments: J[];
  IsRepeatable: boolean;
}

/** A validated schema: its types, directives, root operation types and possible types. */
export interface Schema {
  types: Map<string, Def>;
  directives: Map<string, DirectiveDef>;
  roots: Partial<Record<'query' | 'mutation' | 'subscription', Def>>;
  possible: Map<string, Set<string>>;
}

const newDef = (d: J, kind?: string): Def => ({
  Kind: kind ?? String(d['Kind']),
  Name: String(d['Name']),
  BuiltIn: d['BuiltIn'] === true,
  Fields: [...list<J>(d['Fields'])],
  Interfaces: [...list<string>(d['Interfaces'])],
  Types: [...list<string>(d['Types'])],
  EnumValues: [...list<J>(d['EnumValues'])],
  Directives: [...list<J>(d['Directives'])],
});

/** gqlparser's ValidateSchemaDocument over the prelude plus doc; throws Invalid on the first failure. */
export function buildSchema(doc: J): Schema {
  const pre = preludeDoc();
  const types = new Map<string, Def>();
  const defs: Def[] = [];
  const merged = [...list<J>(pre['Definitions']).map((d) => ({ ...d, BuiltIn: true })), ...list<J>(doc['Definitions'])];
  for (const d of merged) {
    const def = newDef(d);
    if (types.has(def.Name)) throw new Invalid(`Cannot redeclare type ${def.Name}.`);
    types.set(def.Name, def);
    defs.push(def);
  }
  for (const e of list<J>(doc['Extensions'])) {
    const ext = newDef(e);
    let def = types.get(ext.Name);
    if (!def) {
      def = newDef({ Name: ext.Name }, ext.Kind);
      types.set(ext.Name, def);
      defs.push(def);
    }
    if (def.Kind !== ext.Kind) throw new Invalid(`Cannot extend type ${ext.Name} because the base type is a ${def.Kind}, not ${ext.Kind}.`);
    def.Directives.push(...ext.Directives);
    def.Interfaces.push(...ext.Interfaces);
    def.Fields.push(...ext.Fields);
    def.Types.push(...ext.Types);
    def.EnumValues.push(...ext.EnumValues);
  }
  const possible = new Map<string, Set<string>>();
  const addPossible = (name: string, t: string) => possible.set(name, (possible.get(name) ?? new Set()).add(t));
  for (const def of defs) {
    if (def.Kind === 'UNION') for (const t of def.Types) addPossible(def.Name, t);
    else if (def.Kind === 'OBJECT' || def.Kind === 'INPUT_OBJECT' || def.Kind === 'INTERFACE') {
      for (const i of def.Interfaces) addPossible(i, def.Name);
      if (def.Kind !== 'INTERFACE') addPossible(def.Name, def.Name);
    }
  }
  const directives = new Map<string, DirectiveDef>();
  for (const d of [...list<J>(pre['Directives']), ...list<J>(doc['Directives'])]) {
    const name = String(d['Name']);
    if (directives.has(name)) {
      // The built-in directives may be declared again; the first definition stays.
      if (BUILTIN_DIRECTIVES.has(name)) continue;
      throw new Invalid(`Cannot redeclare directive ${name}.`);
    }
    directives.set(name, { Name: name, Locations: list<string>(d['Locations']), Arguments: list<J>(d['Arguments']), IsRepeatable: d['IsRepeatable'] === true });
  }
  const schemas = list<J>(doc['Schema']);
  if (schemas.length > 1) throw new Invalid('Cannot have multiple schema entry points, consider schema extensions instead.');
  const roots: Schema['roots'] = {};
  for (const s of [...schemas, ...list<J>(doc['SchemaExtension'])]) {
    for (const op of list<J>(s['OperationTypes'])) {
      const def = types.get(String(op['Type']));
      if (!def) throw new Invalid(`Schema root ${String(op['Operation'])} refers to a type ${String(op['Type'])} that does not exist.`);
      roots[op['Operation'] as 'query' | 'mutation' | 'subscription'] = def;
    }
  }

  const name = (n: string) => {
    if (n.startsWith('__')) throw new Invalid(`Name "${n}" must not begin with "__", which is reserved by GraphQL introspection.`);
  };
  const typeRef = (t: TypeRef | undefined) => {
    if (!types.has(typeName(t))) throw new Invalid(`Undefined type ${typeName(t)}.`);
  };
  const applied = (dirs: J[], location: string, current?: string) => {
    for (const d of dirs) {
      const n = String(d['Name']);
      name(n);
      if (current !== undefined && n === current) throw new Invalid(`Directive ${current} cannot refer to itself.`);
      const locs = directives.get(n)?.Locations;
      if (!locs) throw new Invalid(`Undefined directive ${n}.`);
      if (!locs.includes(location)) throw new Invalid(`Directive ${n} is not applicable on ${location}.`);
    }
  };
  const args = (as: J[], current?: string) => {
    for (const a of as) {
      name(String(a['Name']));
      typeRef(a['Type'] as TypeRef);
      const kind = types.get(typeName(a['Type'] as TypeRef))!.Kind;
      if (!['SCALAR', 'ENUM', 'INPUT_OBJECT'].includes(kind)) throw new Invalid(`cannot use ${typeName(a['Type'] as TypeRef)} as argument ${String(a['Name'])} because ${kind} is not a valid input type`);
      applied(list<J>(a['Directives']), 'ARGUMENT_DEFINITION', current);
    }
  };
  const covariant = (req: TypeRef | undefined, act: TypeRef | undefined): boolean => {
    if (!req || !act) return false;
    if (req.NonNull && !act.NonNull) return false;
    if (req.NamedType) return req.NamedType === act.NamedType || (possible.get(req.NamedType)?.has(act.NamedType ?? '') ?? false);
    if (req.Elem && !act.Elem) return false;
    return covariant(req.Elem, act.Elem);
  };
  const sameType = (a: TypeRef | undefined, b: TypeRef | undefined): boolean =>
    !!a && !!b && a.NamedType === b.NamedType && !!a.NonNull === !!b.NonNull && (a.Elem || b.Elem ? sameType(a.Elem, b.Elem) : true);
  const implementsCheck = (def: Def, intfName: string) => {
    const intf = types.get(intfName);
    if (!intf) throw new Invalid(`Undefined type ${JSON.stringify(intfName)}.`);
    if (intf.Kind !== 'INTERFACE') throw new Invalid(`${JSON.stringify(intfName)} is a non interface type ${intf.Kind}.`);
    for (const rf of intf.Fields) {
      const found = def.Fields.find((f) => f['Name'] === rf['Name']);
      if (!found) throw new Invalid(`For ${def.Name} to implement ${intf.Name} it must have a field called ${String(rf['Name'])}.`);
      if (!covariant(rf['Type'] as TypeRef, found['Type'] as TypeRef)) throw new Invalid(`For ${def.Name} to implement ${intf.Name} the field ${String(rf['Name'])} has the wrong type.`);
      for (const ra of list<J>(rf['Arguments'])) {
        const fa = list<J>(found['Arguments']).find((a) => a['Name'] === ra['Name']);
        if (!fa) throw new Invalid(`For ${def.Name} to implement ${intf.Name} the field ${String(rf['Name'])} must have the same arguments but it is missing ${String(ra['Name'])}.`);
        if (!sameType(ra['Type'] as TypeRef, fa['Type'] as TypeRef)) throw new Invalid(`For ${def.Name} to implement ${intf.Name} the field ${String(rf['Name'])} must have the same arguments but ${String(ra['Name'])} has the wrong type.`);
      }
      for (const fa of list<J>(found['Arguments'])) {
        const required = (fa['Type'] as TypeRef | undefined)?.NonNull && fa['DefaultValue'] === undefined;
        if (!list<J>(rf['Arguments']).some((a) => a['Name'] === fa['Name']) && required) {
          throw new Invalid(`For ${def.Name} to implement ${intf.Name} any additional arguments on ${String(found['Name'])} must be optional or have a default value but ${String(fa['Name'])} is required.`);
        }
      }
    }
    for (const transitive of intf.Interfaces) {
      if (def.Interfaces.includes(transitive)) continue;
      if (transitive === def.Name) throw new Invalid(`Type ${def.Name} cannot implement ${intfName} because it would create a circular reference.`);
      throw new Invalid(`Type ${def.Name} must implement ${transitive} because it is implemented by ${intfName}.`);
    }
  };

  for (const typ of [...types.keys()].sort()) {
    const def = types.get(typ)!;
    if (def.BuiltIn) continue;
    for (const f of def.Fields) {
      name(String(f['Name']));
      typeRef(f['Type'] as TypeRef);
      args(list<J>(f['Arguments']));
      applied(list<J>(f['Directives']), def.Kind === 'INPUT_OBJECT' ? 'INPUT_FIELD_DEFINITION' : 'FIELD_DEFINITION');
    }
    for (const t of def.Types) {
      const td = types.get(t);
      if (!td) throw new Invalid(`Undefined type ${JSON.stringify(t)}.`);
      if (td.Kind !== 'OBJECT') throw new Invalid(`${def.Kind} type ${JSON.stringify(t)} must be OBJECT.`);
    }
    for (const i of def.Interfaces) implementsCheck(def, i);
    const fieldKinds = (allowed: string[]) => {
      for (const f of def.Fields) {
        const t = types.get(typeName(f['Type'] as TypeRef));
        if (t && !allowed.includes(t.Kind)) throw new Invalid(`${def.Kind} ${def.Name}: field must be one of ${allowed.join(', ')}.`);
      }
    };
    if (def.Kind === 'OBJECT' || def.Kind === 'INTERFACE') {
      if (def.Fields.length === 0) throw new Invalid(`${def.Kind} ${def.Name}: must define one or more fields.`);
      fieldKinds(['SCALAR', 'OBJECT', 'INTERFACE', 'UNION', 'ENUM']);
    } else if (def.Kind === 'ENUM') {
      if (def.EnumValues.length === 0) throw new Invalid(`${def.Kind} ${def.Name}: must define one or more unique enum values.`);
      for (const v of def.EnumValues) if (['true', 'false', 'null'].includes(String(v['Name']))) throw new Invalid(`${def.Kind} ${def.Name}: non-enum value ${String(v['Name'])}.`);
    } else if (def.Kind === 'INPUT_OBJECT') {
      if (def.Fields.length === 0) throw new Invalid(`${def.Kind} ${def.Name}: must define one or more input fields.`);
      fieldKinds(['SCALAR', 'ENUM', 'INPUT_OBJECT']);
    }
    const seen = new Set<string>();
    for (const f of def.Fields) {
      if (seen.has(String(f['Name']))) throw new Invalid(`Field ${def.Name}.${String(f['Name'])} can only be defined once.`);
      seen.add(String(f['Name']));
    }
    name(def.Name);
    applied(def.Directives, def.Kind);
  }
  for (const d of [...directives.keys()].sort()) {
    name(d);
    args(directives.get(d)!.Arguments, d);
  }
  // Without a schema definition, the conventional type names are the roots.
  if (schemas.length === 0) {
    for (const op of ['query', 'mutation', 'subscription'] as const) {
      const conventional = types.get(op[0]!.toUpperCase() + op.slice(1));
      if (!roots[op] && conventional) roots[op] = conventional;
    }
  }
  if (roots.query) {
    roots.query.Fields.push(
      { Name: '__schema', Type: { NamedType: '__Schema', NonNull: true } },
      { Name: '__type', Type: { NamedType: '__Type', NonNull: false }, Arguments: [{ Name: 'name', Type: { NamedType: 'String', NonNull: true } }] },
    );
  }
  return { types, directives, roots, possible };
}

/** graphql.schema_is_valid: a schema string or AST object that parses and validates. */
export function schemaIsValid(v: Value): boolean {
  let doc: J;
  try {
    if (typeof v === 'string') doc = parseDocJSON(v, true);
    else if (v instanceof ObjectValue) doc = toJS(v) as J;
    else return false;
    buildSchema(doc);
    return true;
  } catch (e) {
    if (e instanceof Invalid || e instanceof BuiltinError) return false;
    throw e;
  }
}
