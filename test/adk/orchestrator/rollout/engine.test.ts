// The rollout engine as a pure function: stored state + time in, plan out; no sockets, no store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { abort, setPaused, step, type NodeView, type Plan, type RolloutView } from '../../../../src/adk/orchestrator/rollout/engine.ts';
import { parsePhases, phaseEnds } from '../../../../src/adk/orchestrator/rollout/phases.ts';
import { RolloutState, TargetState, type Rollout, type Target } from '../../../../src/adk/orchestrator/types.ts';

const OPTS = { offlineAfterMs: 10_000 };

/** A little world: a rollout over n nodes, all on v1, with reports applied by hand. */
function world(n: number, over: Partial<Rollout> = {}) {
  const rollout: Rollout = {
    id: 'r1', revision: 'v2', selector: {}, phases: parsePhases('1,10%,50%,100%'), maxFailures: 1, phaseTimeoutMs: 0, pauseMs: 0,
    state: RolloutState.running, phase: 0, phaseStartedAt: null, phaseDoneAt: null, createdAt: 0, updatedAt: 0, reason: null, ...over,
  };
  const ids = Array.from({ length: n }, (_, i) => `n${String(i).padStart(3, '0')}`);
  const targets: Target[] = ids.map((id, position) => ({ rolloutId: 'r1', nodeId: id, position, state: TargetState.waiting, previousRevision: null, assignedAt: null, error: null }));
  const nodes = new Map<string, NodeView>(ids.map((id) => [id, { id, lastSeen: 0, desiredRevision: 'v1', confirmedRevision: 'v1', reportStatus: 'ok', failedRevision: null, reportError: null }]));
  const view: RolloutView = { rollout, targets, nodes };
  /** Applies a plan the way the store does. */
  const apply = (p: Plan | null): Plan | null => {
    if (!p) return p;
    view.rollout = p.rollout;
    for (const t of p.targets) Object.assign(targets.find((x) => x.nodeId === t.nodeId)!, t);
    for (const d of p.desired) nodes.get(d.nodeId)!.desiredRevision = d.revision;
    return p;
  };
  /** Every node with the desired revision confirms it (or fails it), and is seen at time t. */
  const converge = (t: number, fail: (id: string) => boolean = () => false): void => {
    for (const n of nodes.values()) {
      n.lastSeen = t;
      if (n.desiredRevision === n.confirmedRevision) continue;
      if (fail(n.id) && n.desiredRevision === 'v2') Object.assign(n, { reportStatus: 'failed', failedRevision: 'v2', reportError: 'test_x failed' });
      else Object.assign(n, { confirmedRevision: n.desiredRevision, reportStatus: 'ok', failedRevision: null, reportError: null });
    }
  };
  const count = (s: string): number => targets.filter((t) => t.state === s).length;
  return { view, apply, converge, count, nodes, targets };
}

test('phases: parse and cumulative sizes', () => {
  assert.deepEqual(phaseEnds(parsePhases('1,10%,50%,100%'), 1000), [1, 100, 500, 1000]);
  assert.deepEqual(phaseEnds(parsePhases('1,10%,50%,100%'), 3), [1, 1, 2, 3]);
  assert.deepEqual(phaseEnds(parsePhases('5,100%'), 2), [2, 2]);
  assert.throws(() => parsePhases('1,50%'), { code: 'bad_phases' });
  assert.throws(() => parsePhases('0,100%'), { code: 'bad_phases' });
  assert.throws(() => parsePhases('x,100%'), { code: 'bad_phases' });
});

test('a 4-phase rollout takes nodes in order, one phase at a time, and completes when all confirm', () => {
  const w = world(20);
  let t = 1;
  w.apply(step(w.view, t, OPTS));
  assert.deepEqual(w.targets.filter((x) => x.state === 'assigned').map((x) => x.nodeId), ['n000']);
  assert.equal(w.targets[0]!.previousRevision, 'v1');
  // Nothing moves until the canary confirms.
  assert.equal(step(w.view, ++t, OPTS), null);
  const sizes: number[] = [];
  while (w.view.rollout.state === 'running' && t < 100) {
    w.converge(++t);
    w.apply(step(w.view, t, OPTS));
    sizes.push(w.targets.filter((x) => x.state !== 'waiting').length);
  }
  assert.equal(w.view.rollout.state, RolloutState.completed);
  assert.deepEqual(sizes, [2, 10, 20, 20]);
  assert.equal(w.count('confirmed'), 20);
});

test('failures over the budget halt the rollout in that phase and roll every touched node back', () => {
  const w = world(100, { maxFailures: 2 });
  let t = 1;
  w.apply(step(w.view, t, OPTS));
  w.converge(++t);
  w.apply(step(w.view, t, OPTS)); // canary ok → phase 2 (10 nodes) assigned
  assert.equal(w.count('assigned'), 9);
  w.converge(++t, () => true); // the bundle fails everywhere now
  const p = w.apply(step(w.view, t, OPTS))!;
  assert.equal(w.view.rollout.state, RolloutState.halted);
  assert.match(w.view.rollout.reason!, /9 failed activations exceed the budget of 2/);
  assert.equal(p.desired.length, 10);
  assert.ok(p.desired.every((d) => d.revision === 'v1' && d.source === 'halt:r1'));
  assert.equal(w.count('rolled_back'), 10);
  assert.equal(w.count('waiting'), 90, 'nothing past the failing phase was touched');
  assert.ok(p.targets.filter((x) => x.state === 'failed').every((x) => x.error === 'test_x failed'), 'the failure is kept on the target');
  assert.equal(step(w.view, t + 1, OPTS), null, 'a halted rollout does nothing');
});

test('a phase timeout counts online nodes that never confirm as failures; offline nodes stay pending', () => {
  const w = world(10, { phases: parsePhases('50%,100%'), maxFailures: 0, phaseTimeoutMs: 1000 });
  w.apply(step(w.view, 1, OPTS));
  // n000..n003 confirm, n004 is online but silent.
  for (const id of ['n000', 'n001', 'n002', 'n003']) Object.assign(w.nodes.get(id)!, { confirmedRevision: 'v2', lastSeen: 500 });
  w.nodes.get('n004')!.lastSeen = 500;
  w.apply(step(w.view, 500, OPTS));
  assert.equal(w.view.rollout.phase, 0);
  w.apply(step(w.view, 1001, OPTS));
  assert.equal(w.view.rollout.state, RolloutState.halted);
  assert.equal(w.targets.find((x) => x.nodeId === 'n004')!.state, 'rolled_back');

  // The same with n004 offline: it stays assigned (pending) and the rollout moves on.
  const o = world(10, { phases: parsePhases('50%,100%'), maxFailures: 0, phaseTimeoutMs: 1000 });
  o.apply(step(o.view, 1, OPTS));
  for (const id of ['n000', 'n001', 'n002', 'n003']) Object.assign(o.nodes.get(id)!, { confirmedRevision: 'v2', lastSeen: 20_000 });
  o.apply(step(o.view, 20_000, OPTS));
  // n005..n009 were never seen either: the second phase, too, is left pending on offline nodes.
  assert.equal(o.view.rollout.state, RolloutState.completed);
  assert.equal(o.targets.find((x) => x.nodeId === 'n004')!.state, 'assigned');
});

test('a phase whose nodes are all offline does not widen the rollout', () => {
  const w = world(10, { phases: parsePhases('1,100%') });
  w.apply(step(w.view, 1, OPTS));
  assert.equal(step(w.view, 50_000, OPTS), null);
  assert.equal(w.view.rollout.phase, 0);
});

test('--pause waits between phases; pause/resume/abort', () => {
  const w = world(4, { phases: parsePhases('1,100%'), pauseMs: 5000 });
  w.apply(step(w.view, 1, OPTS));
  w.converge(2);
  w.apply(step(w.view, 2, OPTS));
  assert.equal(w.view.rollout.phase, 1);
  assert.equal(w.count('waiting'), 3, 'phase 2 waits for the pause');
  w.converge(3);
  assert.equal(step(w.view, 5001, OPTS), null);
  w.apply(step(w.view, 5002, OPTS));
  assert.equal(w.count('waiting'), 0);

  assert.equal(w.apply(setPaused(w.view, 5003, true))!.rollout.state, 'paused');
  assert.equal(setPaused(w.view, 5004, true), null, 'pausing a paused rollout changes nothing');
  w.converge(5005);
  w.apply(step(w.view, 5005, OPTS));
  assert.equal(w.view.rollout.state, 'paused', 'a paused rollout records confirmations but does not advance');
  w.apply(setPaused(w.view, 5006, false));
  const p = w.apply(abort(w.view, 5007))!;
  assert.equal(w.view.rollout.state, RolloutState.aborted);
  assert.equal(p.desired.length, 4);
  assert.ok(p.desired.every((d) => d.revision === 'v1'));
  assert.equal(abort(w.view, 5008), null);
});
