import { test } from 'node:test';
import { expect, expectError, set, v } from './helpers.ts';

test('indexof, indexof_n count runes; an empty needle is an error', () => {
  expect('indexof', ['μx', 'x'], 1);
  expect('indexof', ['μ', 'μμ'], -1);
  expect('indexof', ['skön var våren', 'vår'], 9);
  expect('indexof', ['🍧🍨🧁🍰🍮', '🍮'], 4);
  expect('indexof_n', ['dogcatdogcat', 'cat'], v([3, 9]));
  expect('indexof_n', ['😇😀😇😀😇😀', '😀'], v([1, 3, 5]));
  expect('indexof_n', ['aaa', 'aa'], v([0, 1]));
  expect('indexof_n', ['dogcat', 'rabbit'], v([]));
  expectError('indexof', ['abc', ''], 'eval_builtin_error', 'empty search character');
});

test('strings.count, substring, strings.reverse', () => {
  expect('strings.count', ['cheese', 'e'], 3);
  expect('strings.count', ['dummy', ''], 6);
  expect('strings.count', ['', ''], 1);
  expect('strings.count', ['11111', '11'], 2);
  expect('substring', ['abcdefgh', 2, -1], 'cdefgh');
  expect('substring', ['aåäö', 2, -1], 'äö');
  expect('substring', ['aåäö', 1, 2], 'åä');
  expect('substring', ['abc', 5, 1], '');
  expectError('substring', ['abc', -1, 1], 'eval_builtin_error', 'negative offset');
  expectError('substring', ['abc', 1.5, 1], 'eval_type_error', 'operand 2 must be integer number but got floating-point number');
  expect('strings.reverse', ['a😀b'], 'b😀a');
});

test('case mapping is per rune, like Go', () => {
  expect('lower', ['AbCdEf'], 'abcdef');
  expect('upper', ['AbCdEf'], 'ABCDEF');
  expect('upper', ['straße'], 'STRAßE');
  expect('lower', ['ΣΑΣ'], 'σασ');
  expect('lower', ['İ'], 'i');
});

test('split, strings.split_n, concat', () => {
  expect('split', ['foo', '.'], v(['foo']));
  expect('split', ['a.b', '.'], v(['a', 'b']));
  expect('split', ['aé', ''], v(['a', 'é']));
  expect('strings.split_n', ['a.b.c.d', '.', 2], v(['a', 'b']));
  expect('strings.split_n', ['a.b.c.d', '.', -2], v(['c', 'd']));
  expect('strings.split_n', ['a.b.c.d', '.', 0], v([]));
  expect('strings.split_n', ['abc', '', -2], v(['b', 'c']));
  expect('strings.split_n', ['', '.', 2], v(['']));
  expectError('strings.split_n', ['a.b', '.', 1.5], 'eval_type_error', 'operand 3 must be integer number but got floating-point number');
  expect('concat', ['/', v(['', 'foo', 'bar', '0', 'baz'])], '/foo/bar/0/baz');
  expect('concat', [',', set('1')], '1');
  expect('concat', [',', v([])], '');
  expectError('concat', [',', v(['a', 1])], 'eval_type_error', 'operand 2 must be array of strings but got array containing number');
  expectError('concat', [',', set('a', true)], 'eval_type_error', 'operand 2 must be set of strings but got set containing boolean');
  expectError('concat', [',', 'a'], 'eval_type_error', 'operand 2 must be one of {set, array} but got string');
});

test('replace and strings.replace_n follow Go strings.Replacer', () => {
  expect('replace', ['foo...bar', '..', ',,'], 'foo,,.bar');
  expect('replace', ['ab', '', '-'], '-a-b-');
  expect('strings.replace_n', [v({ info: 'X', anotherinfo: 'Y' }), 'anotherinfo'], 'Y');
  expect('strings.replace_n', [v({ a: 'YY', bba: 'bX' }), 'bbab'], 'bXb');
  expect('strings.replace_n', [v({ ab: 'b', b: 'Y' }), 'baaabbbba'], 'YaabYYYa');
  expect('strings.replace_n', [v({ a: 'b', b: 'a' }), 'abba'], 'baab');
  expect('strings.replace_n', [v({ a: 'Xa', ab: 'X', ba: 'bYa', aaa: 'X' }), 'aaaaab'], 'XaXaXaXaXab');
  expect('strings.replace_n', [v({ aab: 'Y', a: '', b: '' }), 'bbaab'], '');
  expect('strings.replace_n', [v({ '': 'X' }), ''], 'X');
  expect('strings.replace_n', [v({ '': 'X', a: 'Y' }), 'ab'], 'XYXbX');
  expect('strings.replace_n', [v({ '': '-', é: 'e' }), 'aéb'], '-a-e-b-');
  expectError('strings.replace_n', [v({ f: 100 }), 'foo'], 'eval_type_error', 'operand 1 non-string value found in pattern object');
  expectError('strings.replace_n', [v({ foo: 'baz' }), 100], 'eval_type_error', 'operand 2 must be string but got number');
});

test('trim family', () => {
  expect('trim', ['...foo.bar...', '.o'], 'foo.bar');
  expect('trim', ['¡¡¡foo, bar!!!', 'i'], '¡¡¡foo, bar!!!');
  expect('trim', ['¡¡¡foo!!!', '¡!'], 'foo');
  expect('trim_left', ['!!!foo, bar¡¡¡', '¡'], '!!!foo, bar¡¡¡');
  expect('trim_right', ['foo!!', '!'], 'foo');
  expect('trim_prefix', ['¡¡¡foo, bar!!!', '¡¡¡foo'], ', bar!!!');
  expect('trim_suffix', ['¡¡¡foo, bar!!!', ', bar!!!'], '¡¡¡foo');
  expect('trim_suffix', ['foo', ''], 'foo');
  expect('trim_space', ['\u0085 \tfoo bar\u3000\n'], 'foo bar');
  expect('trim_space', ['\ufefffoo'], '\ufefffoo');
});

test('format_int rounds towards zero', () => {
  expect('format_int', [15.5, 16], 'f');
  expect('format_int', [3.1, 10], '3');
  expect('format_int', [-255, 16], '-ff');
  expect('format_int', [5, 2], '101');
  expect('format_int', [8, 8], '10');
  expect('format_int', [2n ** 70n, 16], '400000000000000000');
  expectError('format_int', [1, 3], 'eval_type_error', 'operand 2 must be one of {2, 8, 10, 16}');
});

test('contains, startswith, endswith, any_prefix_match, any_suffix_match', () => {
  expect('contains', ['abcdefgh', 'defg'], true);
  expect('startswith', ['abcdefgh', 'abcd'], true);
  expect('endswith', ['abcdefgh', 'fgh'], true);
  expect('endswith', ['abc', 'x'], false);
  expect('strings.any_suffix_match', [v(['a/b/c', 'e/f/g']), v(['/c', '/a'])], true);
  expect('strings.any_suffix_match', [v(['aa/bb/cc']), v(['b/c'])], false);
  expect('strings.any_suffix_match', ['a/b/c', set('/c')], true);
  expect('strings.any_prefix_match', [set('a/b', 'c/d'), 'c/'], true);
  expect('strings.any_prefix_match', [v([]), v([])], false);
  expectError('strings.any_suffix_match', [v([1]), v(['a'])], 'eval_type_error', 'operand 1 must be array of strings but got array containing number');
  expectError('strings.any_suffix_match', [1, v(['a'])], 'eval_type_error', 'operand 1 must be one of {string, set, array} but got number');
  expectError('strings.any_suffix_match', [v(['a']), 1], 'eval_type_error', 'operand 2 must be one of {string, set, array} but got number');
  expectError('startswith', [1, 'a'], 'eval_type_error', 'operand 1 must be string but got number');
  expectError('startswith', ['array', 1], 'eval_type_error', 'operand 2 must be string but got number');
  expectError('plus', ['array', 1], 'eval_type_error', 'operand 1 must be number but got string');
});
