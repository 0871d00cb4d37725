// Compile-time type checking of builtin arguments whose type is known without inference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AutonomyError } from '../../../../src/common/errors.ts';
import { compile } from '../../../../src/adk/policy/index.ts';

const compiles = (text: string) => compile([{ file: 't.rego', text: `package t\n${text}` }]);
const typeError = (text: string, message: RegExp) =>
  assert.throws(() => compiles(text), (e: unknown) => e instanceof AutonomyError && e.code === 'rego_type_error' && message.test(e.message) && e.location?.file === 't.rego', text);

test('a builtin argument of a known, unacceptable type is rego_type_error before evaluation', () => {
  typeError('p := "a" + 1', /plus: invalid argument\(s\)\n\thave: \(string, number, \?\?\?\)\n\twant: \(number, number, number\)/);
  typeError('p := count(1)', /count: invalid argument/);
  // Collections are checked element by element, results of other builtins by their declared type.
  typeError('p := concat(",", [1, 2])', /have: \(string, array\[number\], \?\?\?\)/);
  typeError('p := count("x") - "y"', /minus: invalid argument/);
  typeError('p := lower($"{1}") + 1', /plus: invalid argument/);
  // Also in rules never evaluated, in comprehensions and in queries.
  typeError('p if false\nq := [x | x := upper(1)]', /upper: invalid argument/);
  assert.throws(() => compiles('p := 1').eval('x := sum([1, "a"])'), (e: unknown) => e instanceof AutonomyError && e.code === 'rego_type_error');
});

test('arguments whose type is unknown or may fit are left to evaluation', () => {
  for (const ok of ['p := count(upper("a"))', 'p := 1 - {1}', 'p := concat(",", [x | x := input[_]])', 'p := startswith(input.x, "a")', 'p := object.get({}, "a", 1)', 'p := concat(",", split(input.s, "/"))', 'p := sum([])'])
    assert.doesNotThrow(() => compiles(ok), ok);
  // A variable bound from input has no static type: the mismatch surfaces when the expression runs.
  assert.throws(() => compiles('p if { x := input.s; x + 1 }').eval('data.t.p', { input: { s: 'a' }, strictBuiltinErrors: true }), (e: unknown) => e instanceof AutonomyError && e.code === 'eval_type_error');
});

test('variables take the type of what they are assigned or bound to as a builtin output', () => {
  typeError('p if { x := "a"; x + 1 }', /plus: invalid argument\(s\)\n\thave: \(string, number/);
  typeError('p if { y = 2; upper(y) }', /upper: invalid argument/);
  typeError('p if { count([1], n); lower(n) }', /lower: invalid argument/);
  // The type reaches nested bodies, and follows a chain of assignments.
  typeError('p if { x := 1; y := x; ys := [z | z := upper(y)] }', /upper: invalid argument/);
  // A negated assignment binds nothing; a variable from input stays unknown.
  for (const ok of ['p if { y := input.y; not y = "a"; y + 1 }', 'p if { x := input.a; x + 1 }']) assert.doesNotThrow(() => compiles(ok), ok);
});

test('a reference into a value of known type must select what that type can hold', () => {
  typeError('p if { x := 1; x.a }', /undefined ref: number cannot be indexed/);
  typeError('p if { x := [1]; x.a }', /undefined ref: array\[number\] cannot be indexed by string/);
  typeError('p := count("a").b', /undefined ref/);
  for (const ok of ['p if { x := [1]; x[0] }', 'p := split("a,b", ",")[0]', 'p if { x := {"a": 1}; x.a }', 'p if { x := {1}; x[1] }', 'p := input.a.b', 'p := [1, 2][_]'])
    assert.doesNotThrow(() => compiles(ok), ok);
});
