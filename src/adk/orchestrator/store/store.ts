// The one storage interface of the control plane. Two databases implement it through one SQL
// store (sql-store.ts): node:sqlite (default) and PostgreSQL (several replicas on one database).
// Every operation that must be atomic across replicas is one call here, never a read-then-write
// in the caller.
import type { Plan, RolloutView } from '../rollout/engine.ts';
import type { OperatorStore } from './operator-store.ts';
import type { AdminEvent, AuditAnchor, AuditDelivery, AuditHead, AuditQuery, BundleRecord, Labels, NodeRecord, ReportStatus, Rollout, StoredRecord, Target, TokenRecord } from '../types.ts';

/** What a node reports about its policy. */
export interface NodeReport {
  activeRevision: string | null;
  status: ReportStatus;
  /** The revision that failed to activate, when status is failed. */
  failedRevision: string | null;
  error: string | null;
  /**
   * The node's report sequence (its clock in ms, kept strictly increasing by the node; the signed
   * request time for a node that sends none): reports not newer than the last applied one are ignored.
   */
  time: number;
}

/** The last report of a node that came through a gateway (the edge relay), not directly. */
export interface RelaySeen {
  nodeId: string;
  /** The gateway node that delivered it. */
  via: string;
  /** When the orchestrator applied it. */
  seenAt: number;
}

/** An admin event before the store chains it. */
export interface AdminEventInput {
  time: number;
  actor: string;
  action: string;
  detail: Record<string, unknown>;
}

/**
 * Mutating calls take the admin events that record them and append them in the same
 * transaction: an action is never done without its entry in the admin log, nor the reverse.
 */
export type Events = readonly AdminEventInput[];

/** Verified audit records to append after a node's current head. */
export interface AuditAppend {
  nodeId: string;
  /** The head the records were verified against (null: the node's first upload). */
  after: AuditHead | null;
  head: AuditHead;
  records: StoredRecord[];
  /** The gateway node that delivered them (null: the node itself). */
  via: string | null;
  /** When they were received. */
  at: number;
}

/** What a prune removed: per node, the last seq removed (the new anchor). */
export interface PruneResult {
  records: number;
  nodes: { node: string; through: number }[];
}

/** A node's relay role: allowed to upload other nodes' audit, and flagged if a delivery failed. */
export interface GatewayRecord {
  nodeId: string;
  allowed: boolean;
  changedAt: number;
  /** Why a delivery through this gateway failed verification; cleared by nothing but an operator. */
  flag: string | null;
}

/** What a rollback changed. */
export interface RollbackResult {
  nodes: string[];
  /** Active rollouts over those nodes, aborted because the rollback supersedes them. */
  aborted: string[];
}

export interface Store {
  /** Operators, console sessions, login throttling (operator-store.ts). */
  readonly operators: OperatorStore;

  /** Creates the tables if missing; checks the schema version. */
  init(): Promise<void>;
  close(): Promise<void>;

  createToken(t: TokenRecord, events: Events): Promise<void>;
  /**
   * Uses the token (once, unexpired) and enrolls the node with the token's labels, atomically.
   * Throws token_invalid or node_exists.
   */
  enroll(tokenHash: string, node: { id: string; publicKey: string }, now: number, events: (n: NodeRecord) => Events): Promise<NodeRecord>;
  getNode(id: string): Promise<NodeRecord | null>;
  /** Nodes matching the selector (all with {}), by id. */
  listNodes(selector?: Labels): Promise<NodeRecord[]>;
  /** Records that the node was heard from. */
  touchNode(id: string, now: number): Promise<void>;
  /**
   * Applies a report unless a newer one was applied; returns whether it was. A direct report
   * (via null) makes the node seen now; a relayed one records the gateway and when instead.
   */
  applyReport(id: string, report: NodeReport, now: number, via?: string | null): Promise<boolean>;
  /** Every node's last report applied through a gateway. */
  listRelays(): Promise<RelaySeen[]>;
  /** A node's last report applied through a gateway, or null. */
  getRelay(nodeId: string): Promise<RelaySeen | null>;

  /**
   * Stores a bundle (events are appended only then); 'exists' if the same revision with the
   * same digest is held; throws bundle_conflict for another digest.
   */
  putBundle(b: BundleRecord, bytes: Buffer, events: Events): Promise<'created' | 'exists'>;
  getBundle(revision: string): Promise<BundleRecord | null>;
  getBundleBytes(revision: string): Promise<Buffer | null>;
  listBundles(): Promise<BundleRecord[]>;

  /**
   * Creates a rollout over the given nodes (in that order). Throws rollout_conflict when one of
   * them is in another active rollout.
   */
  createRollout(r: Rollout, nodeIds: readonly string[], events: Events): Promise<void>;
  getRollout(id: string): Promise<Rollout | null>;
  listRollouts(): Promise<Rollout[]>;
  getTargets(id: string): Promise<Target[]>;
  activeRolloutIds(): Promise<string[]>;
  /**
   * Locks the rollout, reads it with its targets and nodes, and applies the plan fn returns
   * (if any), its events included, in the same transaction. Returns the plan applied, or null.
   */
  withRollout(id: string, fn: (view: RolloutView) => Plan | null): Promise<Plan | null>;
  /** Sets the desired revision of every node matching selector and aborts the active rollouts over them. */
  rollback(selector: Labels, revision: string, source: string, now: number, events: (r: RollbackResult) => Events): Promise<RollbackResult>;

  /** Appends verified records if the node's head is still `after`; false if another upload moved it. */
  appendAudit(a: AuditAppend): Promise<boolean>;
  /** The held records of a node from seq on (at most limit). */
  auditRecordsFrom(nodeId: string, seq: number, limit: number): Promise<StoredRecord[]>;
  /** Marks a node's audit as failing verification. */
  flagAudit(nodeId: string, reason: string, events: Events): Promise<void>;
  queryAudit(q: AuditQuery): Promise<StoredRecord[]>;
  /** The last pruned record of a node, or null when nothing was pruned. */
  getAuditAnchor(nodeId: string): Promise<AuditAnchor | null>;
  /**
   * Deletes, node by node, the longest prefix of its held records that are all older than
   * before (ns), and records the last one deleted as the node's anchor, so what is kept still
   * verifies as a chain. Events are appended (same transaction) only when something was pruned.
   */
  pruneAudit(before: bigint, now: number, events: (r: PruneResult) => Events): Promise<PruneResult>;
  /** Accepted uploads, newest first: which records came when, directly or through which gateway. */
  listDeliveries(q: { node?: string; via?: string; limit: number }): Promise<AuditDelivery[]>;

  /** Allows a node to relay other nodes' audit, or withdraws it. Throws node_not_found. */
  setGateway(nodeId: string, allowed: boolean, now: number, events: Events): Promise<void>;
  getGateway(nodeId: string): Promise<GatewayRecord | null>;
  listGateways(): Promise<GatewayRecord[]>;
  /** Marks a gateway as having delivered something that failed verification. */
  flagGateway(nodeId: string, reason: string, events: Events): Promise<void>;

  /** Appends an admin event to the hash-chained admin log. */
  appendAdminEvent(e: AdminEventInput): Promise<AdminEvent>;
  /** Admin events after sinceSeq in order, at most limit of them. */
  listAdminEvents(sinceSeq?: number, limit?: number): Promise<AdminEvent[]>;
}
