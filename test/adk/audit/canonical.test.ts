import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalJson } from '../../../src/adk/audit/canonical.ts';
import { AutonomyError } from '../../../src/common/errors.ts';

test('canonical JSON sorts keys by UTF-16 code units, drops undefined, has no whitespace', () => {
  assert.equal(canonicalJson({ b: 1, a: [true, null, 'x'], c: undefined, é: 0, Z: -0 }), '{"Z":0,"a":[true,null,"x"],"b":1,"é":0}');
  assert.equal(canonicalJson({ '\u{1F600}': 1, '\uFFFF': 2 }), '{"\u{1F600}":1,"\uFFFF":2}');
  assert.equal(canonicalJson(1e21), '1e+21');
  assert.equal(canonicalJson(0.1), '0.1');
  assert.equal(canonicalJson('a"\n\u0001'), '"a\\"\\n\\u0001"');
});

test('non-JSON values are coded errors naming the path', () => {
  for (const bad of [{ x: NaN }, { x: Infinity }, { x: () => 1 }, { x: 1n }, { x: new Date(0) }, { x: [Symbol('s')] }]) {
    assert.throws(() => canonicalJson(bad, 'args'), (e: unknown) => e instanceof AutonomyError && e.code === 'wal_bad_record' && e.message.startsWith('args.x'));
  }
});

test('canonical JSON is a fixed point of parse and re-encode, whatever the key order', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      const text = canonicalJson(v);
      assert.equal(canonicalJson(JSON.parse(text)), text);
      assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(v)));
    }),
  );
});
