// The rollout engine: a pure function from stored state and the time to the changes to make.
// The store applies a plan atomically under the rollout's row lock, so any replica may step any
// rollout at any time and the outcome is the same; tests drive it with a fake clock.
import { isActive, RolloutState, TargetState, type Rollout, type Target } from '../types.ts';
import { phaseEnds } from './phases.ts';

/** What the engine needs to know about a node. */
export interface NodeView {
  id: string;
  lastSeen: number | null;
  desiredRevision: string | null;
  confirmedRevision: string | null;
  reportStatus: string | null;
  failedRevision: string | null;
  reportError: string | null;
}

/** A rollout with its targets (in position order) and their nodes, as read under lock. */
export interface RolloutView {
  rollout: Rollout;
  targets: Target[];
  nodes: ReadonlyMap<string, NodeView>;
}

/** A change to one target row. */
export interface TargetPatch {
  nodeId: string;
  state: Target['state'];
  previousRevision?: string | null;
  assignedAt?: number | null;
  error?: string | null;
}

/** A change of a node's desired revision; null leaves the node on its local policy. */
export interface DesiredChange {
  nodeId: string;
  revision: string | null;
  source: string;
}

/** Something worth an entry in the admin audit log; by the orchestrator itself unless actor says. */
export interface EngineEvent {
  actor?: string;
  action: string;
  detail: Record<string, unknown>;
}

/** Everything one step changes; applied in one transaction. */
export interface Plan {
  rollout: Rollout;
  targets: TargetPatch[];
  desired: DesiredChange[];
  events: EngineEvent[];
}

/** Engine settings. */
export interface EngineOptions {
  /** A node not seen for this long is offline: its target stays pending without failing or blocking a phase. */
  offlineAfterMs: number;
}

const TOUCHED: ReadonlySet<string> = new Set([TargetState.assigned, TargetState.confirmed, TargetState.failed, TargetState.timedOut]);
const FAILED: ReadonlySet<string> = new Set([TargetState.failed, TargetState.timedOut]);

/** True iff the node has not been seen within offlineAfterMs. */
export function isOffline(n: NodeView | undefined, now: number, opts: EngineOptions): boolean {
  return !n || n.lastSeen === null || now - n.lastSeen > opts.offlineAfterMs;
}

/** The number of failed and timed-out targets. */
function failureCount(targets: readonly { state: string }[]): number {
  return targets.filter((t) => FAILED.has(t.state)).length;
}

/** One step of a rollout at time now; null when nothing changes. */
export function step(view: RolloutView, now: number, opts: EngineOptions): Plan | null {
  const r = view.rollout;
  if (!isActive(r.state)) return null;
  const plan = newPlan(r, now);
  const states = new Map(view.targets.map((t) => [t.nodeId, t.state]));
  const set = (t: Target, patch: Omit<TargetPatch, 'nodeId'>): void => {
    plan.targets.push({ nodeId: t.nodeId, ...patch });
    states.set(t.nodeId, patch.state);
  };

  // Observe what assigned nodes reported.
  for (const t of view.targets) {
    if (t.state !== TargetState.assigned) continue;
    const n = view.nodes.get(t.nodeId);
    if (n?.confirmedRevision === r.revision) set(t, { state: TargetState.confirmed });
    else if (n?.reportStatus === 'failed' && n.failedRevision === r.revision) set(t, { state: TargetState.failed, error: n.reportError });
    else if (r.phaseTimeoutMs > 0 && t.assignedAt !== null && now - t.assignedAt >= r.phaseTimeoutMs && !isOffline(n, now, opts)) {
      set(t, { state: TargetState.timedOut, error: `not confirmed within ${r.phaseTimeoutMs} ms` });
    }
  }

  const current = view.targets.map((t) => ({ ...t, state: states.get(t.nodeId)! }));
  const failures = failureCount(current);
  if (failures > r.maxFailures) {
    return rollBack(view, current, plan, RolloutState.halted, `${failures} failed activations exceed the budget of ${r.maxFailures}`);
  }
  if (r.state === RolloutState.running) advance(view, current, plan, now, opts);
  return plan.targets.length || plan.desired.length || changed(r, plan.rollout) ? plan : null;
}

/** Moves through as many phases as are complete; starts the next one when its pause is over. */
function advance(view: RolloutView, current: Target[], plan: Plan, now: number, opts: EngineOptions): void {
  const r = plan.rollout;
  const ends = phaseEnds(r.phases, current.length);
  while (r.phase < ends.length) {
    if (r.phaseStartedAt === null) {
      if (r.phaseDoneAt !== null && now < r.phaseDoneAt + r.pauseMs) return;
      const from = r.phase === 0 ? 0 : ends[r.phase - 1]!;
      for (const t of current.slice(from, ends[r.phase])) {
        if (t.state !== TargetState.waiting) continue;
        const n = view.nodes.get(t.nodeId);
        const previousRevision = n?.confirmedRevision ?? n?.desiredRevision ?? null;
        plan.targets.push({ nodeId: t.nodeId, state: TargetState.assigned, previousRevision, assignedAt: now });
        plan.desired.push({ nodeId: t.nodeId, revision: r.revision, source: `rollout:${r.id}` });
        t.state = TargetState.assigned;
        t.assignedAt = now;
      }
      r.phaseStartedAt = now;
      plan.events.push({ action: 'rollout.phase_started', detail: { rollout: r.id, phase: r.phase + 1, nodes: ends[r.phase]! } });
    }
    const reached = current.slice(0, ends[r.phase]);
    const pending = reached.filter((t) => t.state === TargetState.assigned && !isOffline(view.nodes.get(t.nodeId), now, opts));
    // Never widen without evidence: a phase whose nodes are all offline has shown nothing yet.
    // (A failure within the budget is evidence too: the budget decides how many are tolerable.)
    const evidence = reached.length === 0 || reached.some((t) => t.state === TargetState.confirmed || FAILED.has(t.state));
    if (pending.length > 0 || !evidence) return;
    r.phase++;
    r.phaseStartedAt = null;
    r.phaseDoneAt = now;
    if (r.phase === ends.length) {
      r.state = RolloutState.completed;
      plan.events.push({ action: 'rollout.completed', detail: { rollout: r.id } });
    }
  }
}

/** Ends the rollout in state and puts every touched node back on its previous revision. */
function rollBack(view: RolloutView, current: Target[], plan: Plan, state: RolloutState, reason: string): Plan {
  plan.rollout.state = state;
  plan.rollout.reason = reason;
  const touched = current.filter((t) => TOUCHED.has(t.state));
  for (const t of touched) {
    plan.targets.push({ nodeId: t.nodeId, state: TargetState.rolledBack });
    plan.desired.push({ nodeId: t.nodeId, revision: t.previousRevision, source: `${state === RolloutState.halted ? 'halt' : 'abort'}:${view.rollout.id}` });
  }
  plan.events.push({ action: `rollout.${state}`, detail: { rollout: view.rollout.id, reason, rolled_back: touched.length } });
  return plan;
}

/** The plan of an operator's abort: stop, and roll touched nodes back. */
export function abort(view: RolloutView, now: number, reason = 'aborted by an operator'): Plan | null {
  if (!isActive(view.rollout.state)) return null;
  return rollBack(view, view.targets.map((t) => ({ ...t })), newPlan(view.rollout, now), RolloutState.aborted, reason);
}

/** The plan of a pause (running → paused) or a resume (paused → running). */
export function setPaused(view: RolloutView, now: number, paused: boolean): Plan | null {
  const from = paused ? RolloutState.running : RolloutState.paused;
  if (view.rollout.state !== from) return null;
  const plan = newPlan(view.rollout, now);
  plan.rollout.state = paused ? RolloutState.paused : RolloutState.running;
  return plan;
}

function newPlan(r: Rollout, now: number): Plan {
  return { rollout: { ...r, phases: [...r.phases], updatedAt: now }, targets: [], desired: [], events: [] };
}

function changed(a: Rollout, b: Rollout): boolean {
  return a.state !== b.state || a.phase !== b.phase || a.phaseStartedAt !== b.phaseStartedAt || a.phaseDoneAt !== b.phaseDoneAt || a.reason !== b.reason;
}
