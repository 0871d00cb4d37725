// graphql.parse_query and graphql.parse_schema: GraphQL documents parsed the way OPA's gqlparser
// fork parses them, returned as its pruned JSON AST, with its error texts and locations.
import { fromJS, type Value } from '../value.ts';
import { T } from '../types.ts';
import { builtinError, declare, type BuiltinTable } from './builtin.ts';
import { str } from './args.ts';
import { schemaIsValid } from './graphql-schema.ts';
import { graphqlIsValid, graphqlParse, graphqlParseAndVerify } from './graphql-validate.ts';

type Kind = 'Invalid' | 'EOF' | 'Punct' | 'Name' | 'Int' | 'Float' | 'String' | 'BlockString';
interface Token {
  kind: Kind;
  /** Punctuator text, name, number text, or decoded string. */
  value: string;
  line: number;
  col: number;
}

class GraphQLError extends Error {
  readonly line: number;
  readonly col: number;
  constructor(message: string, line: number, col: number) {
    super(message);
    this.line = line;
    this.col = col;
  }
}

/** Splits a document into tokens; a lexing failure becomes one Invalid token where it happened. */
function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const col = (at: number) => [...src.slice(lineStart, at)].length + 1;
  const newline = () => {
    if (src[i] === '\r' && src[i + 1] === '\n') i++;
    i++;
    line++;
    lineStart = i;
  };
  const push = (kind: Kind, value: string, startLine: number, startCol: number) => out.push({ kind, value, line: startLine, col: startCol });
  const invalid = () => out.push({ kind: 'Invalid', value: '', line, col: col(i) });
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\n' || c === '\r') {
      newline();
      continue;
    }
    if (c === ' ' || c === '\t' || c === ',' || c === '\ufeff') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < src.length && src[i] !== '\n' && src[i] !== '\r') i++;
      continue;
    }
    const start = i;
    const sl = line;
    const sc = col(i);
    if ('!$&()=:@[]{}|'.includes(c)) {
      i++;
      push('Punct', c, sl, sc);
      continue;
    }
    if (c === '.') {
      if (src.startsWith('...', i)) {
        i += 3;
        push('Punct', '...', sl, sc);
        continue;
      }
      invalid();
      return out;
    }
    if (/[_A-Za-z]/.test(c)) {
      while (i < src.length && /[_0-9A-Za-z]/.test(src[i]!)) i++;
      push('Name', src.slice(start, i), sl, sc);
      continue;
    }
    if (c === '-' || /[0-9]/.test(c)) {
      const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(src.slice(i));
      if (!m || /[_A-Za-z.]/.test(src[i + m[0].length] ?? '')) {
        invalid();
        return out;
      }
      i += m[0].length;
      push(m[2] || m[3] ? 'Float' : 'Int', m[0], sl, sc);
      continue;
    }
    if (src.startsWith('"""', i)) {
      i += 3;
      let raw = '';
      for (;;) {
        if (i >= src.length) {
          invalid();
          return out;
        }
        if (src.startsWith('"""', i)) {
          i += 3;
          break;
        }
        if (src.startsWith('\\"""', i)) {
          raw += '"""';
          i += 4;
          continue;
        }
        if (src[i] === '\n' || src[i] === '\r') {
          raw += src[i] === '\r' && src[i + 1] === '\n' ? '\r\n' : src[i]!;
          newline();
          continue;
        }
        raw += src[i++];
      }
      push('BlockString', blockStringValue(raw), sl, sc);
      continue;
    }
    if (c === '"') {
      i++;
      let v = '';
      for (;;) {
        const d = src[i];
        if (d === undefined || d === '\n' || d === '\r') {
          invalid();
          return out;
        }
        i++;
        if (d === '"') break;
        if (d !== '\\') {
          v += d;
          continue;
        }
        const e = src[i++];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && simple[e] !== undefined) v += simple[e];
        else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(src.slice(i, i + 4))) {
          v += String.fromCharCode(parseInt(src.slice(i, i + 4), 16));
          i += 4;
        } else {
          invalid();
          return out;
        }
      }
      push('String', v, sl, sc);
      continue;
    }
    invalid();
    return out;
  }
  out.push({ kind: 'EOF', value: '', line, col: col(i) });
  return out;
}

/** The value of a block string: common indentation and blank first/last lines removed. */
function blockStringValue(raw: string): string {
  const lines = raw.split(/\r\n|\n|\r/);
  let common: number | undefined;
  for (const l of lines.slice(1)) {
    const indent = l.length - l.replace(/^[ \t]+/, '').length;
    if (indent < l.length && (common === undefined || indent < common)) common = indent;
  }
  const out = lines.map((l, k) => (k > 0 && common ? l.slice(common) : l));
  while (out.length > 0 && out[0]!.trim() === '') out.shift();
  while (out.length > 0 && out[out.length - 1]!.trim() === '') out.pop();
  return out.join('\n');
}

type Json = Record<string, unknown>;

/** Source positions of parsed nodes (line, column), for validation messages. */
export const POSITIONS = new WeakMap<object, [number, number]>();
const at = <X extends object>(node: X, t: Token): X => {
  POSITIONS.set(node, [t.line, t.col]);
  return node;
};

const KIND_NAMES: Record<Kind, string> = { Invalid: '<Invalid>', EOF: '<EOF>', Punct: '', Name: 'Name', Int: 'Int', Float: 'Float', String: 'String', BlockString: 'BlockString' };
const kindText = (t: Token): string => (t.kind === 'Punct' ? t.value : KIND_NAMES[t.kind]);
const tokenText = (t: Token): string => (t.kind === 'Punct' || t.value === '' ? kindText(t) : `${KIND_NAMES[t.kind]} ${JSON.stringify(t.value)}`);

const DIRECTIVE_LOCATIONS = new Set([
  'QUERY', 'MUTATION', 'SUBSCRIPTION', 'FIELD', 'FRAGMENT_DEFINITION', 'FRAGMENT_SPREAD', 'INLINE_FRAGMENT', 'VARIABLE_DEFINITION', 'SCHEMA', 'SCALAR', 'OBJECT',
  'FIELD_DEFINITION', 'ARGUMENT_DEFINITION', 'INTERFACE', 'UNION', 'ENUM', 'ENUM_VALUE', 'INPUT_OBJECT', 'INPUT_FIELD_DEFINITION',
]);

class Parser {
  private pos = 0;
  private readonly toks: Token[];
  constructor(src: string) {
    this.toks = lex(src);
  }

  peek(): Token {
    return this.toks[this.pos]!;
  }
  next(): Token {
    return this.toks[this.pos < this.toks.length - 1 ? this.pos++ : this.pos]!;
  }
  fail(t: Token, msg: string): never {
    throw new GraphQLError(msg, t.line, t.col);
  }
  unexpected(t: Token = this.peek()): never {
    return this.fail(t, `Unexpected ${tokenText(t)}`);
  }
  is(p: string): boolean {
    return this.peek().kind === 'Punct' && this.peek().value === p;
  }
  skip(p: string): boolean {
    if (!this.is(p)) return false;
    this.next();
    return true;
  }
  expect(p: string): Token {
    if (this.is(p)) return this.next();
    return this.fail(this.peek(), `Expected ${p}, found ${kindText(this.peek())}`);
  }
  keyword(word: string): void {
    const t = this.peek();
    if (t.kind === 'Name' && t.value === word) this.next();
    else this.fail(t, `Expected "${word}", found ${tokenText(t)}`);
  }
  name(): string {
    const t = this.peek();
    if (t.kind !== 'Name') this.fail(t, `Expected Name, found ${kindText(t)}`);
    return this.next().value;
  }
  /** Zero or more items between delimiters. */
  many<X>(open: string, close: string, item: () => X): X[] {
    const out: X[] = [];
    if (!this.skip(open)) return out;
    while (!this.is(close)) out.push(item());
    this.next();
    return out;
  }
  /** One or more items between delimiters (none when the opener is absent). */
  some<X>(open: string, close: string, item: () => X): X[] {
    const out: X[] = [];
    if (!this.skip(open)) return out;
    while (!this.is(close)) out.push(item());
    if (out.length === 0) this.fail(this.peek(), `expected at least one definition, found ${kindText(this.peek())}`);
    this.next();
    return out;
  }

  value(isConst: boolean): Json {
    return at(this.valueAt(isConst), this.peek());
  }
  private valueAt(isConst: boolean): Json {
    const t = this.peek();
    // gqlparser's Value always serialises ExpectedTypeHasDefault (false until validation sets it).
    const v = (kind: number, raw: string): Json => ({ ExpectedTypeHasDefault: false, Kind: kind, Raw: raw });
    if (t.kind === 'Punct') {
      if (t.value === '[') return { ...v(8, ''), Children: this.many('[', ']', () => ({ Name: '', Value: this.value(isConst) })) };
      if (t.value === '{') {
        return {
          ...v(9, ''),
          Children: this.many('{', '}', () => {
            const name = this.name();
            this.expect(':');
            return { Name: name, Value: this.value(isConst) };
          }),
        };
      }
      if (t.value === '$' && !isConst) {
        this.next();
        return v(0, this.name());
      }
      return this.unexpected();
    }
    this.next();
    switch (t.kind) {
      case 'Int':
        return v(1, t.value);
      case 'Float':
        return v(2, t.value);
      case 'String':
        return v(3, t.value);
      case 'BlockString':
        return v(4, t.value);
      case 'Name':
        return t.value === 'true' || t.value === 'false' ? v(5, t.value) : t.value === 'null' ? v(6, t.value) : v(7, t.value);
      default:
        return this.unexpected(t);
    }
  }
  directives(isConst: boolean): Json[] {
    const out: Json[] = [];
    while (this.is('@')) {
      const t = this.next();
      const name = this.name();
      out.push(at({ Name: name, Arguments: this.arguments(isConst), Location: '' }, t));
    }
    return out;
  }
  arguments(isConst: boolean): Json[] {
    return this.many('(', ')', () => {
      const t = this.peek();
      const name = this.name();
      this.expect(':');
      return at({ Name: name, Value: this.value(isConst) }, t);
    });
  }
  type(): Json {
    let t: Json;
    if (this.skip('[')) {
      const elem = this.type();
      this.expect(']');
      t = { NamedType: '', Elem: elem };
    } else t = { NamedType: this.name() };
    t['NonNull'] = this.skip('!');
    return t;
  }

  // ---- executable documents
  queryDocument(): Json {
    const operations: Json[] = [];
    const fragments: Json[] = [];
    while (this.peek().kind !== 'EOF') {
      const t = this.peek();
      if (this.is('{')) operations.push(this.operation());
      else if (t.kind === 'Name' && ['query', 'mutation', 'subscription'].includes(t.value)) operations.push(this.operation());
      else if (t.kind === 'Name' && t.value === 'fragment') fragments.push(this.fragmentDefinition());
      else this.unexpected();
    }
    return { Operations: operations, Fragments: fragments };
  }
  operation(): Json {
    const t = this.peek();
    return at(this.operationAt(), t);
  }
  private operationAt(): Json {
    if (this.is('{')) return { Operation: 'query', Name: '', SelectionSet: this.selectionSet() };
    const op = this.operationType();
    const name = this.peek().kind === 'Name' ? this.next().value : '';
    const vars = this.variableDefinitions();
    return { Operation: op, Name: name, VariableDefinitions: vars, Directives: this.directives(false), SelectionSet: this.selectionSet() };
  }
  operationType(): string {
    const t = this.peek();
    if (t.kind !== 'Name') this.fail(t, `Expected Name, found ${kindText(t)}`);
    this.next();
    if (['query', 'mutation', 'subscription'].includes(t.value)) return t.value;
    return this.unexpected(t);
  }
  variableDefinitions(): Json[] {
    return this.many('(', ')', () => {
      const t = this.expect('$');
      const variable = this.name();
      this.expect(':');
      const type = this.type();
      const def: Json = { Variable: variable, Type: type };
      if (this.skip('=')) def['DefaultValue'] = this.value(true);
      def['Directives'] = this.directives(true);
      def['Used'] = false;
      return at(def, t);
    });
  }
  selectionSet(): Json[] {
    if (!this.is('{')) this.fail(this.peek(), `Expected {, found ${kindText(this.peek())}`);
    return this.some('{', '}', () => this.selection());
  }
  selection(): Json {
    const t = this.peek();
    return at(this.selectionAt(), t);
  }
  private selectionAt(): Json {
    if (this.is('...')) {
      this.next();
      const t = this.peek();
      if (t.kind === 'Name' && t.value !== 'on') return { Name: this.name(), Directives: this.directives(false) };
      let typeCondition = '';
      if (t.kind === 'Name' && t.value === 'on') {
        this.next();
        typeCondition = this.name();
      }
      return { TypeCondition: typeCondition, Directives: this.directives(false), SelectionSet: this.selectionSet() };
    }
    let name = this.name();
    let alias = name;
    if (this.skip(':')) {
      alias = name;
      name = this.name();
    }
    const field: Json = { Alias: alias, Name: name, Arguments: this.arguments(false), Directives: this.directives(false) };
    if (this.is('{')) field['SelectionSet'] = this.selectionSet();
    return field;
  }
  fragmentDefinition(): Json {
    const t = this.peek();
    this.keyword('fragment');
    if (this.peek().value === 'on') this.unexpected();
    const name = this.name();
    const vars = this.variableDefinitions();
    this.keyword('on');
    const typeCondition = this.name();
    return at({ Name: name, VariableDefinition: vars, TypeCondition: typeCondition, Directives: this.directives(false), SelectionSet: this.selectionSet() }, t);
  }

  // ---- type system documents
  schemaDocument(): Json {
    const doc: Record<string, Json[]> = { Schema: [], SchemaExtension: [], Directives: [], Definitions: [], Extensions: [] };
    while (this.peek().kind !== 'EOF') {
      let description = '';
      let descToken: Token | undefined;
      if (this.peek().kind === 'String' || this.peek().kind === 'BlockString') {
        descToken = this.next();
        description = descToken.value;
      }
      const t = this.peek();
      if (t.kind !== 'Name') this.unexpected();
      switch (t.value) {
        case 'scalar':
        case 'type':
        case 'interface':
        case 'union':
        case 'enum':
        case 'input':
          doc['Definitions']!.push(this.typeDefinition(description, false));
          break;
        case 'schema':
          this.next();
          doc['Schema']!.push({ Description: description, Directives: this.directives(true), OperationTypes: this.some('{', '}', () => this.operationTypeDefinition()) });
          break;
        case 'directive':
          doc['Directives']!.push(this.directiveDefinition(description));
          break;
        case 'extend':
          if (descToken) this.unexpected(descToken);
          this.next();
          if (this.peek().value === 'schema') {
            this.next();
            const directives = this.directives(true);
            const ops = this.some('{', '}', () => this.operationTypeDefinition());
            if (directives.length === 0 && ops.length === 0) this.unexpected();
            doc['SchemaExtension']!.push({ Description: '', Directives: directives, OperationTypes: ops });
          } else if (['scalar', 'type', 'interface', 'union', 'enum', 'input'].includes(this.peek().value)) {
            doc['Extensions']!.push(this.typeDefinition('', true));
          } else this.unexpected();
          break;
        default:
          this.unexpected();
      }
    }
    return doc;
  }
  operationTypeDefinition(): Json {
    const op = this.operationType();
    this.expect(':');
    return { Operation: op, Type: this.name() };
  }
  description(): string {
    const t = this.peek();
    return t.kind === 'String' || t.kind === 'BlockString' ? this.next().value : '';
  }
  implementsInterfaces(): string[] {
    const out: string[] = [];
    if (this.peek().kind === 'Name' && this.peek().value === 'implements') {
      this.next();
      this.skip('&');
      out.push(this.name());
      while (this.skip('&')) out.push(this.name());
    }
    return out;
  }
  argumentDefinition(): Json {
    const description = this.description();
    const name = this.name();
    this.expect(':');
    const type = this.type();
    const def: Json = { Description: description, Name: name, Type: type };
    if (this.skip('=')) def['DefaultValue'] = this.value(true);
    def['Directives'] = this.directives(true);
    return def;
  }
  fieldDefinition(): Json {
    const description = this.description();
    const name = this.name();
    const args = this.many('(', ')', () => this.argumentDefinition());
    this.expect(':');
    return { Description: description, Name: name, Arguments: args, Type: this.type(), Directives: this.directives(true) };
  }
  typeDefinition(description: string, extension: boolean): Json {
    const word = this.next().value;
    const name = this.name();
    const def: Json = { Kind: '', Description: description, Name: name, BuiltIn: false };
    let empty = true;
    const note = (xs: unknown[]) => (empty &&= xs.length === 0, xs);
    switch (word) {
      case 'scalar':
        def['Kind'] = 'SCALAR';
        def['Directives'] = note(this.directives(true));
        break;
      case 'type':
      case 'interface':
        def['Kind'] = word === 'type' ? 'OBJECT' : 'INTERFACE';
        def['Interfaces'] = note(this.implementsInterfaces());
        def['Directives'] = note(this.directives(true));
        def['Fields'] = note(this.some('{', '}', () => this.fieldDefinition()));
        break;
      case 'union':
        def['Kind'] = 'UNION';
        def['Directives'] = note(this.directives(true));
        def['Types'] = note(this.unionMembers());
        break;
      case 'enum':
        def['Kind'] = 'ENUM';
        def['Directives'] = note(this.directives(true));
        def['EnumValues'] = note(this.some('{', '}', () => ({ Description: this.description(), Name: this.name(), Directives: this.directives(true) })));
        break;
      default:
        def['Kind'] = 'INPUT_OBJECT';
        def['Directives'] = note(this.directives(true));
        def['Fields'] = note(this.some('{', '}', () => this.argumentDefinition()));
    }
    // An extension must add something.
    if (extension && empty) this.unexpected();
    return def;
  }
  unionMembers(): string[] {
    const out: string[] = [];
    if (this.skip('=')) {
      this.skip('|');
      out.push(this.name());
      while (this.skip('|')) out.push(this.name());
    }
    return out;
  }
  directiveDefinition(description: string): Json {
    this.keyword('directive');
    this.expect('@');
    const name = this.name();
    const args = this.many('(', ')', () => this.argumentDefinition());
    let repeatable = false;
    if (this.peek().kind === 'Name' && this.peek().value === 'repeatable') {
      this.next();
      repeatable = true;
    }
    this.keyword('on');
    this.skip('|');
    const locations = [this.directiveLocation()];
    while (this.skip('|')) locations.push(this.directiveLocation());
    return { Description: description, Name: name, Arguments: args, Locations: locations, IsRepeatable: repeatable };
  }
  directiveLocation(): string {
    const t = this.peek();
    const name = this.name();
    if (!DIRECTIVE_LOCATIONS.has(name)) this.unexpected(t);
    return name;
  }
}

/** OPA's pruning: no nulls, no empty arrays or objects (after pruning), no positions. */
function prune(x: unknown): unknown {
  if (Array.isArray(x)) {
    return x.map(prune).filter((v) => v !== null && v !== undefined && !(typeof v === 'object' && Object.keys(v as object).length === 0));
  }
  if (x !== null && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) {
      if (k === 'Position' || v === null || v === undefined) continue;
      const p = prune(v);
      if (typeof p === 'object' && p !== null && Object.keys(p).length === 0) continue;
      out[k] = p;
    }
    return out;
  }
  return x;
}

/** A query document before pruning (its nodes carry POSITIONS); throws OPA's error text. */
export function parseQueryRaw(src: string): Record<string, unknown> {
  try {
    return new Parser(src).queryDocument();
  } catch (e) {
    if (e instanceof GraphQLError) throw builtinError(`${e.message} in GraphQL string at location ${e.line}:${e.col}`);
    throw e;
  }
}

/** OPA's pruned form of a document. */
export function pruneAST(doc: Record<string, unknown>): Record<string, unknown> {
  return prune(doc) as Record<string, unknown>;
}

/** A parsed document as plain JSON (pruned as OPA returns it); throws OPA's error text. */
export function parseDocJSON(src: string, schema: boolean): Record<string, unknown> {
  const p = new Parser(src);
  try {
    return prune(schema ? p.schemaDocument() : p.queryDocument()) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof GraphQLError) throw builtinError(`${e.message} in GraphQL string at location ${e.line}:${e.col}`);
    throw e;
  }
}

function parseDoc(src: string, schema: boolean): Value {
  return fromJS(parseDocJSON(src, schema));
}

/** Registers the graphql family. */
export function register(table: BuiltinTable): void {
  const ast = T.object(T.any, T.any);
  declare(
    table,
    { name: 'graphql.schema_is_valid', category: 'graphql', args: [T.or(T.string, ast)], result: T.boolean, impl: (args) => schemaIsValid(args[0]!) },
    { name: 'graphql.is_valid', category: 'graphql', args: [T.or(T.string, ast), T.or(T.string, ast)], result: T.boolean, impl: graphqlIsValid },
    { name: 'graphql.parse', category: 'graphql', args: [T.or(T.string, ast), T.or(T.string, ast)], result: T.array(ast), impl: graphqlParse },
    { name: 'graphql.parse_and_verify', category: 'graphql', args: [T.or(T.string, ast), T.or(T.string, ast)], result: T.array(T.any), impl: graphqlParseAndVerify },
    { name: 'graphql.parse_query', category: 'graphql', args: [T.string], result: ast, impl: (args) => parseDoc(str(args, 1), false) },
    { name: 'graphql.parse_schema', category: 'graphql', args: [T.string], result: ast, impl: (args) => parseDoc(str(args, 1), true) },
  );
}
