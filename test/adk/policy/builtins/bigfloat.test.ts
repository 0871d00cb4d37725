// The big.Float emulation checked against IEEE doubles: at 53 bits of mantissa it must round
// exactly as the hardware does, and its shortest output must read back as the same double.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as BF from '../../../../src/adk/policy/builtins/bigfloat.ts';

function exact(x: number): BF.BigFloat {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  const frac = bits & ((1n << 52n) - 1n);
  return { neg: x < 0, m: biased === 0 ? frac : frac | (1n << 52n), e: (biased === 0 ? 1 : biased) - 1075, prec: 53 };
}

const normal = fc.double({ min: -1e150, max: 1e150, noNaN: true }).filter((x) => x === 0 || Math.abs(x) > 1e-150);

test('property: at 53 bits, add/sub/mul/quo round like IEEE doubles and print round-trippable', () => {
  fc.assert(
    fc.property(normal, normal, (x, y) => {
      const [a, b] = [exact(x), exact(y)];
      const same = (got: number | bigint, want: number): void => assert.equal(Number(got) + 0, want + 0, `${x} ? ${y}`);
      same(BF.toNumber(BF.add(a, b)), x + y);
      same(BF.toNumber(BF.sub(a, b)), x - y);
      same(BF.toNumber(BF.mul(a, b)), x * y);
      if (y !== 0) same(BF.toNumber(BF.quo(a, b)), x / y);
    }),
    { numRuns: 2000 },
  );
});

test('decimal text parses to the nearest 64-bit float', () => {
  const tenth = BF.parseDecimal('0.1');
  // 0.1 = 0xCCCCCCCCCCCCCCCD × 2^-67 at 64 bits (rounded up).
  assert.equal(tenth.m, 0xcccccccccccccccdn);
  assert.equal(tenth.e, -67);
  assert.equal(BF.toNumber(BF.parseDecimal('123456789012345678901234567890')), 123456789012345678900000000000n);
  assert.equal(BF.toNumber(BF.parseDecimal('-2.5e-7')), -2.5e-7);
});
