import { test } from 'node:test';
import { expect, expectError, set, v } from './helpers.ts';

test('plus, minus, mul on small integers, big integers and floats', () => {
  expect('plus', [1, 2], 3);
  expect('plus', [28857836529306024611912n, 1], 28857836529306024611913n);
  expect('mul', [4294967296, 4294967296], 18446744073709551616n);
  expect('minus', [9007199254740993n, 2], 9007199254740991);
  // OPA computes floats in 64-bit-mantissa big.Float and prints the shortest decimal.
  expect('plus', [0.1, 0.2], 0.3);
  expect('mul', [0.1, 3], 0.3);
  expect('minus', [1.1, 1], 0.1);
  expect('plus', [1.5, 1.5], 3);
});

test('div: exact integer quotients stay integers, others are floats', () => {
  expect('div', [6, 3], 2);
  expect('div', [7, 2], 3.5);
  expect('div', [1, 3], 0.3333333333333333);
  expect('div', [0, 5], 0);
  expectError('div', [1, 0], 'eval_builtin_error', 'divide by zero');
  expectError('div', [1.5, 0], 'eval_builtin_error', 'divide by zero');
});

test('rem follows Go: sign of the dividend, integers only', () => {
  expect('rem', [7, 3], 1);
  expect('rem', [-7, 3], -1);
  expect('rem', [10n ** 30n + 7n, 10], 7);
  expectError('rem', [1.1, 1], 'eval_builtin_error', 'modulo on floating-point number');
  expectError('rem', [5, 0], 'eval_builtin_error', 'modulo by zero');
  expectError('rem', [10n ** 30n, 0], 'eval_builtin_error', 'modulo by zero');
});

test('round half away from zero, ceil, floor, abs', () => {
  expect('round', [2.5], 3);
  expect('round', [-2.5], -3);
  expect('round', [2.4], 2);
  expect('round', [7], 7);
  expect('floor', [1.5], 1);
  expect('floor', [99.99999], 99);
  expect('floor', [-1.001], -2);
  expect('ceil', [1.2], 2);
  expect('ceil', [-1.5], -1);
  expect('abs', [-4], 4);
  expect('abs', [-4.5], 4.5);
  expect('abs', [-(2n ** 40n)], 2 ** 40);
});

test('OPA quirks kept: ceil/floor of fractions in (-1, 0) test the truncated sign', () => {
  expect('ceil', [-0.5], 1);
  expect('floor', [-0.5], 0);
});

test('minus is also set difference, with OPA operand errors', () => {
  expect('minus', [set(1, 2, 'c'), set('c', 1)], set(2));
  expectError('minus', [set(1), 1], 'eval_type_error', 'operand 2 must be set but got number');
  expectError('minus', [1, set(1)], 'eval_type_error', 'operand 2 must be number but got set');
  expectError('minus', ['a', 1], 'eval_type_error', 'operand 1 must be one of {number, set} but got string');
  expectError('plus', ['1', 1], 'eval_type_error', 'operand 1 must be number but got string');
  expectError('mul', [1, null], 'eval_type_error', 'operand 2 must be number but got null');
});

test('numbers.range and numbers.range_step', () => {
  expect('numbers.range', [0, 0], v([0]));
  expect('numbers.range', [-2, 3], v([-2, -1, 0, 1, 2, 3]));
  expect('numbers.range', [2, -3], v([2, 1, 0, -1, -2, -3]));
  expect('numbers.range', [2n ** 60n, 2n ** 60n + 1n], [2n ** 60n, 2n ** 60n + 1n]);
  expect('numbers.range_step', [0, 10, 3], v([0, 3, 6, 9]));
  expect('numbers.range_step', [10, 0, 5], v([10, 5, 0]));
  expectError('numbers.range_step', [0, 10, 0], 'eval_builtin_error', 'numbers.range_step: step must be a positive integer');
  expectError('numbers.range', [1.5, 2], 'eval_type_error', 'operand 1 must be integer number but got floating-point number');
  expectError('numbers.range', [1, 'x'], 'eval_type_error', 'operand 2 must be integer but got string');
});

test('comparison operators use the total order and value equality', () => {
  expect('equal', [1, 1.0], true);
  expect('neq', [28857836529306024611913n, 28857836529306024611912n], true);
  expect('lt', [null, false], true);
  expect('lt', [2, 'a'], true);
  expect('gt', [v([1, 2]), v([1])], true);
  expect('gte', [set(1), v({ a: 1 })], true);
  expect('lte', ['b', 'a'], false);
  expect('equal', [set(1, 2), set(2, 1)], true);
});

test('integer fast paths hand over to exact arithmetic at 2^53', () => {
  expect('plus', [9007199254740991, 1], 9007199254740992n);
  expect('minus', [-9007199254740991, 2], -9007199254740993n);
  expect('mul', [94906267, 94906267], 9007199515875289n);
  expect('mul', [-3, 0], 0);
});

test('OPA bignum and window-edge arithmetic', () => {
  expect('plus', [2147483647, 1], 2147483648);
  expect('mul', [2147483647, 2147483647], 4611686014132420609n);
  expect('mul', [-2147483648, -2147483648], 4611686018427387904n);
  expect('plus', [9223372036854775807n, 1], 9223372036854775808n);
  expect('mul', [18446744073709551617n, 2], 36893488147419103234n);
  expect('abs', [-9223372036854775808n], 9223372036854775808n);
  expect('rem', [10, 2n ** 64n], 10);
  expect('rem', [5, 3n * 2n ** 64n], 5);
  expect('rem', [100, -(2n ** 64n)], 100);
  expect('rem', [2n ** 64n + 1n, 2n ** 64n], 1);
  expect('rem', [-17, 5], -2);
  expect('rem', [17, -5], 2);
  expect('div', [1, 4], 0.25);
  expect('div', [-6, 3], -2);
  expect('numbers.range_step', [0, 10, 99999999999999999999n], v([0]));
  expect('numbers.range_step', [2, 5, 2], v([2, 4]));
  expect('numbers.range_step', [0, -10, 2], v([0, -2, -4, -6, -8, -10]));
});
