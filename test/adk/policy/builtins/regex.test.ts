import { test } from 'node:test';
import assert from 'node:assert/strict';
import { err, js } from './ext-helpers.ts';
import { createBuiltinTable } from '../../../../src/adk/policy/builtins/registry.ts';

test('regex.match / is_valid use RE2 syntax with Go error texts', () => {
  assert.equal(js('regex.match', '^[a-z]+\\[[0-9]+\\]$', 'foo[1]'), true);
  assert.equal(js('regex.match', '(?i)ABC', 'xabcx'), true);
  assert.equal(js('regex.is_valid', '(?=x)'), false);
  assert.equal(js('regex.is_valid', 1), false);
  assert.equal(err('regex.match', '(abc', 'x'), 'eval_builtin_error: regex.match: error parsing regexp: missing closing ): `(abc`');
});

test('regex.split follows Go', () => {
  assert.deepEqual(js('regex.split', '^[a-z]+\\[[0-9]+\\]$', ''), ['']);
  assert.deepEqual(js('regex.split', '^[a-z]+', 'foobar baz'), ['', ' baz']);
  assert.deepEqual(js('regex.split', '[a-z]+$', 'foobar baz'), ['foobar ', '']);
  assert.deepEqual(js('regex.split', '^[a-z ]+$', 'foobar baz'), ['', '']);
  assert.deepEqual(js('regex.split', 'a', 'banana'), ['b', 'n', 'n', '']);
});

test('regex.find_n and find_all_string_submatch_n', () => {
  assert.deepEqual(js('regex.find_n', 'a.', 'paranormal', -1), ['ar', 'an', 'al']);
  assert.deepEqual(js('regex.find_n', 'a.', 'paranormal', 2), ['ar', 'an']);
  assert.deepEqual(js('regex.find_n', 'a*', 'baaac', -1), ['', 'aaa', '']);
  assert.deepEqual(js('regex.find_all_string_submatch_n', 'a(x*)b', '-', -1), []);
  assert.deepEqual(js('regex.find_all_string_submatch_n', '[^aouiye]([aouiye])([^aouiye])?', 'somestri', -1), [['som', 'o', 'm'], ['ri', 'i', '']]);
  assert.equal(err('regex.find_n', 'a', 'a', 1.5), 'eval_type_error: regex.find_n: operand 3 must be integer number but got floating-point number');
});

test('regex.replace expands Go templates', () => {
  assert.equal(js('regex.replace', 'abc abc', 'b(c)', 'X$1'), 'aXc aXc');
  assert.equal(js('regex.replace', 'abc', '(?P<x>b)', '[${x}]$$'), 'a[b]$c');
  assert.equal(js('regex.replace', 'abc', 'b', '$1x'), 'ac');
  assert.equal(js('regex.replace', 'aaa', '^a', 'b'), 'baa');
  assert.equal(js('regex.replace', '-wy-wxxy-', 'w(x*)y', '0'), '-0-0-');
  assert.equal(js('regex.replace', 'foo', '(foo)', '$1$1'), 'foofoo');
});

test('regex.template_match', () => {
  assert.equal(js('regex.template_match', 'urn:foo:{.*}', 'urn:foo:bar:baz', '{', '}'), true);
  assert.equal(js('regex.template_match', 'urn:foo.bar.com:{.*}', 'urn:foo.com:bar:baz', '{', '}'), false);
  assert.equal(err('regex.template_match', 'urn:{.*', 'x', '{', '}'), 'eval_builtin_error: regex.template_match: unbalanced braces in "urn:{.*"');
});

test('regex.globs_match', () => {
  assert.equal(js('regex.globs_match', 'a.a.[0-9]+z', '.b.b2359825792*594823z'), true);
  assert.equal(js('regex.globs_match', '[a-z]+', '[0-9]*'), false);
  assert.equal(js('regex.globs_match', 'b.*', 'bar'), true);
  assert.equal(js('regex.globs_match', '[a-z]+\\[[0-9]+\\]', 'foo\\[1\\]'), true);
  assert.equal(err('regex.globs_match', '*a', 'a'), "eval_builtin_error: regex.globs_match: pos:1:flag '*' must be preceded by a non-flag: the input provided is invalid");
});

test('glob.match', () => {
  const cases: [string, string[] | null, string, boolean][] = [
    ['*:github:com', [':'], 'api:github:com', true],
    ['[abc]at', [], 'fat', false],
    ['[!abc]at', [], 'fat', true],
    ['[a-c]at', [], 'bat', true],
    ['[!a-c]at', [], 'bat', false],
    ['?at', ['f'], 'fat', false],
    ['{cat,bat,[fr]at}', [], 'rat', true],
    ['{cat,bat,[fr]at}', [], 'at', false],
    ['*', [], 'foo.bar', false],
    ['*', null, 'foo.bar', true],
    ['?', null, '', false],
    ['a/*/b', null, 'a/b', false],
    ['a/**/b', null, 'a//b', true],
    ['**/x', null, 'x', false],
    ['{**/,}x', null, 'x', true],
    ['***', ['.'], '', true],
    ['*?*', ['.', '/'], 'api.github.com', false],
    ['*', ['.', '/'], 'a/b', false],
    ['\\*', null, '*', true],
    ['\\*', null, 'a', false],
  ];
  for (const [p, d, s, want] of cases) assert.equal(js('glob.match', p, d, s), want, `${p} ${JSON.stringify(d)} ${s}`);
  assert.equal(err('glob.match', '[a', null, 'a'), 'eval_builtin_error: glob.match: unexpected end of input');
  assert.equal(err('glob.match', 'a', 'x', 'a'), 'eval_type_error: glob.match: operand 2 must be one of {array, null} but got string');
  assert.equal(js('glob.quote_meta', '*.github.com'), '\\*.github.com');
});

test('deprecated re_match and net.cidr_overlap are declared, deprecated, and behave as their successors', () => {
  const table = createBuiltinTable();
  assert.ok(table.get('re_match')?.deprecated && table.get('net.cidr_overlap')?.deprecated);
  assert.equal(js('re_match', '^a+$', 'aaa'), true);
  assert.equal(js('net.cidr_overlap', '10.0.0.0/8', '10.1.2.3'), true);
  assert.equal(js('net.cidr_overlap', '10.0.0.0/8', '11.1.2.3'), false);
});
