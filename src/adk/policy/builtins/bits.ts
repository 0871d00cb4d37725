// bits.*: bitwise operations on arbitrary-precision integers (OPA uses big.Int).
import { num, type Value } from '../value.ts';
import { T } from '../types.ts';
import { declare, operandError, type BuiltinTable } from './builtin.ts';
import { integer } from './args.ts';

const big = (args: readonly Value[], pos: number): bigint => BigInt(integer(args, pos));

/** A shift count: a non-negative integer. */
function shift(args: readonly Value[]): bigint {
  const n = big(args, 2);
  if (n < 0n) throw operandError(2, 'must be an unsigned integer number but got a negative integer');
  return n;
}

const binary = (name: string, f: (a: bigint, b: bigint) => bigint) => ({
  name: `bits.${name}`,
  category: 'bits',
  args: [T.number, T.number],
  result: T.number,
  impl: (args: readonly Value[]) => num(f(big(args, 1), big(args, 2))),
});

/** Registers the bits family. */
export function register(table: BuiltinTable): void {
  declare(
    table,
    binary('or', (a, b) => a | b),
    binary('and', (a, b) => a & b),
    binary('xor', (a, b) => a ^ b),
    { name: 'bits.negate', category: 'bits', args: [T.number], result: T.number, impl: (args) => num(~big(args, 1)) },
    { name: 'bits.lsh', category: 'bits', args: [T.number, T.number], result: T.number, impl: (args) => num(big(args, 1) << shift(args)) },
    { name: 'bits.rsh', category: 'bits', args: [T.number, T.number], result: T.number, impl: (args) => num(big(args, 1) >> shift(args)) },
  );
}
