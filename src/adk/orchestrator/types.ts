// The control plane's domain: what the store holds and the API shows. Times are milliseconds
// since the Unix epoch (audit record times stay in the WAL's nanosecond strings).

/** Node labels, matched by rollout selectors. */
export type Labels = Record<string, string>;

/** What a node last said about its policy. */
export const ReportStatus = {
  ok: 'ok',
  failed: 'failed',
} as const;
export type ReportStatus = (typeof ReportStatus)[keyof typeof ReportStatus];

/** An enrolled node: identity, labels, desired vs confirmed policy, audit continuity. */
export interface NodeRecord {
  id: string;
  publicKey: string;
  labels: Labels;
  enrolledAt: number;
  lastSeen: number | null;
  /** The revision the orchestrator wants active; null until a rollout or rollback names one. */
  desiredRevision: string | null;
  /** What set it: `rollout:ID`, `rollback:ID`, `halt:ID`. */
  desiredSource: string | null;
  /** Bumped at every change of desired state: the ETag nodes poll with. */
  desiredVersion: number;
  /** The revision the node reports active. */
  confirmedRevision: string | null;
  reportStatus: ReportStatus | null;
  /** The revision a failed report was about, and why it failed. */
  failedRevision: string | null;
  reportError: string | null;
  /** The node's clock time of its last applied report; older reports (replays) are ignored. */
  reportedAt: number | null;
  audit: AuditHead | null;
  /** Set when an upload failed verification; cleared by nothing but an operator. */
  auditFlag: string | null;
}

/** The last audit record held for a node, and where it ended in its segment. */
export interface AuditHead {
  seq: number;
  hash: string;
  segment: string;
  end: number;
  /** The record itself (canonical JSON text): the chain rules need its kind and epoch. */
  record: string;
}

/** A one-time enrollment token (only its hash is stored). */
export interface TokenRecord {
  hash: string;
  labels: Labels;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  usedBy: string | null;
}

/** A pushed bundle: opaque bytes, identified by revision and SHA-256 digest. */
export interface BundleRecord {
  revision: string;
  digest: string;
  size: number;
  pushedAt: number;
}

export const RolloutState = {
  running: 'running',
  paused: 'paused',
  completed: 'completed',
  halted: 'halted',
  aborted: 'aborted',
} as const;
export type RolloutState = (typeof RolloutState)[keyof typeof RolloutState];

/** True while a rollout may still change desired state. */
export function isActive(s: RolloutState): boolean {
  return s === RolloutState.running || s === RolloutState.paused;
}

/** A phase size: an absolute node count or a percentage of the selected nodes. */
export interface PhaseSpec {
  count?: number;
  percent?: number;
}

/** A phased rollout of one bundle revision over a label selector. */
export interface Rollout {
  id: string;
  revision: string;
  selector: Labels;
  phases: PhaseSpec[];
  maxFailures: number;
  /** 0: no timeout. */
  phaseTimeoutMs: number;
  /** Wait between phases. */
  pauseMs: number;
  state: RolloutState;
  /** Index of the phase in progress (phases.length once completed). */
  phase: number;
  phaseStartedAt: number | null;
  /** When the last phase completed; the next starts after pauseMs. */
  phaseDoneAt: number | null;
  createdAt: number;
  updatedAt: number;
  reason: string | null;
}

export const TargetState = {
  /** Not yet reached by a phase. */
  waiting: 'waiting',
  /** Desired state set; not yet confirmed. */
  assigned: 'assigned',
  confirmed: 'confirmed',
  failed: 'failed',
  timedOut: 'timed_out',
  /** Put back on its previous revision after a halt or abort. */
  rolledBack: 'rolled_back',
} as const;
export type TargetState = (typeof TargetState)[keyof typeof TargetState];

/** One node of a rollout, in its deterministic position. */
export interface Target {
  rolloutId: string;
  nodeId: string;
  position: number;
  state: TargetState;
  /** The node's revision before the rollout touched it: where a halt sends it back. */
  previousRevision: string | null;
  assignedAt: number | null;
  /** Why the node failed this rollout's revision (kept after the node moves on). */
  error: string | null;
}

/** An audit record as the orchestrator holds it. */
export interface StoredRecord {
  node: string;
  seq: number;
  time: string;
  kind: string;
  tool: string | null;
  decision: string | null;
  hash: string;
  /** The record's canonical JSON. */
  record: string;
}

/** One accepted upload: a node's records first..last, received at, directly or via a gateway. */
export interface AuditDelivery {
  node: string;
  firstSeq: number;
  lastSeq: number;
  /** The gateway node that delivered them; null when the node uploaded them itself. */
  via: string | null;
  segment: string;
  at: number;
}

/** Filters of an audit query; times in nanoseconds since the epoch. */
export interface AuditQuery {
  node?: string;
  since?: bigint;
  until?: bigint;
  tool?: string;
  decision?: 'allow' | 'deny';
  limit?: number;
  /** Only records after this one in the query's order (time, node, seq): the next page. */
  after?: AuditCursor;
}

/** A position in the order of audit queries: the last record of a page. */
export interface AuditCursor {
  /** Nanoseconds since the epoch, as text. */
  time: string;
  node: string;
  seq: number;
}

/** The last pruned record of a node: what the first record kept must chain to. */
export interface AuditAnchor {
  seq: number;
  hash: string;
  /** The record itself (canonical JSON text). */
  record: string;
  prunedAt: number;
}

/** One admin action, hash-chained to the one before it. */
export interface AdminEvent {
  seq: number;
  time: number;
  actor: string;
  action: string;
  detail: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** True iff every selector label is on the node with the same value. */
export function selects(selector: Labels, labels: Labels): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
