// Array builtins: array.concat, array.slice (indexes clamped, never an error), array.reverse,
// array.flatten (one level).
import { T } from '../types.ts';
import { type Value } from '../value.ts';
import { declare, type BuiltinTable } from './builtin.ts';
import { array, goInt } from './args.ts';

function slice(arr: readonly Value[], start: number, stop: number): Value[] {
  const hi = stop < 0 ? 0 : Math.min(stop, arr.length);
  const lo = start < 0 ? 0 : Math.min(start, hi);
  return arr.slice(lo, hi);
}

function flatten(arr: readonly Value[]): Value[] {
  const out: Value[] = [];
  for (const x of arr) {
    if (Array.isArray(x)) out.push(...(x as readonly Value[]));
    else out.push(x);
  }
  return out;
}

export function register(table: BuiltinTable): void {
  const A = T.array(T.any);
  declare(
    table,
    {
      name: 'array.concat',
      args: [A, A],
      result: A,
      category: 'array',
      impl: (args) => {
        const a = array(args, 1);
        return [...a, ...array(args, 2)];
      },
    },
    {
      name: 'array.slice',
      args: [A, T.number, T.number],
      result: A,
      category: 'array',
      impl: (args) => {
        const a = array(args, 1);
        const start = goInt(args, 2);
        return slice(a, start, goInt(args, 3));
      },
    },
    { name: 'array.reverse', args: [A], result: A, category: 'array', impl: (args) => [...array(args, 1)].reverse() },
    { name: 'array.flatten', args: [A], result: A, category: 'array', impl: (args) => flatten(array(args, 1)) },
  );
}
