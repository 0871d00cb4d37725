import { test } from 'node:test';
import { expect, expectError, set, v } from './helpers.ts';

test('object.get with keys and paths', () => {
  expect('object.get', [v({ a: { b: 'c' } }), 'b', true], true);
  expect('object.get', [v({ a: 1 }), 'a', 0], 1);
  expect('object.get', [v({ a: [{ b: true }] }), v(['a', 0, 'b']), false], true);
  expect('object.get', [v({ a: [{ b: true }] }), v(['a', 1, 'b']), 'd'], 'd');
  expect('object.get', [v({ a: 1 }), v([]), 'd'], v({ a: 1 }));
  expect('object.get', [v({ a: set('x') }), v(['a', 'x']), 'd'], 'x');
  expectError('object.get', [v([1]), 'a', 1], 'eval_type_error', 'operand 1 must be object but got array');
});

test('object.keys, object.remove, object.filter', () => {
  expect('object.keys', [v({ a: 1, b: 2 })], set('a', 'b'));
  expect('object.remove', [v({ a: 1, b: { c: 3 } }), set('a')], v({ b: { c: 3 } }));
  expect('object.remove', [v({ a: 1, b: { c: 3 }, d: 4 }), v({ b: 1, d: '' })], v({ a: 1 }));
  expect('object.remove', [v({ a: 1 }), v(['z'])], v({ a: 1 }));
  expect('object.filter', [v({ a: 1, b: 2, c: 3, e: 9 }), set('a', 'e')], v({ a: 1, e: 9 }));
  expect('object.filter', [v({ a: 7 }), v([])], v({}));
  expectError('object.remove', [123, set('a')], 'eval_type_error', 'operand 1 must be object but got number');
  expectError('object.remove', [v({ a: 1 }), null], 'eval_type_error', 'operand 2 must be one of {object, set, array} but got null');
  expectError('object.filter', [v({ a: 1 }), 'foo'], 'eval_type_error', 'operand 2 must be one of {object, set, array} but got string');
});

test('object.union and object.union_n merge recursively, right side winning', () => {
  expect('object.union', [v({}), v({ a: 1 })], v({ a: 1 }));
  expect('object.union', [v({ a: 1 }), v({ a: 2 })], v({ a: 2 }));
  expect('object.union', [v({ a: 1 }), v({ a: { b: { c: 1 } }, d: 7 })], v({ a: { b: { c: 1 } }, d: 7 }));
  expect('object.union', [v({ a: { b: 1, c: 2 } }), v({ a: { c: 3 } })], v({ a: { b: 1, c: 3 } }));
  expectError('object.union', [v({ a: 1 }), v([1, 2, 3])], 'eval_type_error', 'operand 2 must be object but got array');
  expect('object.union_n', [v([{ a: 1 }, { b: 2 }, { a: 3 }])], v({ a: 3, b: 2 }));
  expect('object.union_n', [v([{ a: { b: 2 } }, { a: 4 }, { a: { c: 3 } }])], v({ a: { c: 3 } }));
  expect('object.union_n', [v([])], v({}));
  expectError('object.union_n', [v([{ a: 1 }, 2])], 'eval_type_error', 'operand 1 must be array of objects but got array containing number');
});

test('object.subset on objects, sets, arrays, and array ⊇ set', () => {
  const A = v({ a: 5, b: 7, c: 15, nested: { x: 10, y: 15, z: 20, set1: [1, 2, 3, 4], arr1: [6, 7, 8, 9] } });
  expect('object.subset', [A, v({ a: 5, nested: { x: 10, arr1: [6, 7] } })], true);
  expect('object.subset', [v({ a: 5 }), A], false);
  expect('object.subset', [v({ a: 5, b: 7 }), v({ a: 5, b: 10 })], false);
  expect('object.subset', [set(1, 2, 3, set('a', 'b', 'c')), set(3, 2, set('a', 'b', 'c'))], true);
  expect('object.subset', [set(1, 2, 3, set('a', 'b', 'c')), set(3, 2, set('a', 'b'))], false);
  expect('object.subset', [v([1, 2, 3, 4, 5, 6]), v([3, 4, 5])], true);
  expect('object.subset', [v([1, 2, 3, 4, 5, 6]), v([4, 5, 6, 8])], false);
  expect('object.subset', [v([1, 2, 1, 2, 3]), v([1, 2, 3])], true);
  expect('object.subset', [v([1, 2, 3, 4, 5, 6]), set(4, 3, 2)], true);
  expect('object.subset', [v([1, 2, 3, 4, 5, 6]), set(9, 8, 7)], false);
  expect('object.subset', [v([1]), set()], true);
  expect('object.subset', [v([]), set()], false);
  expectError('object.subset', [set(4, 3, 2), v([1, 2])], 'eval_type_error', 'both arguments object.subset must be of the same type or array and set');
});

test('json.filter and json.remove take JSON-pointer strings or segment arrays', () => {
  expect('json.filter', [v({}), set('a/b')], v({}));
  expect('json.filter', [v({ a: [{ b: 7, c: 8 }, { d: 9 }] }), set('a/0/b', 'a/1')], v({ a: [{ b: 7 }, { d: 9 }] }));
  expect('json.filter', [v({ a: { b: { c: 7, d: 8, x: 0 } }, e: 9 }), set('a/b/d', v(['a', 'b', 'c']))], v({ a: { b: { c: 7, d: 8 } } }));
  expect('json.filter', [v({ 'a/b': 1, c: 2 }), v(['a~1b'])], v({ 'a/b': 1 }));
  expect('json.remove', [v({ a: { b: { c: 7, d: 8 } }, e: 9 }), set('a/b/c')], v({ a: { b: { d: 8 } }, e: 9 }));
  expect('json.remove', [v({ a: { b: { c: 7, d: 8 } }, e: 9 }), set('a/b/c', 'e')], v({ a: { b: { d: 8 } } }));
  expect('json.remove', [v({ a: 7 }), set()], v({ a: 7 }));
  expect('json.remove', [v({ a: [{ b: 7, c: 8 }, { d: 9 }] }), set('a/0/b', 'a/1')], v({ a: [{ c: 8 }] }));
  expect('json.remove', [v({ a: { b: 2, c: 3 } }), set('a')], v({}));
  expectError('json.remove', ['foo', set('a/b/c')], 'eval_type_error', 'operand 1 must be object but got string');
  expectError('json.remove', [v({ a: 1 }), 22], 'eval_type_error', 'operand 2 must be one of {set, array} but got number');
  expectError(
    'json.remove',
    [v({ a: 1 }), v(['a', { x: 1 }])],
    'eval_type_error',
    'operand 2 must be one of {set, array} containing string paths or array of path segments but got object',
  );
});
