import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { call, expect, expectError, set, v } from './helpers.ts';
import type { Value } from '../../../../src/adk/policy/value.ts';

const fmt = (format: string, ...args: Value[]): Value | undefined => call('sprintf', format, args);

test('integers, big integers and floats as Go formats them', () => {
  assert.equal(fmt('%s', 123456789123456789123n), '123456789123456789123');
  assert.equal(fmt('%s', 1208925819614629174706175n), '1208925819614629174706175');
  assert.equal(fmt('%x', 2n ** 70n), '400000000000000000');
  assert.equal(fmt('%d', 42), '42');
  assert.equal(fmt('hi %02X.%02X', 127, 1), 'hi 7F.01');
  assert.equal(fmt('%+d|% d|%5d|%-5d|%05d', 5, 5, 5, 5, -5), '+5| 5|    5|5    |-0005');
  assert.equal(fmt('%#x %#o %b %O', 255, 8, 5, 8), '0xff 010 101 0o10');
  assert.equal(fmt('%c%c %q %U %#U', 72, 0x1f600, 65, 0x1f600, 65), "H😀 'A' U+1F600 U+0041 'A'");
  assert.equal(fmt('%.3d|%.0d|', 7, 0), '007||');
});

test('floats: %f %e %g %v with Go rounding (half to even on the exact binary value)', () => {
  assert.equal(fmt('hi %.2f', 3.1415), 'hi 3.14');
  assert.equal(fmt('%f', 1.5), '1.500000');
  assert.equal(fmt('%.0f %.0f %.2f %.1f', 2.5, 3.5, 0.125, 0.25), '2 4 0.12 0.2');
  assert.equal(fmt('%.2f', 1.005), '1.00');
  assert.equal(fmt('%e', 123456.789), '1.234568e+05');
  assert.equal(fmt('%E', 0.000123), '1.230000E-04');
  assert.equal(fmt('%g %g %g', 0.000012345, 100000.5, 1234567.5), '1.2345e-05 100000.5 1.2345675e+06');
  assert.equal(fmt('%.3g %.3g', 1234.5678, 0.5), '1.23e+03 0.5');
  assert.equal(fmt('%v %v', 0.1, -2.5e-7), '0.1 -2.5e-07');
  assert.equal(fmt('%08.3f|%-8.2f|%+.1f', -3.14159, 2.5, 2.25), '-003.142|2.50    |+2.2');
  assert.equal(fmt('%#g', 1.5), '1.50000');
  assert.equal(fmt('%x', 1.5), '0x1.8p+00');
});

test('strings and other values', () => {
  assert.equal(fmt('%s-%v', 'a', 'b'), 'a-b');
  assert.equal(fmt('%q', 'a"b\n'), '"a\\"b\\n"');
  assert.equal(fmt('%x % X', 'hi', 'hi'), '6869 68 69');
  assert.equal(fmt('%5s|%-5s|%.2s', 'ab', 'ab', 'héllo'), '   ab|ab   |hé');
  assert.equal(fmt('%v', v([1, 'a', null])), '[1, "a", null]');
  assert.equal(fmt('%v %v', true, set(2, 1)), 'true {1, 2}');
  assert.equal(fmt('%v', v({ b: 1, a: [2] })), '{"a": [2], "b": 1}');
  assert.equal(fmt('%v', set()), 'set()');
});

test("Go's in-band error notes", () => {
  assert.equal(fmt('%d', 'x'), '%!d(string=x)');
  assert.equal(fmt('%s', 5), '%!s(int=5)');
  // Go keeps the flags when printing the bad operand, so the precision pads it.
  assert.equal(fmt('%.2f', 5), '%!f(int=05)');
  assert.equal(fmt('%d', 1.5), '%!d(float64=1.5)');
  assert.equal(fmt('%t', true), '%!t(string=true)');
  assert.equal(fmt('%z', 2n ** 70n), '%!z(big.Int=1180591620717411303424)');
  assert.equal(fmt('%d %d', 1), '1 %!d(MISSING)');
  assert.equal(fmt('%d', 1, 'a'), '1%!(EXTRA string=a)');
  assert.equal(fmt('x', 1, 2n ** 70n), 'x%!(EXTRA int=1, *big.Int=1180591620717411303424)');
  assert.equal(fmt('100%'), '100%!(NOVERB)');
  assert.equal(fmt('100%%'), '100%');
  assert.equal(fmt('%[2]d %[1]d', 1, 2), '2 1');
  assert.equal(fmt('%[3]d', 1), '%!d(BADINDEX)');
  assert.equal(fmt('%*d|%-*d|', 4, 7, 3, 8), '   7|8  |');
  assert.equal(fmt('%*d', 'x', 7), '%!(BADWIDTH)7');
  assert.equal(fmt('%T %T %T', 1, 'a', 1.5), 'int string float64');
});

test('operand errors', () => {
  expectError('sprintf', [1, v([])], 'eval_type_error', 'operand 1 must be string but got number');
  expectError('sprintf', ['%v', set(1)], 'eval_type_error', 'operand 2 must be array but got set');
  expect('sprintf', ['plain', v([])], 'plain');
});

test('property: sprintf returns a string for any format and values', () => {
  const value = fc.oneof(
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }),
    fc.string(),
    fc.boolean(),
    fc.constant(null),
  );
  const format = fc.stringMatching(/^([a-z %#+\-0-9.*[\]]|%[-+# 0]*[0-9]*(\.[0-9]*)?[a-zA-Z%])*$/);
  fc.assert(
    fc.property(format, fc.array(value, { maxLength: 4 }), (f, args) => {
      assert.equal(typeof fmt(f, ...(args as Value[])), 'string');
    }),
    { numRuns: 500 },
  );
});

test('%#U of a number below int64 wraps like Go and never throws', () => {
  const out = call('sprintf', '%#U', [-18446744073709556000]);
  assert.equal(typeof out, 'string');
});
