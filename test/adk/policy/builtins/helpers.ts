// Calls builtins through the public table, the way the evaluator does.
import assert from 'node:assert/strict';
import { createBuiltinTable } from '../../../../src/adk/policy/builtins/registry.ts';
import { BuiltinError, type BuiltinContext } from '../../../../src/adk/policy/builtins/builtin.ts';
import { equal, formatValue, fromJS, makeSet, type Value } from '../../../../src/adk/policy/value.ts';

const table = createBuiltinTable();

const ctx: BuiltinContext = {
  nowNs: 0n,
  env: {},
  cache: new Map(),
  print: () => undefined,
  networkAllowList: [],
};

/** Plain JS data as a Rego value (arrays stay arrays, objects become objects). */
export const v = (x: unknown): Value => fromJS(x);

/** A Rego set of JS data. */
export const set = (...xs: unknown[]): Value => makeSet(xs.map(fromJS));

/** The builtin's result for these arguments (undefined when it has none). */
export function call(name: string, ...args: Value[]): Value | undefined {
  const decl = table.get(name);
  assert.ok(decl, `builtin ${name} is not declared`);
  return decl.impl(args, ctx);
}

/** Asserts the builtin's result equals want (as Rego values). */
export function expect(name: string, args: Value[], want: Value | undefined): void {
  const got = call(name, ...args);
  if (want === undefined || got === undefined) {
    assert.equal(got, want, `${name}(${args.map(formatValue).join(', ')})`);
    return;
  }
  assert.ok(equal(got, want), `${name}(${args.map(formatValue).join(', ')}) = ${formatValue(got)}, want ${formatValue(want)}`);
}

/** Asserts the builtin raises a BuiltinError with this code and message. */
export function expectError(name: string, args: Value[], code: 'eval_type_error' | 'eval_builtin_error', message: string): void {
  assert.throws(
    () => call(name, ...args),
    (e: unknown) => {
      assert.ok(e instanceof BuiltinError, `expected a BuiltinError, got ${String(e)}`);
      assert.equal(e.code, code);
      assert.equal(e.message, message);
      return true;
    },
  );
}

export { table };
