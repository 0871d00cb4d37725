// Prometheus metrics of one runtime, on a registry of its own (no global state, so several
// runtimes in one test process do not collide).
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DecisionEvent } from './decision.ts';

/** The runtime's metrics. */
export interface RuntimeMetrics {
  readonly registry: Registry;
  /** Records one decision. */
  decision(e: DecisionEvent): void;
  /** Records one WAL group commit (one durable write) and how many records it carried. */
  flush(seconds: number, records: number): void;
  /** Sets the active revision (the gauge is 1 for the active one). */
  revision(revision: string | null, digest: string | null): void;
}

const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** Creates the metrics on a fresh registry. */
export function createMetrics(): RuntimeMetrics {
  const registry = new Registry();
  const decisions = new Counter({ name: 'autonomy_decisions_total', help: 'Decisions by result and reason (policy: the policy decided).', labelNames: ['result', 'reason'] as const, registers: [registry] });
  const latency = new Histogram({ name: 'autonomy_decision_duration_seconds', help: 'Time from request to durable decision.', buckets: LATENCY_BUCKETS, registers: [registry] });
  const evalTime = new Histogram({ name: 'autonomy_eval_duration_seconds', help: 'Policy evaluation time.', buckets: LATENCY_BUCKETS, registers: [registry] });
  const flushTime = new Histogram({ name: 'autonomy_wal_flush_duration_seconds', help: 'WAL group-commit time (one durable write).', buckets: LATENCY_BUCKETS, registers: [registry] });
  const batch = new Histogram({ name: 'autonomy_wal_batch_size', help: 'Records per WAL group commit.', buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 4096], registers: [registry] });
  const active = new Gauge({ name: 'autonomy_policy_active', help: 'The active policy revision (value 1).', labelNames: ['revision', 'digest'] as const, registers: [registry] });
  return {
    registry,
    decision(e) {
      decisions.inc({ result: e.decision, reason: e.reason });
      latency.observe((e.evalNs + e.walNs) / 1e9);
      evalTime.observe(e.evalNs / 1e9);
    },
    flush(seconds, n) {
      flushTime.observe(seconds);
      batch.observe(n);
    },
    revision(revision, digest) {
      active.reset();
      if (revision !== null) active.set({ revision, digest: digest ?? '' }, 1);
    },
  };
}
