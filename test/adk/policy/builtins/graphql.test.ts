import { test } from 'node:test';
import assert from 'node:assert/strict';
import { err, js } from './ext-helpers.ts';

test('graphql.parse_query builds gqlparser ASTs', () => {
  assert.deepEqual(js('graphql.parse_query', '{ field(complex: { a: { b: [ $var ] } }) }'), {
    Operations: [{ Name: '', Operation: 'query', SelectionSet: [{ Alias: 'field', Arguments: [{ Name: 'complex', Value: { Children: [{ Name: 'a', Value: { Children: [{ Name: 'b', Value: { Children: [{ Name: '', Value: { ExpectedTypeHasDefault: false, Kind: 0, Raw: 'var' } }], ExpectedTypeHasDefault: false, Kind: 8, Raw: '' } }], ExpectedTypeHasDefault: false, Kind: 9, Raw: '' } }], ExpectedTypeHasDefault: false, Kind: 9, Raw: '' } }], Name: 'field' }] }],
  });
  assert.deepEqual(js('graphql.parse_query', 'query ($withDirective: String @first @second, $withoutDirective: String) { f }'), {
    Operations: [{ Name: '', Operation: 'query', SelectionSet: [{ Alias: 'f', Name: 'f' }], VariableDefinitions: [{ Directives: [{ Location: '', Name: 'first' }, { Location: '', Name: 'second' }], Type: { NamedType: 'String', NonNull: false }, Used: false, Variable: 'withDirective' }, { Type: { NamedType: 'String', NonNull: false }, Used: false, Variable: 'withoutDirective' }] }],
  });
  assert.deepEqual(js('graphql.parse_query', 'query on {\n ... a\n ... on on { field }\n}\nfragment a on Type {\n on(on: $on) @on(on: on)\n}'), {
    Fragments: [{ Name: 'a', SelectionSet: [{ Alias: 'on', Arguments: [{ Name: 'on', Value: { ExpectedTypeHasDefault: false, Kind: 0, Raw: 'on' } }], Directives: [{ Arguments: [{ Name: 'on', Value: { ExpectedTypeHasDefault: false, Kind: 7, Raw: 'on' } }], Location: '', Name: 'on' }], Name: 'on' }], TypeCondition: 'Type' }],
    Operations: [{ Name: 'on', Operation: 'query', SelectionSet: [{ Name: 'a' }, { SelectionSet: [{ Alias: 'field', Name: 'field' }], TypeCondition: 'on' }] }],
  });
  assert.deepEqual(js('graphql.parse_query', 'fragment a($v: Boolean = false) on t { f(v: $v) }'), {
    Fragments: [{ Name: 'a', SelectionSet: [{ Alias: 'f', Arguments: [{ Name: 'v', Value: { ExpectedTypeHasDefault: false, Kind: 0, Raw: 'v' } }], Name: 'f' }], TypeCondition: 't', VariableDefinition: [{ DefaultValue: { ExpectedTypeHasDefault: false, Kind: 5, Raw: 'false' }, Type: { NamedType: 'Boolean', NonNull: false }, Used: false, Variable: 'v' }] }],
  });
  assert.deepEqual(js('graphql.parse_query', '{ f(long: """long""", short: "short") }'), {
    Operations: [{ Name: '', Operation: 'query', SelectionSet: [{ Alias: 'f', Arguments: [{ Name: 'long', Value: { ExpectedTypeHasDefault: false, Kind: 4, Raw: 'long' } }, { Name: 'short', Value: { ExpectedTypeHasDefault: false, Kind: 3, Raw: 'short' } }], Name: 'f' }] }],
  });
  const types = js('graphql.parse_query', 'query ($arr: [Arr], $notnull: [Arr!]!) { f }') as { Operations: { VariableDefinitions: unknown[] }[] };
  assert.deepEqual(types.Operations[0]!.VariableDefinitions, [
    { Type: { Elem: { NamedType: 'Arr', NonNull: false }, NamedType: '', NonNull: false }, Used: false, Variable: 'arr' },
    { Type: { Elem: { NamedType: 'Arr', NonNull: true }, NamedType: '', NonNull: true }, Used: false, Variable: 'notnull' },
  ]);
});

test('graphql.parse_query errors', () => {
  const cases: [string, string][] = [
    ['{', 'Expected Name, found <EOF> in GraphQL string at location 1:2'],
    ['\n          { ...MissingOn }\n          fragment MissingOn Type\n        ', 'Expected "on", found Name "Type" in GraphQL string at location 3:30'],
    ['{ field: {} }', 'Expected Name, found { in GraphQL string at location 1:10'],
    ['notanoperation Foo { field }', 'Unexpected Name "notanoperation" in GraphQL string at location 1:1'],
    ['...', 'Unexpected ... in GraphQL string at location 1:1'],
    ['query Foo($x: Complex = { a: { b: [ $var ] } }) { field }', 'Unexpected $ in GraphQL string at location 1:37'],
    ['fragment on on on { on }', 'Unexpected Name "on" in GraphQL string at location 1:10'],
    ['{ ...on }', 'Expected Name, found } in GraphQL string at location 1:9'],
    ['{__typename{...}}', 'Expected {, found } in GraphQL string at location 1:16'],
    ['{...{__typename{...{}}}}', 'expected at least one definition, found } in GraphQL string at location 1:21'],
  ];
  for (const [q, msg] of cases) assert.equal(err('graphql.parse_query', q), `eval_builtin_error: graphql.parse_query: ${msg}`, q);
});

test('graphql.parse_schema builds gqlparser ASTs and errors', () => {
  assert.deepEqual(js('graphql.parse_schema', '"""\nDescription\n"""\ntype Hello { world(flag: Boolean = true): String }'), {
    Definitions: [{ BuiltIn: false, Description: 'Description', Fields: [{ Arguments: [{ DefaultValue: { ExpectedTypeHasDefault: false, Kind: 5, Raw: 'true' }, Description: '', Name: 'flag', Type: { NamedType: 'Boolean', NonNull: false } }], Description: '', Name: 'world', Type: { NamedType: 'String', NonNull: false } }], Kind: 'OBJECT', Name: 'Hello' }],
  });
  assert.deepEqual(js('graphql.parse_schema', 'extend type Hello implements Greeting\nextend type Hello implements SecondGreeting'), {
    Extensions: [{ BuiltIn: false, Description: '', Interfaces: ['Greeting'], Kind: 'OBJECT', Name: 'Hello' }, { BuiltIn: false, Description: '', Interfaces: ['SecondGreeting'], Kind: 'OBJECT', Name: 'Hello' }],
  });
  assert.deepEqual(js('graphql.parse_schema', 'union Hello = | Wo | Rld'), { Definitions: [{ BuiltIn: false, Description: '', Kind: 'UNION', Name: 'Hello', Types: ['Wo', 'Rld'] }] });
  assert.deepEqual(js('graphql.parse_schema', 'directive @foo repeatable on FIELD'), { Directives: [{ Description: '', IsRepeatable: true, Locations: ['FIELD'], Name: 'foo' }] });
  assert.deepEqual(js('graphql.parse_schema', 'schema {\n query: Query\n}'), { Schema: [{ Description: '', OperationTypes: [{ Operation: 'query', Type: 'Query' }] }] });
  assert.deepEqual(js('graphql.parse_schema', 'extend schema @directive'), { SchemaExtension: [{ Description: '', Directives: [{ Location: '', Name: 'directive' }] }] });
  const cases: [string, string][] = [
    ['type Hello {}', 'expected at least one definition, found } in GraphQL string at location 1:13'],
    ['extend type Hello', 'Unexpected <EOF> in GraphQL string at location 1:18'],
    ['\n   "Description"\n   extend type Hello {\n     world: String\n   }', 'Unexpected String "Description" in GraphQL string at location 2:4'],
    ['extend schema', 'Unexpected <EOF> in GraphQL string at location 1:14'],
    ['union Hello = || Wo | Rld', 'Expected Name, found | in GraphQL string at location 1:16'],
    ['union Hello = | Wo | Rld |', 'Expected Name, found <EOF> in GraphQL string at location 1:27'],
    ['input Hello {\n  world(foo: Int): String\n}', 'Expected :, found ( in GraphQL string at location 2:8'],
    ['directive @foo on FIELD | INCORRECT_LOCATION', 'Unexpected Name "INCORRECT_LOCATION" in GraphQL string at location 1:27'],
    ['type o{d(g:[', 'Expected Name, found <EOF> in GraphQL string at location 1:13'],
    ['"""\r', 'Unexpected <Invalid> in GraphQL string at location 2:1'],
  ];
  for (const [q, msg] of cases) assert.equal(err('graphql.parse_schema', q), `eval_builtin_error: graphql.parse_schema: ${msg}`, q);
});

test('graphql.schema_is_valid follows gqlparser schema validation', () => {
  const valid = [
    'extend type User { id: ID! }\nextend type Product { upc: String! }\nunion _Entity = Product | User\nextend type Query { entity: _Entity }',
    'extend type Query { myAction(myEnum: Locale!): SomeResult! }\ntype SomeResult { id: String }\nenum Locale { EN LT DE }',
    'type DeprecatedType { deprecatedField: String @deprecated\n newField(deprecatedArg: Int): Boolean }\nenum DeprecatedEnum { ALPHA @deprecated }',
    'type Hello { world(flag: Boolean = true): String }',
    'type Query { x: Int }\ndirective @directive(a: String = "b") on SCHEMA\nextend schema @directive',
    'enum Hello { WO, RLD }',
    'scalar Hello',
    'input Hello { world: String }',
    'directive @foo repeatable on FIELD',
  ];
  for (const s of valid) assert.equal(js('graphql.schema_is_valid', s), true, s);
  const invalid = [
    'type Hello {}',
    'extend type Hello implements Greeting',
    'extend type Hello',
    '"Description"\nextend type Hello { world: String }',
    'extend scalar Foo @deprecated\nextend type Foo @deprecated',
    'schema { query: Query }',
    'extend schema { mutation: Mutation }',
    'type Hello implements World { field: String }',
    'interface IA { id: ID! }\ninterface IIA implements IA { id: ID! }\ntype A implements IIA { id: ID! }',
    'union Hello = World',
    'input Hello { world(foo: Int): String }',
    'directive @foo on FIELD | INCORRECT_LOCATION',
    'type Mutation { createPupil(pupil: PupilInput!): Pupil }\ntype Query { pupil(firstname: String): Pupil }\ntype Pupil { friends: [Pupil!]! }\ninput PupilInput { friends: [Pupil] }\nschema { query: Query mutation: Mutation }',
  ];
  for (const s of invalid) assert.equal(js('graphql.schema_is_valid', s), false, s);
  const ast = js('graphql.parse_schema', 'type Employee { id: String! salary: Int! }\nschema { query: Query }\ntype Query { employeeByID(id: String): Employee }');
  assert.equal(js('graphql.schema_is_valid', ast), true);
  assert.equal(js('graphql.schema_is_valid', 1), false);
});

const ENTITY_SCHEMA = 'extend type User { id: ID! }\nextend type Product { upc: String! }\nunion _Entity = Product | User\nextend type Query { entity: _Entity }';
const LOCALE_SCHEMA = 'extend type Query {\n  myAction(myEnum: Locale!): SomeResult!\n}\ntype SomeResult { id: String }\nenum Locale { EN LT DE }';

test('graphql.is_valid runs the validation rules', () => {
  assert.equal(js('graphql.is_valid', '{ entity { ... on User { id } } }', ENTITY_SCHEMA), true);
  assert.equal(js('graphql.is_valid', 'query SomeOperation {\n  myAction { id }\n}', LOCALE_SCHEMA), false);
  assert.equal(js('graphql.is_valid', 'query SomeOperation ($locale: Locale! = DE) { myAction(myEnum: $locale) { id } }', LOCALE_SCHEMA), true);
  assert.equal(js('graphql.is_valid', '', 'type DeprecatedType { deprecatedField: String @deprecated }'), true);
  assert.equal(js('graphql.is_valid', 'query Foo($flag: Boolean!) { ...Bar }\nfragment Bar on Query { bar @include(if: $flag) }', 'type Query { bar: String! }'), true);
  assert.equal(js('graphql.is_valid', 'mutation{x(a:b)}', 'type Query { bar: String! }\ntype Mutation { x: String! }'), false);
  const schemaAst = js('graphql.parse_schema', 'type Employee { id: String! salary: Int! }\nschema { query: Query }\ntype Query { employeeByID(id: String): Employee }');
  const queryAst = js('graphql.parse_query', 'query { employeeByID(id: "alice") { salary }}');
  assert.equal(js('graphql.is_valid', queryAst, schemaAst), true);
  const bad = [
    '{ nope }',
    '{ bar { x } }',
    'query ($v: Int) { bar }',
    '{ bar @unknown }',
    '{ ...Missing }',
    'query A { bar } query A { bar }',
    '{ bar } { bar }',
    'fragment F on Query { bar }\n{ bar }',
    'query ($v: Int) { baz(n: $v) }',
    '{ baz(n: "x") }',
    '{ a: bar a: baz(n: 1) }',
  ];
  for (const q of bad) assert.equal(js('graphql.is_valid', q, 'type Query { bar: String! baz(n: Int!): Int }'), false, q);
  assert.equal(js('graphql.is_valid', '{ __typename __schema { types { name } } }', 'type Query { bar: String! }'), true);
});

test('graphql.parse and parse_and_verify', () => {
  assert.equal(
    err('graphql.parse', '\n  query SomeOperation {\n    # Note: Not providing mandatory parameter: (myEnum: Locale!)\n    myAction {\n      id\n    }\n  }\n', LOCALE_SCHEMA),
    'eval_builtin_error: graphql.parse: Field "myAction" argument "myEnum" of type "Locale!" is required, but it was not provided in GraphQL query string at location 4:5',
  );
  const [q] = js('graphql.parse', '{ entity { ... on User { id } } }', ENTITY_SCHEMA) as unknown[];
  assert.deepEqual(q, { Operations: [{ Name: '', Operation: 'query', SelectionSet: [{ Alias: 'entity', Name: 'entity', SelectionSet: [{ SelectionSet: [{ Alias: 'id', Name: 'id' }], TypeCondition: 'User' }] }] }] });
  assert.deepEqual((js('graphql.parse_and_verify', 'query SomeOperation { myAction { id } }', LOCALE_SCHEMA) as unknown[])[0], false);
  assert.deepEqual((js('graphql.parse_and_verify', '', 'type Query { x: Int }') as unknown[]).slice(0, 2), [true, {}]);
});

test('graphql.parse operand type errors count operands from 0, as OPA does', () => {
  assert.equal(err('graphql.parse', 1, 'type Query { x: Int }'), 'eval_type_error: graphql.parse: operand 0 must be one of {string, object} but got number');
  assert.equal(err('graphql.parse', '{ x }', [1]), 'eval_type_error: graphql.parse: operand 1 must be one of {string, object} but got array');
});
