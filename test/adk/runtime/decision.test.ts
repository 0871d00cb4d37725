// The decision path, one test per outcome: every failure is a deny with its reason (INV-01),
// and nothing is answered before the log has it (INV-03).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AutonomyError } from '../../../src/common/errors.ts';
import { compile } from '../../../src/adk/policy/index.ts';
import { Decider } from '../../../src/adk/runtime/decision.ts';
import { MemoryLog } from '../../../src/adk/runtime/decision-log.ts';
import { staticPolicySource, type ActivePolicy } from '../../../src/adk/runtime/policy-source.ts';

const POLICY = `package autonomy.authz
default allow := false
allow if { input.tool in {"move", "scan"}; count(deny) == 0 }
deny contains "too fast" if { input.tool == "move"; input.args.speed > 2 }
`;

function active(text: string, extra: Partial<ActivePolicy> = {}): ActivePolicy {
  return { policy: compile([{ file: 'p.rego', text }]), revision: 'r1', digest: 'd1', entrypoint: 'data.autonomy.authz', stale: false, ...extra };
}

function decider(state: Parameters<typeof staticPolicySource>[0], log = new MemoryLog()) {
  return { d: new Decider({ policy: staticPolicySource(state), log }), log };
}

test('allow iff allow == true and deny is empty; the answer carries policy and WAL position', async () => {
  const { d, log } = decider(active(POLICY));
  const r = await d.decide({ tool: 'move', args: { speed: 1 } });
  assert.equal(r.decision, 'allow');
  assert.deepEqual(r.reasons, []);
  assert.deepEqual(r.policy, { revision: 'r1', digest: 'd1' });
  assert.deepEqual(r.wal, { seq: 1, hash: log.records[0]!.hash });
  assert.equal(log.records[0]!.decision_id, r.decision_id);
  assert.equal(log.records[0]!.tool, 'move');
  assert.equal(r.error, undefined);
});

test("the policy's deny reasons are the answer's reasons", async () => {
  const { d, log } = decider(active(POLICY));
  const r = await d.decide({ tool: 'move', args: { speed: 3 } });
  assert.equal(r.decision, 'deny');
  assert.deepEqual(r.reasons, ['too fast']);
  assert.deepEqual(log.records[0]!.reasons, ['too fast']);
});

test('allow true with a deny reason is a deny', async () => {
  const { d } = decider(active('package autonomy.authz\nallow := true\ndeny contains "no"'));
  assert.deepEqual((await d.decide({ tool: 'x', args: {} })).reasons, ['no']);
});

test('not allowed and no reason given: not_allowed', async () => {
  const { d } = decider(active(POLICY));
  const r = await d.decide({ tool: 'shell', args: {} });
  assert.equal(r.decision, 'deny');
  assert.deepEqual(r.reasons, ['not_allowed']);
});

test('allow that is truthy but not true is a deny', async () => {
  const { d } = decider(active('package autonomy.authz\nallow := "yes"'));
  assert.equal((await d.decide({ tool: 'x', args: {} })).decision, 'deny');
});

const failures: [string, Parameters<typeof staticPolicySource>[0], string][] = [
  ['no_valid_policy', { error: 'no_valid_policy', message: 'none loaded' }, 'no_valid_policy'],
  ['policy_stale', active(POLICY, { stale: true }), 'policy_stale'],
  ['eval_error (conflict)', active('package autonomy.authz\nallow := input.args.a\nallow := input.args.b'), 'eval_error'],
  ['eval_error (builtin error is strict)', active('package autonomy.authz\nallow if to_number(input.tool) > 0'), 'eval_error'],
  ['eval_error (entrypoint undefined)', active('package other\nallow := true'), 'eval_error'],
  ['eval_error (deny not a set)', active('package autonomy.authz\nallow := true\ndeny := 5'), 'eval_error'],
  ['eval_budget_exceeded', active('package autonomy.authz\nallow if { some i in numbers.range(1, 3000); some j in numbers.range(1, 3000); i + j < 0 }'), 'eval_budget_exceeded'],
];
for (const [name, state, reason] of failures) {
  test(`fail closed: ${name} → deny ${reason}, recorded`, async () => {
    const { d, log } = decider(state);
    const r = await d.decide({ tool: 'move', args: { speed: 1, a: 1, b: 2 } as Record<string, unknown> });
    assert.equal(r.decision, 'deny');
    assert.deepEqual(r.reasons, [reason]);
    assert.equal(r.error?.code, reason);
    assert.equal(log.records.length, 1);
    assert.equal(log.records[0]!.decision, 'deny');
  });
}

test('fail closed: a malformed request → deny bad_request, recorded without tool', async () => {
  const { d, log } = decider(active(POLICY));
  const r = await d.decide(new AutonomyError('bad_request', '"tool" must be a string'));
  assert.deepEqual(r.reasons, ['bad_request']);
  assert.equal(log.records[0]!.tool, undefined);
});

test('fail closed: the log rejects → deny wal_unavailable, even when the policy allowed', async () => {
  const log = new MemoryLog();
  log.failWith = new AutonomyError('wal_io', 'ENOSPC: no space left on device');
  const { d } = decider(active(POLICY), log);
  const r = await d.decide({ tool: 'move', args: { speed: 1 } });
  assert.equal(r.decision, 'deny');
  assert.deepEqual(r.reasons, ['wal_unavailable']);
  assert.equal(r.wal, null);
  assert.match(r.error!.message, /ENOSPC/);
});

test('the budget bounds how long evaluation holds the event loop', async () => {
  const d = new Decider({ policy: staticPolicySource(active('package autonomy.authz\nallow if { some i in numbers.range(1, 3000); some j in numbers.range(1, 3000); i + j < 0 }')), log: new MemoryLog(), budget: { maxMillis: 20 } });
  const t0 = performance.now();
  const r = await d.decide({ tool: 't', args: {} });
  assert.deepEqual(r.reasons, ['eval_budget_exceeded']);
  assert.ok(performance.now() - t0 < 500, `took ${performance.now() - t0} ms`);
});

test('dev policies say so in every answer', async () => {
  const { d } = decider(active(POLICY, { dev: true }));
  assert.deepEqual((await d.decide({ tool: 'scan', args: {} })).reasons, ['dev_mode_unsigned_policy']);
  assert.deepEqual((await d.decide({ tool: 'move', args: { speed: 9 } })).reasons, ['too fast', 'dev_mode_unsigned_policy']);
});

test('Data API: the value of the document, undefined as undefined, errors thrown with their code', async () => {
  const { d, log } = decider(active(POLICY));
  assert.deepEqual((await d.data(['autonomy', 'authz', 'allow'], { tool: 'scan' })).result, true);
  assert.deepEqual((await d.data(['autonomy', 'authz', 'deny'], { tool: 'move', args: { speed: 5 } })).result, ['too fast']);
  assert.equal((await d.data(['nope'], {})).result, undefined);
  assert.equal(log.records.length, 3);
  const { d: none } = decider({ error: 'no_valid_policy', message: 'x' });
  await assert.rejects(none.data(['a'], {}), { code: 'no_valid_policy' });
});

test('fail closed: an evaluator that crashes mid-flight (a bug, not a coded error) → deny eval_error', async () => {
  const crashing = compile([{ file: 'p.rego', text: POLICY }]);
  crashing.eval = () => {
    throw new TypeError('cannot read properties of undefined');
  };
  const { d, log } = decider({ ...active(POLICY), policy: crashing });
  const r = await d.decide({ tool: 'scan', args: {} });
  assert.deepEqual([r.decision, r.reasons], ['deny', ['eval_error']]);
  assert.match(r.error!.message, /cannot read properties/);
  assert.equal(log.records[0]!.decision, 'deny');
});
