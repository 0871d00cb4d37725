// Exact decimals: number literals a double would change compare, key, print and parse as OPA's
// exact numbers do; ordinary numbers keep their double (or bigint) representation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compile, toJSON } from '../../../src/adk/policy/index.ts';
import { compareExact, ExactDecimal, parseDecimalText } from '../../../src/adk/policy/decimal.ts';
import { compare, formatValue, keyOf, parseJSON, parseNumber } from '../../../src/adk/policy/value.ts';

const evalRule = (text: string, input?: unknown) => compile([{ file: 't.rego', text: `package t\n${text}` }]).evalRule('data.t', input);

test('only literals a double would change become exact decimals', () => {
  for (const ordinary of ['0.1', '3.14159', '-2.5', '1e-7', '0.10000000000001', '1.5e-300', '1e-300'])
    assert.equal(typeof parseNumber(ordinary), 'number', ordinary);
  assert.equal(typeof parseNumber('1e400'), 'bigint');
  for (const lossy of ['1e-400', '0.1234567890123456789', '-1.00000000000000000001'])
    assert.ok(parseNumber(lossy) instanceof ExactDecimal, lossy);
});

test('exact decimals order, compare and deduplicate by the numbers they denote', () => {
  const out = toJSON(
    evalRule(`
tiny := 1e-400 > 0
neg_tiny := -1e-400 < 0
digits := 0.1234567890123456789 > 0.1234567890123456788
same := 1e-400 == 10e-401
distinct := count({1e-400, 1.0e-400, 2e-400, 0})
sorted := sort([1e-400, 0, -1e-400, 0.1234567890123456789, 0.123456789])
key := {1e-400: "found"}[10e-401]
`)!,
  );
  assert.equal(out, '{"digits":true,"distinct":3,"key":"found","neg_tiny":true,"same":true,"sorted":[-1e-400,0,1e-400,0.123456789,0.1234567890123456789],"tiny":true}');
});

test('exact decimals print as written and arrive exact through JSON input', () => {
  assert.equal(formatValue(evalRule('x := [1e-400, 0.1234567890123456789]')!), '{"x": [1e-400, 0.1234567890123456789]}');
  assert.equal(toJSON(evalRule('m := json.marshal(1e-400)\ns := sprintf("%v", [1e-400])')!), '{"m":"1e-400","s":"1e-400"}');
  assert.equal(toJSON(evalRule('p := input.x > 0', parseJSON('{"x": 1e-400}'))!), '{"p":true}');
  assert.equal(toJSON(evalRule('t := type_name(1e-400)')!), '{"t":"number"}');
});

test('arithmetic and aggregates read an exact decimal at full precision', () => {
  assert.equal(toJSON(evalRule('a := 1e-400 * 1e400\nb := 1e-400 + 1\nm := max([1e-400, 0])\ns := sum([1e-400, 1])')!), '{"a":1,"b":1,"m":1e-400,"s":1}');
});

test('property: exact comparison agrees with doubles wherever the doubles are faithful', () => {
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.double({ noNaN: true, noDefaultInfinity: true }), (a, b) => {
      const want = a < b ? -1 : a > b ? 1 : 0;
      assert.equal(compareExact(parseDecimalText(String(a))!, b), want);
      assert.equal(compare(a, b), want);
    }),
  );
});

test('property: equal exact decimals written differently share one key', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: -500, max: -1 }), fc.integer({ min: 0, max: 5 }), (coef, exp, pad) => {
      const a = new ExactDecimal(coef, exp);
      const b = new ExactDecimal(coef * 10n ** BigInt(pad), exp - pad);
      assert.equal(keyOf(a), keyOf(b));
      assert.equal(compareExact(a, b), 0);
      assert.equal(compareExact(parseDecimalText(a.toString())!, a), 0);
    }),
  );
});
