import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expect, expectError, set, table, v } from './helpers.ts';

test('count counts runes of strings and members of collections', () => {
  expect('count', [v([1, 2, 3, 4])], 4);
  expect('count', ['héllo😀'], 6);
  expect('count', [v({ a: 1, b: 2 })], 2);
  expect('count', [set()], 0);
  expectError('count', [1], 'eval_type_error', 'operand 1 must be one of {array, object, set, string} but got number');
});

test('sum and product: exact on integers, big.Float otherwise', () => {
  expect('sum', [v([1, 2, 3, 4])], 10);
  expect('sum', [set(1, 2, 3, 4)], 10);
  expect('sum', [v([])], 0);
  expect('sum', [v([2 ** 62, 2 ** 62])], 2n ** 63n);
  expect('sum', [v([0.1, 0.2])], 0.3);
  expect('sum', [v([1, 2.5])], 3.5);
  expect('product', [set(1, 2, 3, 4)], 24);
  expect('product', [v([])], 1);
  expect('product', [v([2n ** 40n, 2n ** 40n])], 2n ** 80n);
  expect('product', [v([1.5, 2])], 3);
  expectError('sum', [v([1, 'a'])], 'eval_type_error', 'operand 1 must be array of numbers but got array containing string');
  expectError('product', [set(1.5, 'a')], 'eval_type_error', 'operand 1 must be set of numbers but got set containing string');
  expectError('sum', [1], 'eval_type_error', 'operand 1 must be one of {set, array} but got number');
});

test('max, min and sort use the total order; empty collections have no max/min', () => {
  expect('max', [set(1, 2, 3, 4)], 4);
  expect('min', [v([3, 2, 1, 4, 6, -7, 10])], -7);
  expect('max', [v([1, 'a', null])], 'a');
  expect('min', [v([1, 'a', null])], null);
  expect('max', [v([])], undefined);
  expect('min', [set()], undefined);
  expect('sort', [v([4, 3, 2, 1])], v([1, 2, 3, 4]));
  expect('sort', [set('b', 1, null)], v([null, 1, 'b']));
  expectError('sort', ['x'], 'eval_type_error', 'operand 1 must be one of {set, array} but got string');
});

test('array.concat, array.slice (clamped), array.reverse, array.flatten', () => {
  expect('array.concat', [v([1, 2]), v([3, 4])], v([1, 2, 3, 4]));
  expectError('array.concat', [v({ a: 1 }), v([3])], 'eval_type_error', 'operand 1 must be array but got object');
  expectError('array.concat', [v([1]), v({ a: 1 })], 'eval_type_error', 'operand 2 must be array but got object');
  expect('array.slice', [v([1, 2, 3, 4, 5]), 1, 3], v([2, 3]));
  expect('array.slice', [v([1, 2, 3]), 0, 0], v([]));
  expect('array.slice', [v([1, 2, 3, 4, 5]), -4, -1], v([]));
  expect('array.slice', [v([1, 2, 3]), -1, 10], v([1, 2, 3]));
  expect('array.slice', [v([1, 2, 3]), 2, 1], v([]));
  expect('array.reverse', [v([1, 2, 3])], v([3, 2, 1]));
  expect('array.flatten', [v([[1, 2], 'string', [3, { a: 'b' }], 4.5, [6, [7, 8]]])], v([1, 2, 'string', 3, { a: 'b' }, 4.5, 6, [7, 8]]));
  expectError('array.flatten', [42], 'eval_type_error', 'operand 1 must be array but got number');
});

test('set operators and intersection/union of sets of sets', () => {
  expect('and', [set(1, 2, 3), set(2, 3, 4)], set(2, 3));
  expect('or', [set(3, 2, 3), set(3, 4, 3)], set(2, 3, 4));
  expect('intersection', [set(set(1, 2), set(2, 3))], set(2));
  expect('intersection', [set()], set());
  expect('union', [set(set(1, 2), set(2, 3))], set(1, 2, 3));
  expect('union', [set()], set());
  expectError('and', [set(1), v([1])], 'eval_type_error', 'operand 2 must be set but got array');
  expectError('union', [set(1)], 'eval_type_error', 'operand 1 must be set but got number');
});

test('type predicates and type_name', () => {
  expect('is_string', ['Hello'], true);
  expect('is_string', [false], false);
  expect('is_number', [2n ** 70n], true);
  expect('is_boolean', [false], true);
  expect('is_array', [v([1])], true);
  expect('is_set', [v([1])], false);
  expect('is_set', [set(1)], true);
  expect('is_object', ['foo'], false);
  expect('is_null', [null], true);
  expect('type_name', [true], 'boolean');
  expect('type_name', [v({ foo: 1 })], 'object');
  expect('type_name', [set()], 'set');
  expect('type_name', [null], 'null');
});

test('to_number parses like strconv.ParseFloat and keeps integers exact', () => {
  expect('to_number', ['3'], 3);
  expect('to_number', ['-3.5'], -3.5);
  expect('to_number', ['1e3'], 1000);
  expect('to_number', ['.5'], 0.5);
  expect('to_number', ['+7'], 7);
  expect('to_number', ['123456789012345678901234567890'], 123456789012345678901234567890n);
  expect('to_number', ['0x1p-2'], 0.25);
  expect('to_number', [true], 1);
  expect('to_number', [null], 0);
  expect('to_number', [4.5], 4.5);
  expectError('to_number', ['broken'], 'eval_builtin_error', 'strconv.ParseFloat: parsing "broken": invalid syntax');
  expectError('to_number', [' 1'], 'eval_builtin_error', 'strconv.ParseFloat: parsing " 1": invalid syntax');
  expectError('to_number', ['1e400'], 'eval_builtin_error', 'strconv.ParseFloat: parsing "1e400": value out of range');
  expectError('to_number', ['-Inf'], 'eval_type_error', 'operand 1 must be valid number string but got string');
  expectError('to_number', ['nan'], 'eval_type_error', 'operand 1 must be valid number string but got string');
  expectError('to_number', [v([])], 'eval_type_error', 'operand 1 must be one of {null, boolean, number, string} but got array');
});

test('the in operator: internal.member_2 and internal.member_3', () => {
  expect('internal.member_2', [2, v([1, 2])], true);
  expect('internal.member_2', [2.0, set(2)], true);
  expect('internal.member_2', [1, v({ a: 1 })], true);
  expect('internal.member_2', ['a', v({ a: 1 })], false);
  expect('internal.member_2', ['a', 'abc'], false);
  expect('internal.member_3', ['a', 1, v({ a: 1 })], true);
  expect('internal.member_3', [1, 'y', v(['x', 'y'])], true);
  expect('internal.member_3', [2, 'y', v(['x', 'y'])], false);
  expect('internal.member_3', [1, 1, set(1)], true);
  expect('internal.member_3', [1, 2, set(1)], false);
  expect('internal.member_3', [0, 'a', 'abc'], false);
});

test('OPA bignum aggregates: exact beyond int64', () => {
  expect('sum', [v([18446744073709551617n, 1])], 18446744073709551618n);
  expect('sum', [set(18446744073709551617n, 1)], 18446744073709551618n);
  expect('product', [v([18446744073709551617n, 2])], 36893488147419103234n);
  expect('sum', [v([9223372036854775807n, 1])], 9223372036854775808n);
  expect('sum', [set(9223372036854775807n, 1, 2)], 9223372036854775810n);
  expect('sum', [v([-9223372036854775808n, -1])], -9223372036854775809n);
  expect('sum', [v([1.5, 2.5])], 4);
});

test('to_number: exponent forms of integers stay exact; hex floats beyond float64 are out of range', () => {
  expect('to_number', ['1e30'], 10n ** 30n);
  expect('to_number', ['2.50e2'], 250);
  expect('to_number', ['0x1.8p1'], 3);
  expectError('to_number', ['0x1p5000'], 'eval_builtin_error', 'strconv.ParseFloat: parsing "0x1p5000": value out of range');
  expectError('to_number', ['0x10'], 'eval_builtin_error', 'strconv.ParseFloat: parsing "0x10": invalid syntax');
});

test("OPA's deprecated builtins are declared as deprecated, with OPA's behaviour", () => {
  for (const name of ['any', 'all', 'set_diff', 'cast_array', 'cast_set', 'cast_string', 'cast_boolean', 'cast_null', 'cast_object']) {
    assert.equal(table.get(name)?.deprecated, true, name);
  }
  assert.equal(table.get('count')?.deprecated, undefined);
  expect('any', [set()], false);
  expect('any', [v([false, true])], true);
  expect('all', [v([])], true);
  expect('all', [set(true, 1)], false);
  expect('set_diff', [set(1, 2), set(2)], set(1));
  expect('cast_set', [v([1, 1, 2])], set(1, 2));
  expect('cast_array', [set(2, 1)], v([1, 2]));
  expectError('cast_string', [1], 'eval_type_error', 'operand 1 must be string but got number');
  expectError('any', [1], 'eval_type_error', 'operand 1 must be one of {array, set} but got number');
});
