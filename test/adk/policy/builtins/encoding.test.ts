import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, err, js } from './ext-helpers.ts';
import { fromJS, makeSet, toJS } from '../../../../src/adk/policy/value.ts';

test('json.marshal writes Go JSON: sorted keys, sets as arrays, HTML escapes', () => {
  assert.equal(call('json.marshal', [[fromJS({ foo: makeSet([3, 1, 2]) })]]), '[{"foo":[1,2,3]}]');
  assert.equal(js('json.marshal', { b: '<&>', a: 1.5 }), '{"a":1.5,"b":"\\u003c\\u0026\\u003e"}');
  assert.equal(js('json.marshal_with_options', { a: [1] }, { pretty: true }), '{\n\t"a": [\n\t\t1\n\t]\n}');
  assert.equal(js('json.marshal_with_options', { a: [] }, { indent: '  ', prefix: '>' }), '>{\n>  "a": []\n>}');
  assert.equal(err('json.marshal_with_options', 1, { bad: 1 }), 'eval_type_error: json.marshal_with_options: operand 2 object contained unknown key bad');
});

test('json.unmarshal and json.is_valid report Go decoder errors', () => {
  assert.deepEqual(js('json.unmarshal', '{"a": [1, 2.5, 12345678901234567890]}'), { a: [1, 2.5, 12345678901234567890n] });
  assert.equal(err('json.unmarshal', '{"a" 1}'), "eval_builtin_error: json.unmarshal: invalid character '1' after object key");
  assert.equal(err('json.unmarshal', '{"a": 1'), 'eval_builtin_error: json.unmarshal: unexpected EOF');
  assert.equal(err('json.unmarshal', ''), 'eval_builtin_error: json.unmarshal: EOF');
  assert.equal(err('json.unmarshal', 'plainstring'), "eval_builtin_error: json.unmarshal: invalid character 'p' looking for beginning of value");
  assert.equal(err('json.unmarshal', '{} {}'), "eval_builtin_error: json.unmarshal: error: invalid character '{' after top-level value");
  assert.equal(err('json.unmarshal', '1x'), "eval_builtin_error: json.unmarshal: invalid character 'x' after top-level value");
  assert.equal(err('json.unmarshal', 'tru'), 'eval_builtin_error: json.unmarshal: unexpected EOF');
  assert.equal(err('json.unmarshal', 'trUe'), "eval_builtin_error: json.unmarshal: invalid character 'U' in literal true (expecting 'u')");
  assert.deepEqual(js('json.unmarshal', '{} null'), {});
  assert.deepEqual([js('json.is_valid', 'plainstring'), js('json.is_valid', '{'), js('json.is_valid', '{"json": "ok"}'), js('json.is_valid', 1)], [false, false, true, false]);
});

test('yaml', () => {
  assert.deepEqual(js('yaml.unmarshal', 'foo:\n  - qux: bar\n  - baz: 2\n'), { foo: [{ qux: 'bar' }, { baz: 2 }] });
  assert.deepEqual(js('yaml.unmarshal', 'a: yes\n1: x\n'), { a: true, '1': 'x' });
  assert.deepEqual(js('yaml.unmarshal', 'd: 2001-12-14\nt: 1:20\no: 0755\n'), { d: '2001-12-14', t: '1:20', o: 493 });
  assert.deepEqual(['  test:\ntest1: hello\n', 'a: 1\n---\n\tb: 2\n', 'a: 1\n---\nb: 2\n', 'foo:\n   - baz: {'].map((d) => js('yaml.is_valid', d)), [false, false, true, false]);
  assert.equal(js('yaml.marshal', { foo: [1, 2], b: 'x' }), 'b: x\nfoo:\n- 1\n- 2\n');
  const round = call('yaml.unmarshal', [call('yaml.marshal', [[fromJS({ foo: makeSet([1, 2, 3]) })]])!]);
  assert.deepEqual(toJS(round!), [{ foo: [1, 2, 3] }]);
});

test('base64, base64url, hex', () => {
  assert.equal(js('base64.encode', 'subjects?_d'), 'c3ViamVjdHM/X2Q=');
  assert.equal(js('base64.decode', 'c3ViamVjdHM/X2Q='), 'subjects?_d');
  assert.equal(err('base64.decode', 'aGVsbG8'), 'eval_builtin_error: base64.decode: illegal base64 data at input byte 4');
  assert.equal(err('base64.decode', 'a$=='), 'eval_builtin_error: base64.decode: illegal base64 data at input byte 1');
  assert.equal(js('base64.is_valid', 'aGVsbG8='), true);
  assert.equal(js('base64url.encode', 'hello'), 'aGVsbG8=');
  assert.equal(js('base64url.encode_no_pad', 'there'), 'dGhlcmU');
  assert.equal(js('base64url.decode', 'aGVsbG8'), 'hello');
  assert.equal(err('base64url.decode', 'aGVsb'), 'eval_builtin_error: base64url.decode: illegal base64url string: aGVsb');
  assert.equal(js('hex.encode', 'hi'), '6869');
  assert.equal(js('hex.decode', '6869'), 'hi');
  assert.equal(err('hex.decode', 'fghijkl'), "eval_builtin_error: hex.decode: encoding/hex: invalid byte: U+0067 'g'");
  assert.equal(err('hex.decode', '686'), 'eval_builtin_error: hex.decode: encoding/hex: odd length hex string');
});

test('urlquery', () => {
  assert.equal(js('urlquery.encode', 'a=b+1 ~!'), 'a%3Db%2B1+~%21');
  assert.equal(js('urlquery.decode', 'a%3Db%2B1+x'), 'a=b+1 x');
  assert.equal(err('urlquery.decode', 'a%zz'), 'eval_builtin_error: urlquery.decode: invalid URL escape "%zz"');
  assert.equal(js('urlquery.encode_object', { c: 'd', a: ['b+1', 'c+2'] }), 'a=b%2B1&a=c%2B2&c=d');
  assert.equal(call('urlquery.encode_object', [fromJS({ a: makeSet(['b+1']) })]), 'a=b%2B1');
  assert.equal(err('urlquery.encode_object', { a: 1 }), 'eval_type_error: urlquery.encode_object: operand 1 values must be string, array[string], or set[string]');
  assert.deepEqual(js('urlquery.decode_object', 'a=value_a1&b&a=value_a2'), { a: ['value_a1', 'value_a2'], b: [''] });
  assert.deepEqual(js('urlquery.decode_object', ''), {});
});

test('json.patch', () => {
  assert.deepEqual(js('json.patch', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }]), { foo: ['bar', 'qux', 'baz'] });
  assert.equal(js('json.patch', [1, 2, 3], [{ op: 'add', path: '1.2', value: 'foo' }]), undefined);
  assert.deepEqual(js('json.patch', { a: 1 }, [{ op: 'move', from: '/a', path: '/b' }]), { b: 1 });
});
