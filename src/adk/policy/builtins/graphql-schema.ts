// graphql.schema_is_valid: a schema document merged with GraphQL's prelude and checked the way
// gqlparser's ValidateSchemaDocument checks it (first failure wins; the verdict is a boolean).
import { ObjectValue, toJS, type Value } from '../value.ts';
import { parseDocJSON } from './graphql.ts';
import { BuiltinError } from './builtin.ts';

type J = Record<string, unknown>;
interface TypeRef {
  NamedType?: string;
  Elem?: TypeRef;
  NonNull?: boolean;
}
interface Def {
  Kind: string;
  Name: string;
  BuiltIn?: boolean;
  Fields: J[];
  Interfaces: string[];
  Types: string[];
  EnumValues: J[];
  Directives: J[];
}

class Invalid extends Error {}

const list = <X>(x: unknown): X[] => (Array.isArray(x) ? (x as X[]) : []);
const typeName = (t: TypeRef | undefined): string => (t?.NamedType ? t.NamedType : t?.Elem ? typeName(t.Elem) : '');

const PRELUDE_TYPES: [string, string][] = [
  ['Int', 'SCALAR'], ['Float', 'SCALAR'], ['String', 'SCALAR'], ['Boolean', 'SCALAR'], ['ID', 'SCALAR'],
  ['__Schema', 'OBJECT'], ['__Type', 'OBJECT'], ['__Field', 'OBJECT'], ['__InputValue', 'OBJECT'], ['__EnumValue', 'OBJECT'], ['__Directive', 'OBJECT'],
  ['__TypeKind', 'ENUM'], ['__DirectiveLocation', 'ENUM'],
];
const PRELUDE_DIRECTIVES: Record<string, string[]> = {
  include: ['FIELD', 'FRAGMENT_SPREAD', 'INLINE_FRAGMENT'],
  skip: ['FIELD', 'FRAGMENT_SPREAD', 'INLINE_FRAGMENT'],
  deprecated: ['FIELD_DEFINITION', 'ARGUMENT_DEFINITION', 'INPUT_FIELD_DEFINITION', 'ENUM_VALUE'],
  specifiedBy: ['SCALAR'],
};

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
function validateSchema(doc: J): void {
  const types = new Map<string, Def>();
  for (const [name, kind] of PRELUDE_TYPES) types.set(name, { Kind: kind, Name: name, BuiltIn: true, Fields: [], Interfaces: [], Types: [], EnumValues: [], Directives: [] });
  const defs: Def[] = [];
  for (const d of list<J>(doc['Definitions'])) {
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
  const directives = new Map<string, string[]>(Object.entries(PRELUDE_DIRECTIVES));
  const directiveArgs = new Map<string, J[]>();
  for (const d of list<J>(doc['Directives'])) {
    const name = String(d['Name']);
    // The prelude's own directives may be declared again; the prelude's definition stays.
    if (name in PRELUDE_DIRECTIVES) continue;
    if (directives.has(name)) throw new Invalid(`Cannot redeclare directive ${name}.`);
    directives.set(name, list<string>(d['Locations']));
    directiveArgs.set(name, list<J>(d['Arguments']));
  }
  const schemas = list<J>(doc['Schema']);
  if (schemas.length > 1) throw new Invalid('Cannot have multiple schema entry points, consider schema extensions instead.');
  for (const s of [...schemas, ...list<J>(doc['SchemaExtension'])]) {
    for (const op of list<J>(s['OperationTypes'])) {
      if (!types.has(String(op['Type']))) throw new Invalid(`Schema root ${String(op['Operation'])} refers to a type ${String(op['Type'])} that does not exist.`);
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
      const locs = directives.get(n);
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
  for (const d of [...directiveArgs.keys()].sort()) {
    name(d);
    args(directiveArgs.get(d)!, d);
  }
}

/** graphql.schema_is_valid: a schema string or AST object that parses and validates. */
export function schemaIsValid(v: Value): boolean {
  let doc: J;
  try {
    if (typeof v === 'string') doc = parseDocJSON(v, true);
    else if (v instanceof ObjectValue) doc = toJS(v) as J;
    else return false;
    validateSchema(doc);
    return true;
  } catch (e) {
    if (e instanceof Invalid || e instanceof BuiltinError) return false;
    throw e;
  }
}
