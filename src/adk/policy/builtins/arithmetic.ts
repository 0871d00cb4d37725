// Arithmetic (plus, minus, mul, div, rem, round, ceil, floor, abs) and numbers.range(_step), as
// OPA computes them: integers exactly, everything else in 64-bit-mantissa binary floats printed
// back as their shortest decimal (see bigfloat.ts).
import { T } from '../types.ts';
import { SetValue, isInteger, num, type Value } from '../value.ts';
import * as BF from './bigfloat.ts';
import { builtinError, declare, operandTypeError, type BuiltinContext, type BuiltinTable } from './builtin.ts';
import { number } from './args.ts';

/** Integers in this window multiply without leaving the safe-integer range (OPA's int32 fast path). */
const SMALL = 2 ** 31;

function small(x: number | bigint): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= -SMALL && x < SMALL;
}

function safe(x: number | bigint): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x);
}

function big(x: number | bigint): bigint {
  return typeof x === 'bigint' ? x : BigInt(x);
}

function viaFloat(x: Num, y: Num, op: (a: BF.BigFloat, b: BF.BigFloat) => BF.BigFloat): Num {
  return BF.toNumber(op(BF.fromNumber(x), BF.fromNumber(y)));
}

type Num = number | bigint;

/**
 * A binary operation exact on integers: doubles while the result stays a safe integer (a result
 * beyond 2^53 is never a safe double, so a safe one is exact), then bigints, else OPA's floats.
 */
function exactOp(onDouble: (x: number, y: number) => number, onBig: (x: bigint, y: bigint) => bigint, onFloat: (a: BF.BigFloat, b: BF.BigFloat) => BF.BigFloat) {
  return (x: Num, y: Num): Num => {
    if (safe(x) && safe(y)) {
      const r = onDouble(x, y);
      if (Number.isSafeInteger(r)) return r === 0 ? 0 : r;
    }
    if (isInteger(x) && isInteger(y)) return num(onBig(big(x), big(y)));
    return viaFloat(x, y, onFloat);
  };
}

/** x + y, exact on integers. */
export const plus = exactOp((x, y) => x + y, (x, y) => x + y, BF.add);
/** x − y, exact on integers. */
export const minus = exactOp((x, y) => x - y, (x, y) => x - y, BF.sub);
/** x × y, exact on integers. */
export const times = exactOp((x, y) => x * y, (x, y) => x * y, BF.mul);

function divide(x: number | bigint, y: number | bigint): number | bigint {
  if (small(x) && small(y)) {
    if (y === 0) throw builtinError('divide by zero');
    // An exact quotient stays an integer; a zero dividend goes through floats (its sign may be −0).
    if (x !== 0 && x % y === 0) return x / y;
  }
  const fy = BF.fromNumber(y);
  if (BF.isZero(fy)) throw builtinError('divide by zero');
  return BF.toNumber(BF.quo(BF.fromNumber(x), fy));
}

function remainder(x: number | bigint, y: number | bigint): number | bigint {
  if (small(x) && small(y)) {
    if (y === 0) throw builtinError('modulo by zero');
    const r = x % y;
    return r === 0 ? 0 : r;
  }
  if (!isInteger(x) || !isInteger(y)) throw builtinError('modulo on floating-point number');
  const b = big(y);
  if (b === 0n) throw builtinError('modulo by zero');
  return num(big(x) % b);
}

function minusValues(a: Value, b: Value): Value {
  const an = typeof a === 'number' || typeof a === 'bigint';
  const bn = typeof b === 'number' || typeof b === 'bigint';
  if (an && bn) return minus(a, b);
  if (a instanceof SetValue && b instanceof SetValue) {
    const out = new SetValue();
    for (const [k, v] of a.items) if (!b.items.has(k)) out.items.set(k, v);
    return out;
  }
  if (!an && !(a instanceof SetValue)) throw operandTypeError(1, a, 'number', 'set');
  throw bn ? operandTypeError(2, b, 'set') : operandTypeError(2, b, 'number');
}

const HALF = BF.parseDecimal('0.5', 53);

// OPA rounds through big.Float: round adds ±0.5 and truncates; ceil and floor truncate and then
// adjust, testing the sign of the truncated value, so ceil(-0.5) is 1 and floor(-0.5) is 0 in OPA.
function roundFloat(x: BF.BigFloat): BF.BigFloat {
  return BF.fromInt(BF.trunc(x.neg ? BF.sub(x, HALF) : BF.add(x, HALF)));
}

function ceilFloat(x: BF.BigFloat): BF.BigFloat {
  const t = BF.trunc(x);
  const f = BF.fromInt(t);
  if (t < 0n || BF.cmp(x, f) === 0) return f;
  return BF.fromInt(t + 1n);
}

function floorFloat(x: BF.BigFloat): BF.BigFloat {
  const t = BF.trunc(x);
  const f = BF.fromInt(t);
  if (t >= 0n || BF.cmp(x, f) === 0) return f;
  return BF.fromInt(t - 1n);
}

function unary(smallOp: (x: number) => number, floatOp: (x: BF.BigFloat) => BF.BigFloat) {
  return (args: readonly Value[]): Value => {
    const x = number(args, 1);
    if (small(x)) return smallOp(x);
    return BF.toNumber(floatOp(BF.fromNumber(x)));
  };
}

function binary(op: (x: number | bigint, y: number | bigint) => number | bigint) {
  return (args: readonly Value[]): Value => op(number(args, 1), number(args, 2));
}

const identity = (x: number): number => x;

/** The inclusive range from a to b by step, descending when a > b. */
function range(a: number | bigint, b: number | bigint, step: number | bigint, ctx: BuiltinContext): Value[] {
  // The size is known before anything is allocated: charge it, so a huge range ends the
  // evaluation on its budget instead of exhausting memory.
  const size = (big(a) > big(b) ? big(a) - big(b) : big(b) - big(a)) / big(step) + 1n;
  ctx.charge?.(size > 1_000_000_000n ? Number.MAX_SAFE_INTEGER : Number(size));
  const out: Value[] = [];
  if (typeof a === 'number' && typeof b === 'number' && typeof step === 'number') {
    if (a <= b) for (let i = a; i <= b; i += step) out.push(i);
    else for (let i = a; i >= b; i -= step) out.push(i);
    return out;
  }
  const [x, y, s] = [big(a), big(b), big(step)];
  if (x <= y) for (let i = x; i <= y; i += s) out.push(num(i));
  else for (let i = x; i >= y; i -= s) out.push(num(i));
  return out;
}

/** OPA's BigIntOperand: any integer; a fraction is "must be integer number but got floating-point number". */
function bigInteger(args: readonly Value[], pos: number): number | bigint {
  const v = args[pos - 1]!;
  // OPA checks the type against operand 1 but names the real position with "integer".
  if (typeof v !== 'number' && typeof v !== 'bigint') throw operandTypeError(pos, v, 'integer');
  if (!isInteger(v)) throw operandTypeError(pos, 'floating-point number', 'integer number');
  return v;
}

export function register(table: BuiltinTable): void {
  const N = T.number;
  const numOrSet = T.or(T.number, T.set(T.any));
  declare(
    table,
    { name: 'plus', args: [N, N], result: N, category: 'numbers', impl: binary(plus) },
    {
      name: 'minus',
      args: [numOrSet, numOrSet],
      result: numOrSet,
      category: 'numbers',
      impl: (args) => minusValues(args[0]!, args[1]!),
    },
    { name: 'mul', args: [N, N], result: N, category: 'numbers', impl: binary(times) },
    { name: 'div', args: [N, N], result: N, category: 'numbers', impl: binary(divide) },
    { name: 'rem', args: [N, N], result: N, category: 'numbers', impl: binary(remainder) },
    { name: 'abs', args: [N], result: N, category: 'numbers', impl: unary(Math.abs, BF.abs) },
    { name: 'round', args: [N], result: N, category: 'numbers', impl: unary(identity, roundFloat) },
    { name: 'ceil', args: [N], result: N, category: 'numbers', impl: unary(identity, ceilFloat) },
    { name: 'floor', args: [N], result: N, category: 'numbers', impl: unary(identity, floorFloat) },
    {
      name: 'numbers.range',
      args: [N, N],
      result: T.array(N),
      category: 'numbers',
      impl: (args, ctx) => range(bigInteger(args, 1), bigInteger(args, 2), 1, ctx),
    },
    {
      name: 'numbers.range_step',
      args: [N, N, N],
      result: T.array(N),
      category: 'numbers',
      impl: (args, ctx) => {
        const [a, b, step] = [bigInteger(args, 1), bigInteger(args, 2), bigInteger(args, 3)];
        if (step <= 0) throw builtinError('numbers.range_step: step must be a positive integer');
        return range(a, b, step, ctx);
      },
    },
  );
}
