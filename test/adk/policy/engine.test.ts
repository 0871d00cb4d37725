// The engine's public API: compile once, evaluate many times, fail with coded errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AutonomyError } from '../../../src/common/errors.ts';
import { compile, toJSON } from '../../../src/adk/policy/index.ts';
import { module } from './rego-gen.ts';

const AUTHZ = `package autonomy.authz

default allow := false

allow if {
	input.tool in data.allowed_tools
	count(deny) == 0
}

deny contains "velocity over 2.0 m/s" if {
	input.tool == "move"
	input.args.velocity > 2.0
}

deny contains msg if {
	input.tool == "write_file"
	not startswith(input.args.path, "/workspace/")
	msg := sprintf("write outside workspace: %s", [input.args.path])
}
`;

const data = { allowed_tools: ['move', 'write_file', 'read_file'] };
const codeIs = (code: string) => (e: unknown) => e instanceof AutonomyError && e.code === code;

test('evalRule answers allow and the deny reasons for each input', () => {
  const p = compile([{ file: 'authz.rego', text: AUTHZ }], data);
  const decide = (input: unknown) => toJSON(p.evalRule('data.autonomy.authz', input)!);
  assert.equal(decide({ tool: 'move', args: { velocity: 1.5 } }), '{"allow":true,"deny":[]}');
  assert.equal(decide({ tool: 'move', args: { velocity: 2.5 } }), '{"allow":false,"deny":["velocity over 2.0 m/s"]}');
  assert.equal(decide({ tool: 'write_file', args: { path: '/etc/passwd' } }), '{"allow":false,"deny":["write outside workspace: /etc/passwd"]}');
  assert.equal(decide({ tool: 'rm', args: {} }), '{"allow":false,"deny":[]}');
  assert.equal(p.evalRule('data.autonomy.nothing', {}), undefined);
});

test('rule values are not cached across evaluations', () => {
  const p = compile([{ file: 'a.rego', text: 'package a\nx := input.v' }]);
  for (let i = 0; i < 5; i++) assert.equal(p.evalRule('data.a.x', { v: i }), i);
});

test('compile errors are coded and located', () => {
  assert.throws(() => compile([{ file: 'u.rego', text: 'package u\np if { x > 1 }' }]), (e: unknown) => codeIs('rego_unsafe_var_error')(e) && (e as AutonomyError).location?.file === 'u.rego');
  assert.throws(() => compile([{ file: 'f.rego', text: 'package f\np := nope(1)' }]), codeIs('rego_type_error'));
  assert.throws(() => compile([{ file: 'r.rego', text: 'package r\np if q\nq if p' }]), codeIs('rego_recursion_error'));
  assert.throws(() => compile([{ file: 'c.rego', text: 'package c\np := 1\np contains 2' }]), codeIs('rego_type_error'));
});

test('conflicts are eval_conflict_error', () => {
  const p = compile([{ file: 'c.rego', text: 'package c\np := 1 if true\np := 2 if true' }]);
  assert.throws(() => p.eval('data.c.p'), codeIs('eval_conflict_error'));
});

test('builtin errors are undefined unless strict', () => {
  const p = compile([{ file: 'b.rego', text: 'package b\np := x if x := 1 / input.d' }]);
  assert.equal(p.evalRule('data.b.p', { d: 0 }), undefined);
  assert.throws(() => p.eval('data.b.p', { input: { d: 0 }, strictBuiltinErrors: true }), codeIs('eval_builtin_error'));
});

test('a huge cross product ends with eval_budget_exceeded, not a hang', () => {
  const p = compile([{ file: 'x.rego', text: 'package x\np := count([1 | numbers.range(1, 2000)[_]; numbers.range(1, 2000)[_]; numbers.range(1, 2000)[_]])' }]);
  assert.throws(() => p.eval('data.x.p', { budget: { maxSteps: 200_000 } }), codeIs('eval_budget_exceeded'));
  assert.throws(() => p.eval('data.x.p', { budget: { maxMillis: 50 } }), codeIs('eval_budget_exceeded'));
});

test('print output goes to the print hook, undefined arguments included', () => {
  const p = compile([{ file: 'p.rego', text: 'package p\nq if { print("tool", input.tool, input.missing) }' }]);
  const lines: string[] = [];
  p.eval('data.p.q', { input: { tool: 'move' }, print: (l) => lines.push(l) });
  assert.deepEqual(lines, ['tool move <undefined>']);
});

test('with replaces input, data and functions for one expression only', () => {
  const p = compile([{ file: 'w.rego', text: 'package w\nv := input.x\nf(x) := x + 1\np := [v, y, z] if { y := v with input.x as 7; z := f(1) with f as 10 }' }]);
  assert.equal(toJSON(p.evalRule('data.w.p', { x: 1 })!), '[1,7,10]');
});

test('property: random small policies end within their budget with a result or a coded error', () => {
  fc.assert(
    fc.property(module, fc.jsonValue(), (src, input) => {
      try {
        const p = compile([{ file: 'gen.rego', text: src }], { d: { xs: [1, 2, 3] } });
        p.eval('data.t', { input, budget: { maxSteps: 100_000, maxMillis: 500 } });
      } catch (e) {
        if (!(e instanceof AutonomyError)) throw e;
      }
    }),
    { numRuns: 300 },
  );
});

test('calls with the wrong number of arguments are rego_type_error at compile time', () => {
  assert.throws(() => compile([{ file: 'a.rego', text: 'package a\np := count(1, 2, 3)' }]), (e: unknown) => codeIs('rego_type_error')(e) && /count: arity mismatch/.test((e as Error).message));
  assert.throws(() => compile([{ file: 'a.rego', text: 'package a\nf(x) := x\np := f(1, 2, 3)' }]), (e: unknown) => codeIs('rego_type_error')(e) && /data\.a\.f: arity mismatch/.test((e as Error).message));
  // One extra argument is the output variable.
  assert.equal(compile([{ file: 'a.rego', text: 'package a\nf(x) := x + 1\np := y if f(1, y)' }]).evalRule('data.a.p'), 2);
});

test('a huge numbers.range ends on the budget before allocating', () => {
  const p = compile([{ file: 'r.rego', text: 'package r\np := count(numbers.range(1, input.n))' }]);
  assert.equal(p.evalRule('data.r.p', { n: 1000 }), 1000);
  assert.throws(() => p.eval('data.r.p', { input: { n: 1e12 } }), codeIs('eval_budget_exceeded'));
});

test('iteration inside one literal is charged per element against the step budget', () => {
  const p = compile([{ file: 'b.rego', text: 'package b\np := count([1 | some x in input.xs])\nq := count([1 | input.xs[_]])\nr if { every x in input.xs { x >= 0 } }' }]);
  const xs = Array.from({ length: 200_000 }, (_, i) => i);
  for (const rule of ['data.b.p', 'data.b.q', 'data.b.r']) {
    assert.throws(() => p.eval(rule, { input: { xs }, budget: { maxSteps: 50_000, maxMillis: 60_000 } }), codeIs('eval_budget_exceeded'), rule);
    assert.ok(p.eval(rule, { input: { xs: xs.slice(0, 100) }, budget: { maxSteps: 50_000 } }).length === 1, rule);
  }
});

test('reading a subtree merges base data with the rules below it; base data wins where both hold a scalar', () => {
  const p = compile(
    [
      { file: 'a.rego', text: 'package t.conf\nk := "rule"\nonly_rule := 1\nnested := {"r": 2}\nmissing if false' },
      { file: 'b.rego', text: 'package t\nwhole := data.t.conf\none := data.t.conf.k' },
    ],
    { t: { conf: { k: 'base', only_base: 0, nested: { b: 1 }, missing: 'base' } } },
  );
  assert.equal(toJSON(p.evalRule('data.t.whole')!), '{"k":"base","missing":"base","nested":{"b":1,"r":2},"only_base":0,"only_rule":1}');
  // A reference to the rule itself still gets the rule's value.
  assert.equal(p.evalRule('data.t.one'), 'rule');
});

test('stats report the steps an evaluation took, also when it runs over its budget', () => {
  const p = compile([{ file: 's.rego', text: 'package s\nn := count([x | some x in input.xs; x >= 0])' }]);
  const small = { steps: 0 };
  p.eval('data.s.n', { input: { xs: [1, 2, 3] }, stats: small });
  const large = { steps: 0 };
  p.eval('data.s.n', { input: { xs: Array.from({ length: 1000 }, (_, i) => i) }, stats: large });
  assert.ok(small.steps > 3 && large.steps > small.steps + 1000, `${small.steps} then ${large.steps}`);
  const over = { steps: 0 };
  assert.throws(() => p.eval('data.s.n', { input: { xs: Array.from({ length: 100_000 }, (_, i) => i) }, budget: { maxSteps: 10_000 }, stats: over }), codeIs('eval_budget_exceeded'));
  assert.ok(over.steps > 10_000);
});
