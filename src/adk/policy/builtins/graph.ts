// graph.reachable, graph.reachable_paths and walk: traversals over Rego values.
import { ObjectValue, SetValue, keyOf, type Value } from '../value.ts';
import { T } from '../types.ts';
import { declare, operandTypeError, type BuiltinContext, type BuiltinTable } from './builtin.ts';
import { object } from './args.ts';

/** The vertices of an edge collection (array or set); anything else has none, as in OPA. */
function vertices(v: Value | undefined): readonly Value[] {
  if (Array.isArray(v)) return v as readonly Value[];
  if (v instanceof SetValue) return [...v.values()];
  return [];
}

function initialNodes(args: readonly Value[]): readonly Value[] {
  const v = args[1]!;
  if (!Array.isArray(v) && !(v instanceof SetValue)) throw operandTypeError(2, v, '{array, set}');
  return vertices(v);
}

function reachable(args: readonly Value[]): Value {
  const graph = object(args, 1);
  const queue = [...initialNodes(args)];
  const reached = new SetValue();
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    const edges = graph.get(node);
    if (edges === undefined) continue;
    for (const n of vertices(edges)) if (!reached.has(n)) queue.push(n);
    reached.add(node);
  }
  return reached;
}

function reachablePaths(args: readonly Value[], ctx: BuiltinContext): Value {
  const graph = object(args, 1);
  const out = new SetValue();
  const build = (root: Value, path: Value[], seen: ReadonlySet<string>): void => {
    // A DAG can have exponentially many paths: each step counts against the budget.
    ctx.charge?.(path.length + 1);
    const edges = graph.get(root);
    if (edges === undefined) {
      out.add(path);
      return;
    }
    const here = [...path, root];
    const next = vertices(edges);
    if (next.length === 0) {
      out.add(here);
      return;
    }
    const seenHere = new Set(seen).add(keyOf(root));
    for (const n of next) {
      if (seenHere.has(keyOf(n))) out.add(here);
      else build(n, here, seenHere);
    }
  };
  for (const node of initialNodes(args)) {
    const edges = graph.get(node);
    if (edges === undefined) continue;
    const next = vertices(edges);
    if (next.length === 0) out.add([node]);
    else for (const n of next) build(n, [node], new Set([keyOf(node)]));
  }
  return out;
}

/** Every [path, value] pair of a value, the value itself first, depth first. */
export function* walkValue(v: Value, path: readonly Value[] = []): Generator<Value> {
  yield [path, v];
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) yield* walkValue((v as readonly Value[])[i]!, [...path, i]);
  } else if (v instanceof ObjectValue) {
    for (const [k, x] of v.entries()) yield* walkValue(x, [...path, k]);
  } else if (v instanceof SetValue) {
    for (const x of v.values()) yield* walkValue(x, [...path, x]);
  }
}

const vertexSet = T.or(T.set(T.any), T.array(T.any));

/** Registers the graph family. */
export function register(table: BuiltinTable): void {
  declare(
    table,
    { name: 'graph.reachable', category: 'graph', args: [T.object(T.any, vertexSet), vertexSet], result: T.set(T.any), impl: reachable },
    { name: 'graph.reachable_paths', category: 'graph', args: [T.object(T.any, vertexSet), vertexSet], result: T.set(T.array(T.any)), impl: reachablePaths },
    {
      name: 'walk',
      category: 'graph',
      args: [T.any],
      result: T.array(T.any),
      impl: () => {
        throw new Error('walk yields several results: call iterate');
      },
      iterate: (args) => walkValue(args[0]!),
    },
  );
}
