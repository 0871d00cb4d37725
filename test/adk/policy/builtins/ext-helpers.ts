// Calls builtins by name through the real table, with a fixed context.
import { createBuiltinTable } from '../../../../src/adk/policy/builtins/registry.ts';
import type { BuiltinContext } from '../../../../src/adk/policy/builtins/builtin.ts';
import { fromJS, toJS, type Value } from '../../../../src/adk/policy/value.ts';

const table = createBuiltinTable();

/** A fresh context: now = 2024-01-01T00:00:00Z. */
export function context(extra: Partial<BuiltinContext> = {}): BuiltinContext {
  return { nowNs: 1704067200000000000n, env: {}, cache: new Map(), print: () => {}, networkAllowList: [], ...extra };
}

/** Calls a builtin with Rego values. */
export function call(name: string, args: Value[], ctx: BuiltinContext = context()): Value | undefined {
  const decl = table.get(name);
  if (!decl) throw new Error(`no builtin ${name}`);
  return decl.impl(args, ctx);
}

/** Calls a builtin with plain JS arguments and returns plain JS (sets as sorted arrays). */
export function js(name: string, ...args: unknown[]): unknown {
  const r = call(name, args.map(fromJS));
  return r === undefined ? undefined : toJS(r);
}

/** All results of a multi-result builtin. */
export function all(name: string, args: Value[], ctx: BuiltinContext = context()): Value[] {
  const decl = table.get(name);
  if (!decl?.iterate) throw new Error(`${name} has no iterate`);
  return [...decl.iterate(args, ctx)];
}

/** The message of the error a call raises (with the name prefix the evaluator adds). */
export function err(name: string, ...args: unknown[]): string {
  try {
    call(name, args.map(fromJS));
  } catch (e) {
    return `${(e as { code?: string }).code}: ${name}: ${(e as Error).message}`;
  }
  throw new Error(`${name} did not fail`);
}
