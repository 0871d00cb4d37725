// Argument checkers shared by every builtin family: each returns the typed value or throws
// OPA's operand type error. Positions are 1-based, as in OPA's messages.
import { ObjectValue, SetValue, isNumber, isInteger, type Value } from '../value.ts';
import { operandElementError, operandTypeError } from './builtin.ts';

export function str(args: readonly Value[], pos: number): string {
  const v = args[pos - 1]!;
  if (typeof v !== 'string') throw operandTypeError(pos, v, 'string');
  return v;
}

export function number(args: readonly Value[], pos: number): number | bigint {
  const v = args[pos - 1]!;
  if (!isNumber(v)) throw operandTypeError(pos, v, 'number');
  return v;
}

/** An integral number; a float gets OPA's "must be integer number but got floating-point number". */
export function integer(args: readonly Value[], pos: number): number | bigint {
  const v = number(args, pos);
  if (!isInteger(v)) throw operandTypeError(pos, 'floating-point number', 'integer number');
  return v;
}

export function bool(args: readonly Value[], pos: number): boolean {
  const v = args[pos - 1]!;
  if (typeof v !== 'boolean') throw operandTypeError(pos, v, 'boolean');
  return v;
}

export function array(args: readonly Value[], pos: number): readonly Value[] {
  const v = args[pos - 1]!;
  if (!Array.isArray(v)) throw operandTypeError(pos, v, 'array');
  return v as readonly Value[];
}

export function object(args: readonly Value[], pos: number): ObjectValue {
  const v = args[pos - 1]!;
  if (!(v instanceof ObjectValue)) throw operandTypeError(pos, v, 'object');
  return v;
}

export function set(args: readonly Value[], pos: number): SetValue {
  const v = args[pos - 1]!;
  if (!(v instanceof SetValue)) throw operandTypeError(pos, v, 'set');
  return v;
}

/** The elements of an array or a set. */
export function arrayOrSet(args: readonly Value[], pos: number): readonly Value[] {
  const v = args[pos - 1]!;
  if (Array.isArray(v)) return v as readonly Value[];
  if (v instanceof SetValue) return [...v.values()];
  throw operandTypeError(pos, v, 'array', 'set');
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** True when an integer fits Go's int (int64). */
export function fitsInt64(v: bigint): boolean {
  return v >= INT64_MIN && v <= INT64_MAX;
}

/**
 * OPA's IntOperand: an integer that fits Go's int; anything else (a fraction, or an integer beyond
 * int64) is "must be integer number but got floating-point number", as OPA reports both.
 */
export function goInt(args: readonly Value[], pos: number): number {
  const v = integer(args, pos);
  if (typeof v === 'number') return v;
  if (!fitsInt64(v)) throw operandTypeError(pos, 'floating-point number', 'integer number');
  return Number(v);
}

/** OPA's StringSliceOperand: the strings of an array or a set. */
export function stringElements(args: readonly Value[], pos: number): string[] {
  const items = arrayOrSet(args, pos);
  for (const x of items) if (typeof x !== 'string') throw operandElementError(pos, args[pos - 1]!, x, 'string');
  return items as string[];
}

/** The number of runes (code points) in s, as Go's utf8.RuneCountInString counts them. */
export function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}
