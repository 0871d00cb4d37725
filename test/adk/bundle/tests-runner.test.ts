import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../../src/adk/policy/index.ts';
import { parseModule } from '../../../src/adk/policy/parser.ts';
import { formatReport, runTests, summarise } from '../../../src/adk/bundle/tests-runner.ts';

const SRC = `package t

x := 1

test_pass if x == 1
test_fail if x == 2
test_false := false
test_error if 1 / 0 == 1
todo_test_later if false
helper if true
test_fn(a) := a
`;

test('test_* rules: pass, fail (undefined or false), error, skipped (todo_test_)', () => {
  const policy = compile([{ file: 't.rego', text: SRC }]);
  const results = runTests(policy, [parseModule(SRC, 't.rego')]);
  assert.deepEqual(
    results.map((r) => [r.name, r.status]),
    [
      ['data.t.test_pass', 'PASS'],
      ['data.t.test_fail', 'FAIL'],
      ['data.t.test_false', 'FAIL'],
      ['data.t.test_error', 'FAIL'],
      ['data.t.todo_test_later', 'SKIPPED'],
    ],
  );
  assert.deepEqual(summarise(results), { PASS: 1, FAIL: 3, ERROR: 0, SKIPPED: 1 });
});

test('the report looks like opa test: failures by file, a rule, a summary', () => {
  const policy = compile([{ file: 't.rego', text: SRC }]);
  const text = formatReport(runTests(policy, [parseModule(SRC, 't.rego')]), false);
  assert.match(text, /^t\.rego:\ndata\.t\.test_fail: FAIL \(/);
  assert.match(text, /-{80}\nPASS: 1\/5\nFAIL: 3\/5\nSKIPPED: 1\/5\n$/);
  assert.doesNotMatch(text, /test_pass/);
  assert.match(formatReport(runTests(policy, [parseModule(SRC, 't.rego')]), true), /data\.t\.test_pass: PASS/);
});

test('an evaluation error is ERROR, with the error', () => {
  // (`x := {"a": 1}; x.a.b` would be a compile-time type error, as in OPA: the value comes from input.)
  const src = 'package e\n\ntest_boom if { x := input.obj; x.a.b == 1; to_number("x") == 1 }\n';
  const policy = compile([{ file: 'e.rego', text: src }]);
  // Non-strict builtin errors are undefined → FAIL; a budget overrun is an ERROR.
  const r = runTests(policy, [parseModule(src, 'e.rego')]);
  assert.equal(r[0]!.status, 'FAIL');
  const loop = 'package l\n\ntest_slow if { some i in numbers.range(1, 3000); some j in numbers.range(1, 3000); i + j == -1 }\n';
  const r2 = runTests(compile([{ file: 'l.rego', text: loop }]), [parseModule(loop, 'l.rego')], { maxSteps: 10_000 });
  assert.equal(r2[0]!.status, 'ERROR');
  assert.match(r2[0]!.error!, /budget|exceeded/);
});

test('no tests: says so', () => {
  assert.match(formatReport([], false), /no tests found/);
});
