// Generated code (compile/gen.ts) against the closure compiler it replaces: on random policies
// and inputs both must give the same rows, the same errors and the same step counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { AutonomyError } from '../../../src/common/errors.ts';
import { compile, toJSON, type CompiledPolicy, type EvalOptions } from '../../../src/adk/policy/index.ts';
import { module } from './rego-gen.ts';

/** Everything observable about one evaluation: its rows or its error, and the steps it took. */
function outcome(p: CompiledPolicy, query: string, opts: EvalOptions): string {
  const stats = { steps: 0 };
  try {
    const rows = p.eval(query, { ...opts, stats });
    return `${stats.steps} steps: ${JSON.stringify(rows.map((r) => ({ b: [...r.bindings].map(([k, v]) => [k, toJSON(v)]), e: r.expressions.map((v) => toJSON(v)) })))}`;
  } catch (e) {
    if (!(e instanceof AutonomyError)) throw e;
    return `${stats.steps} steps: error ${e.code}: ${e.message}`;
  }
}

/** Compiles a module both ways; undefined when it does not compile (then neither way does). */
function both(src: string, data: unknown): [CompiledPolicy, CompiledPolicy] | undefined {
  let ref: CompiledPolicy;
  try {
    ref = compile([{ file: 'gen.rego', text: src }], data, { generate: false });
  } catch (e) {
    if (!(e instanceof AutonomyError)) throw e;
    assert.throws(() => compile([{ file: 'gen.rego', text: src }], data), (g: unknown) => g instanceof AutonomyError && g.code === e.code);
    return undefined;
  }
  return [ref, compile([{ file: 'gen.rego', text: src }], data)];
}

function assertSame(src: string, data: unknown, queries: readonly string[], inputs: readonly unknown[], extra: Omit<EvalOptions, 'input'> = {}): void {
  const pair = both(src, data);
  if (!pair) return;
  const [ref, gen] = pair;
  for (const q of queries) {
    for (const input of inputs) {
      const opts: EvalOptions = { ...extra, input, budget: { maxSteps: 100_000, maxMillis: 60_000 } };
      assert.equal(outcome(gen, q, opts), outcome(ref, q, opts), `${src}\nquery ${q}, input ${JSON.stringify(input)}`);
    }
  }
}

// Literals aimed at the generated fragment: refs into input and data, builtin calls (some of
// which fail on the wrong types), negation, iteration, and their mixes with closure-only forms.
// Each says which variables it binds and which it needs, so that rules come out safe.
type L = readonly [text: string, binds: string, needs: string];
const binders: readonly L[] = [
  ['some x in input.xs', 'x', ''],
  ['some k, v in input.obj', 'kv', ''],
  ['some y in data.d.xs', 'y', ''],
  ['some k, y in data.d.m', 'ky', ''],
  ['some x in {1, "a", [2]}', 'x', ''],
  ['x := input.a', 'x', ''],
  ['v := input.s', 'v', ''],
  ['some i, x in input.xs', 'x', ''],
  ['input.xs[k] = y', 'ky', ''],
  ['data.d.m[k] = v', 'kv', ''],
  ['[x, y] = [1, 2]', 'xy', ''],
  ['w := x + 1', 'w', 'x'],
  ['u := [n | some n in input.xs; n > 0]', 'u', ''],
];
const conditions: readonly L[] = [
  ['x > 1', '', 'x'],
  ['y < 3', '', 'y'],
  ['is_string(v)', '', 'v'],
  ['startswith(v, "a")', '', 'v'],
  ['to_number(v) > 0', '', 'v'],
  ['not x == 2', '', 'x'],
  ['not startswith(input.s, "b")', '', ''],
  ['input.a == x', '', 'x'],
  ['data.d.m[k] == y', '', 'ky'],
  ['input.obj[k] == v', '', 'kv'],
  ['count(input.xs) > 1', '', ''],
  ['x in {1, 2, "a"}', '', 'x'],
  ['input.s in data.d.xs', '', ''],
  ['q0', '', ''],
  ['not q0', '', ''],
  ['count(ps0) > 0', '', ''],
  ['x = y', '', 'xy'],
  ['input.nested.deep.value == 1', '', ''],
  ['input.xs[0] == x', '', 'x'],
  ['data.d.xs[_] == x', '', 'x'],
  ['every e in input.xs { e != 5 }', '', ''],
  ['input.a with input.a as 3', '', ''],
  ['f(x) == 2', '', 'x'],
  ['print(x, input.s)', '', 'x'],
  ['x', '', 'x'],
  ['input.a', '', ''],
  ['not input.obj.a', '', ''],
  ['u[0] > x', '', 'ux'],
];
const heads: readonly L[] = [
  ['ps contains x', '', 'x'],
  ['ps contains y', '', 'y'],
  ['qs contains [k, v]', '', 'kv'],
  ['r := w', '', 'w'],
  ['r := x', '', 'x'],
  ['obj[k] := v', '', 'kv'],
  ['q', '', ''],
];
const covered = (needs: string, bound: string): boolean => [...needs].every((n) => bound.includes(n));
const rule = fc
  .tuple(fc.array(fc.constantFrom(...binders), { maxLength: 3 }), fc.array(fc.constantFrom(...conditions), { minLength: 1, maxLength: 4 }), fc.constantFrom(...heads), fc.boolean())
  .map(([bs, cs, h, conditionsFirst]) => {
    let bound = '';
    const body: string[] = [];
    for (const [text, binds, needs] of bs) {
      if (!covered(needs, bound) || [...binds].some((b) => bound.includes(b))) continue;
      body.push(text);
      bound += binds;
    }
    // Conditions needing nothing may come before the binders (the compiler orders them).
    const early = cs.filter(([, , needs]) => conditionsFirst && needs === '').map(([text]) => text);
    const late = cs.filter(([, , needs]) => !(conditionsFirst && needs === '') && covered(needs, bound)).map(([text]) => text);
    const lits = [...early, ...body, ...late];
    const head = covered(h[2], bound) ? h[0] : 'q';
    return `${head} if {\n\t${(lits.length > 0 ? lits : ['true']).join('\n\t')}\n}`;
  });
const policy = fc.array(rule, { minLength: 1, maxLength: 4 }).map((rules) => `package t\n\nf(a) := a + 1\nq0 if input.a == 1\nps0 contains y if { some y in data.d.xs; y != 2 }\n\n${rules.join('\n\n')}\n`);
const scalar = fc.oneof(fc.integer({ min: -3, max: 6 }), fc.constantFrom('a', 'b', 'ab', ''), fc.boolean(), fc.constant(null));
const input = fc.record(
  {
    xs: fc.array(fc.oneof(scalar, fc.array(scalar, { maxLength: 2 })), { maxLength: 5 }),
    obj: fc.dictionary(fc.constantFrom('a', 'b', 'c'), scalar),
    a: scalar,
    s: scalar,
    nested: fc.record({ deep: fc.record({ value: scalar }) }),
  },
  { requiredKeys: [] },
);
const data = fc.record({ d: fc.record({ xs: fc.array(scalar, { maxLength: 4 }), m: fc.dictionary(fc.constantFrom('a', 'b', 'c', '1'), scalar) }) });

test('property: generated code and closures agree on policies made of the generated fragment', () => {
  fc.assert(
    fc.property(policy, data, fc.array(input, { minLength: 1, maxLength: 3 }), fc.boolean(), (src, d, inputs, strict) => {
      assertSame(src, d, ['data.t', 'data.t.ps', 'data.t.r', 'x = data.t.obj[k]'], inputs, { strictBuiltinErrors: strict });
    }),
    { numRuns: 250 },
  );
});

test('property: generated code and closures agree on random small policies', () => {
  fc.assert(
    fc.property(module, fc.jsonValue(), (src, inp) => {
      assertSame(src, { d: { xs: [1, 2, 3] } }, ['data.t'], [inp]);
    }),
    { numRuns: 250 },
  );
});

test('property: the benchmark policy decides the same both ways on random tool calls', () => {
  const text = readFileSync(new URL('../../../bench/fixtures/authz.rego', import.meta.url), 'utf8');
  const d = {
    tools: { allowed: ['move', 'read_file', 'write_file', 'grip', 'scan'] },
    workspace: '/workspace/',
    roles: { operator: { tools: ['move', 'grip', 'scan', 'read_file', 'write_file'] }, observer: { tools: ['scan', 'read_file'] } },
    agents: { 'robot-1': { roles: ['operator'] }, 'robot-2': { roles: ['observer'] }, 'robot-3': { roles: ['observer', 'operator'] } },
  };
  const call = fc.record({
    tool: fc.oneof(fc.constantFrom('move', 'read_file', 'write_file', 'grip', 'scan', 'shell'), fc.jsonValue()),
    agent: fc.record({ id: fc.oneof(fc.constantFrom('robot-1', 'robot-2', 'robot-3', 'robot-9'), fc.jsonValue()) }),
    args: fc.oneof(fc.record({ velocity: fc.oneof(fc.double({ noNaN: true, min: -5, max: 5 }), fc.string()) }), fc.record({ path: fc.oneof(fc.constantFrom('/workspace/a', '/etc/passwd'), fc.jsonValue()) }), fc.jsonValue()),
  });
  const pair = both(text, d)!;
  fc.assert(
    fc.property(call, (c) => {
      for (const q of ['data.autonomy.authz', 'data.autonomy.authz.allow']) {
        const opts: EvalOptions = { input: c };
        assert.equal(outcome(pair[1], q, opts), outcome(pair[0], q, opts));
      }
    }),
    { numRuns: 500 },
  );
});

test('with overrides and mocks take the general paths in generated code too', () => {
  const src = `package w
import rego.v1

tools := data.conf.tools
allowed if input.tool in data.conf.tools
hits contains t if {
	some t in data.conf.tools
	startswith(t, input.prefix)
}
p := [a, b, c, d] if {
	a := allowed with data.conf.tools as ["x"]
	b := count(hits) with input.prefix as "r"
	c := allowed with startswith as true
	d := count(hits) with startswith as true
}
`;
  assertSame(src, { conf: { tools: ['read', 'write'] } }, ['data.w.p', 'data.w'], [{ tool: 'x', prefix: 'w' }, { tool: 'read', prefix: '' }, {}]);
  // Data given at evaluation replaces the compile-time data that generated code looks up early.
  assertSame(src, { conf: { tools: ['read', 'write'] } }, ['data.w.p', 'data.w'], [{ tool: 'x', prefix: 'w' }], { data: { conf: { tools: ['x', 'wx'] } } });
  assertSame(src, { conf: { tools: ['read', 'write'] } }, ['data.w.p', 'data.w'], [{ tool: 'x', prefix: 'w' }], { data: {} });
});

test('generation can be turned off: the closure compiler alone gives the same answers', () => {
  const text = 'package g\nxs := [x | some x in input.xs; x > 1]\nok if { some x in input.xs; x == 3 }';
  const off = compile([{ file: 'g.rego', text }], {}, { generate: false });
  const on = compile([{ file: 'g.rego', text }]);
  for (const p of [off, on]) {
    assert.equal(toJSON(p.evalRule('data.g.xs', { xs: [1, 2, 3] })!), '[2,3]');
    assert.equal(p.evalRule('data.g.ok', { xs: [1, 2, 3] }), true);
    assert.equal(p.evalRule('data.g.ok', { xs: [1] }), undefined);
  }
});

test('constant-key walks through input agree with step-by-step lookups on unusual documents', () => {
  const src = `package u
a := input.a.b.c
p := input["__proto__"]["polluted"]
k := input.constructor.name
t := input.a.b
s := input.set.x
n := input.a.n.x
`;
  const regoValue = (text: string): unknown => compile([{ file: 'x.rego', text: `package x\nv := ${text}` }]).evalRule('data.x.v');
  const inputs: unknown[] = [
    { a: { b: { c: 1 } } },
    { a: { b: [1, 2] } },
    { a: { b: { c: [1] }, n: 'str' } },
    { a: [{ b: 1 }] },
    { a: null },
    JSON.parse('{"__proto__": {"polluted": 1}, "a": {"b": {"c": true}}}'),
    {},
    { a: { b: { c: 2 ** 60 } } },
    { set: regoValue('{"x"}') },
    { a: regoValue('{"b": {"c": 5}}') },
    { a: { b: regoValue('{"c": {1}}') } },
  ];
  assertSame(src, {}, ['data.u'], inputs);
  const p = compile([{ file: 'u.rego', text: src }]);
  assert.equal(toJSON(p.evalRule('data.u', inputs[5])!), '{"a":true,"p":1,"t":{"c":true}}');
  assert.equal(toJSON(p.evalRule('data.u', inputs[8])!), '{"s":"x"}');
});

test('a process that forbids code generation evaluates with closures alone', () => {
  const engine = new URL('../../../src/adk/policy/index.ts', import.meta.url).href;
  const script = `import { compile, toJSON } from ${JSON.stringify(engine)};
const p = compile([{ file: 'g.rego', text: 'package g\\nok if { some x in input.xs; x > 2 }\\nn := count([x | some x in input.xs; x > 1])' }]);
process.stdout.write(toJSON(p.evalRule('data.g', { xs: [1, 2, 3] })));`;
  const out = execFileSync(process.execPath, ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(out, '{"n":2,"ok":true}');
});
