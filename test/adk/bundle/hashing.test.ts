import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { canonicalJSON, decodeStructured, fileDigest, parseStructured, structuredDigest } from '../../../src/adk/bundle/hashing.ts';
import { equal, fromJS, toJSON } from '../../../src/adk/policy/value.ts';

// Digests computed by OPA itself: the payload of the HS256 token in OPA's bundle plugin tests
// (v1/plugins/bundle/plugin_test.go) and OPA's MD5 test vectors (v1/bundle/sign_test.go).
test('structured files hash exactly as OPA hashes them (SHA-256 vectors from OPA)', () => {
  assert.equal(fileDigest('.manifest', Buffer.from('{"revision": "quickbrownfaux"}')), '507a2c38a1441db58d2cb87982c42aa91a4342ef422a6b542eddebeef6f0412f');
  assert.equal(fileDigest('example1/data.json', Buffer.from('{"foo": "bar"}')), '7a38bf81f383f69433ad6e900d35b3e2385593f76a7b7ab5d4355b8ba41ee24b');
  assert.equal(fileDigest('example2/data.json', Buffer.from('{"x": true}')), '9e4f189bf4079d1b6eb6446879866cd5f39c26880d4fb518f4e01cd1bbfe513e');
});

test('canonical encoding matches OPA MD5 vectors (nested objects sorted, scalars)', () => {
  const md5 = (name: string, text: string): string => {
    const h = createHash('md5');
    canonicalJSON(parseStructured(name, Buffer.from(text)), h, name);
    return h.digest('hex');
  };
  assert.equal(md5('.manifest', '{"revision": "quickbrownfaux"}'), 'a005c38a509dc2d5a7407b9494efb2ad');
  assert.equal(md5('a/b/d/data.json', 'true'), 'b326b5062b2f0e69046810717534cb09');
  assert.equal(md5('data.json', '{"x": {"y": true}, "a": {"b": {"z": true}}}'), '36669864a622563256817033b1fc53db');
});

test('policy and other files hash by their bytes', () => {
  const bytes = Buffer.from('package x\n');
  assert.equal(fileDigest('x.rego', bytes), createHash('sha256').update(bytes).digest('hex'));
  assert.equal(fileDigest('other.json', Buffer.from('{ "a" : 1 }')), createHash('sha256').update('{ "a" : 1 }').digest('hex'));
});

test('numbers are hashed as written, as Go json.Number does', () => {
  const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
  assert.equal(fileDigest('data.json', Buffer.from('{"b": 1.0, "a": [1e3, -0, 12345678901234567890, 0.1]}')), sha('{"a":[1e3,-0,12345678901234567890,0.1],"b":1.0}'));
  assert.notEqual(fileDigest('data.json', Buffer.from('{"a": 1.0}')), fileDigest('data.json', Buffer.from('{"a": 1}')));
});

test('strings are escaped as Go escapes them (no HTML escaping, U+2028 escaped)', () => {
  const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
  assert.equal(fileDigest('data.json', Buffer.from('{"k": "<a&b>\\u2028\\n\\u0001é\\""}')), sha('{"k":"<a&b>\\u2028\\n\\u0001é\\""}'));
});

test('keys sort in UTF-8 byte order, not UTF-16 order', () => {
  const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
  // U+FF5E sorts before U+1F600 in UTF-8 but after it in UTF-16 code units.
  assert.equal(structuredDigest({ '\u{1F600}': 1, '\uFF5E': 2 }), sha('{"\uFF5E":2,"\u{1F600}":1}'));
});

test('a lone surrogate is refused: its re-encoding would differ from what was signed', () => {
  assert.throws(() => fileDigest('data.json', Buffer.from('{"a": "\\ud800"}')), { code: 'bundle_data_invalid' });
});

test('property: whitespace and key order never change a structured digest', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      const compact = JSON.stringify(v);
      const pretty = JSON.stringify(v, null, 3);
      return fileDigest('data.json', Buffer.from(compact)) === fileDigest('data.json', Buffer.from(pretty));
    }),
    { numRuns: 200 },
  );
});

test('objects of repeated and changing shapes at one depth all encode with sorted keys', () => {
  const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
  const doc = '[{"b":1,"a":2},{"b":3,"a":4},{"a":5,"b":6},{"c":1,"a":{"z":1,"y":2}},{"b":7,"a":8}]';
  assert.equal(fileDigest('data.json', Buffer.from(doc)), sha('[{"a":2,"b":1},{"a":4,"b":3},{"a":5,"b":6},{"a":{"y":2,"z":1},"c":1},{"a":8,"b":7}]'));
});

test('decoding yields the Rego value, exact for big integers', () => {
  const d = decodeStructured('data.json', Buffer.from('{"b": [1, 2.5, 12345678901234567890], "a": {"\\u0001k": null}}'));
  assert.equal(toJSON(d.value), '{"a":{"\\u0001k":null},"b":[1,2.5,12345678901234567890]}');
});

test('number literals are found after strings ending in escaped backslashes and quotes', () => {
  const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
  const text = String.raw`{"a":"x\\","b":1.0,"c":"q\"1.0\"","d":"\\\"","e":2.50}`;
  assert.equal(fileDigest('data.json', Buffer.from(text)), sha(String.raw`{"a":"x\\","b":1.0,"c":"q\"1.0\"","d":"\\\"","e":2.50}`));
});

test('property: the Rego value of a decoded JSON file equals the JSON document converted eagerly', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      const bytes = Buffer.from(JSON.stringify(v));
      return equal(decodeStructured('data.json', bytes).value, fromJS(JSON.parse(bytes.toString())));
    }),
    { numRuns: 200 },
  );
});
