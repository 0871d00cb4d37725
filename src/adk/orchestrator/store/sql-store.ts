// The Store over SQL, written once for SQLite and PostgreSQL (driver.ts hides the difference).
import { AutonomyError } from '../../../common/errors.ts';
import { sha256Hex } from '../../../common/hash.ts';
import { canonicalJson } from '../../audit/canonical.ts';
import type { Plan, RolloutView, NodeView } from '../rollout/engine.ts';
import { isActive, selects, type AdminEvent, type AuditAnchor, type AuditDelivery, type AuditHead, type AuditQuery, type BundleRecord, type Labels, type NodeRecord, type Rollout, type RolloutState, type StoredRecord, type Target, type TargetState, type TokenRecord, type ReportStatus } from '../types.ts';
import type { SqlConn, SqlDb, SqlRow, SqlTx } from './driver.ts';
import { SqlOperatorStore, type OperatorStore } from './operator-store.ts';
import { schemaSql, SCHEMA_VERSION } from './schema.ts';
import type { AdminEventInput, AuditAppend, Events, GatewayRecord, NodeReport, PruneResult, RelaySeen, RollbackResult, Store } from './store.ts';

const GENESIS = '0'.repeat(64);

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function nodeOf(r: SqlRow): NodeRecord {
  const audit: AuditHead | null = r['audit_seq'] === null ? null : {
    seq: Number(r['audit_seq']), hash: String(r['audit_hash']), segment: String(r['audit_segment']), end: Number(r['audit_end']), record: String(r['audit_record']),
  };
  return {
    id: String(r['id']),
    publicKey: String(r['public_key']),
    labels: JSON.parse(String(r['labels'])) as Labels,
    enrolledAt: Number(r['enrolled_at']),
    lastSeen: num(r['last_seen']),
    desiredRevision: str(r['desired_revision']),
    desiredSource: str(r['desired_source']),
    desiredVersion: Number(r['desired_version']),
    confirmedRevision: str(r['confirmed_revision']),
    reportStatus: str(r['report_status']) as ReportStatus | null,
    failedRevision: str(r['failed_revision']),
    reportError: str(r['report_error']),
    reportedAt: num(r['reported_at']),
    audit,
    auditFlag: str(r['audit_flag']),
  };
}

function rolloutOf(r: SqlRow): Rollout {
  return {
    id: String(r['id']),
    revision: String(r['revision']),
    selector: JSON.parse(String(r['selector'])) as Labels,
    phases: JSON.parse(String(r['phases'])) as Rollout['phases'],
    maxFailures: Number(r['max_failures']),
    phaseTimeoutMs: Number(r['phase_timeout_ms']),
    pauseMs: Number(r['pause_ms']),
    state: String(r['state']) as RolloutState,
    phase: Number(r['phase']),
    phaseStartedAt: num(r['phase_started_at']),
    phaseDoneAt: num(r['phase_done_at']),
    createdAt: Number(r['created_at']),
    updatedAt: Number(r['updated_at']),
    reason: str(r['reason']),
  };
}

function targetOf(r: SqlRow): Target {
  return {
    rolloutId: String(r['rollout_id']), nodeId: String(r['node_id']), position: Number(r['position']), state: String(r['state']) as TargetState,
    previousRevision: str(r['previous_revision']), assignedAt: num(r['assigned_at']), error: str(r['error']),
  };
}

function bundleOf(r: SqlRow): BundleRecord {
  return { revision: String(r['revision']), digest: String(r['digest']), size: Number(r['size']), pushedAt: Number(r['pushed_at']) };
}

function recordOf(r: SqlRow): StoredRecord {
  return {
    node: String(r['node_id']), seq: Number(r['seq']), time: String(r['time']).replace(/^0+(?=\d)/, ''), kind: String(r['kind']),
    tool: str(r['tool']), decision: str(r['decision']), hash: String(r['hash']), record: String(r['record']),
  };
}

function gatewayOf(r: SqlRow): GatewayRecord {
  return { nodeId: String(r['node_id']), allowed: Number(r['allowed']) === 1, changedAt: Number(r['changed_at']), flag: str(r['flag']) };
}

function relayOf(r: SqlRow): RelaySeen {
  return { nodeId: String(r['node_id']), via: String(r['via']), seenAt: Number(r['seen_at']) };
}

function eventOf(r: SqlRow): AdminEvent {
  return {
    seq: Number(r['seq']), time: Number(r['time']), actor: String(r['actor']), action: String(r['action']),
    detail: JSON.parse(String(r['detail'])) as Record<string, unknown>, prevHash: String(r['prev_hash']), hash: String(r['hash']),
  };
}

/** Nanosecond times padded to 20 digits so that text order is time order. */
export function padTime(ns: string | bigint): string {
  return String(ns).padStart(20, '0');
}

/** The hash of an admin event: SHA-256 of the canonical JSON of every field but the hash. */
export function adminEventHash(e: Omit<AdminEvent, 'hash'>): string {
  return sha256Hex(canonicalJson({ seq: e.seq, time: e.time, actor: e.actor, action: e.action, detail: e.detail, prev_hash: e.prevHash }));
}

const ROLLOUT_COLUMNS = 'id, revision, selector, phases, max_failures, phase_timeout_ms, pause_ms, state, phase, phase_started_at, phase_done_at, created_at, updated_at, reason';

/** The store over a SQL database. */
export class SqlStore implements Store {
  readonly #db: SqlDb;
  readonly operators: OperatorStore;

  constructor(db: SqlDb) {
    this.#db = db;
    this.operators = new SqlOperatorStore(db, appendEvents);
  }

  async init(): Promise<void> {
    await this.#db.transaction(async (tx) => {
      // Two replicas starting together must not both create the tables.
      await tx.lock('autonomy-orchestrator-schema');
      await tx.exec(schemaSql(this.#db.dialect));
      const rows = await tx.all('SELECT value FROM meta WHERE key = $1', ['schema_version']);
      if (rows.length === 0) await tx.run('INSERT INTO meta (key, value) VALUES ($1, $2)', ['schema_version', String(SCHEMA_VERSION)]);
      else if (rows[0]!['value'] !== String(SCHEMA_VERSION)) {
        throw new AutonomyError('store_schema', `the database has schema version ${String(rows[0]!['value'])}; this orchestrator uses ${SCHEMA_VERSION}`);
      }
    });
  }

  close(): Promise<void> {
    return this.#db.close();
  }

  createToken(t: TokenRecord, events: Events): Promise<void> {
    return this.#db.transaction(async (tx) => {
      await tx.run('INSERT INTO tokens (hash, labels, created_at, expires_at) VALUES ($1, $2, $3, $4)', [t.hash, JSON.stringify(t.labels), t.createdAt, t.expiresAt]);
      await appendEvents(tx, events);
    });
  }

  enroll(tokenHash: string, node: { id: string; publicKey: string }, now: number, events: (n: NodeRecord) => Events): Promise<NodeRecord> {
    return this.#db.transaction(async (tx) => {
      // The conditional update is the one-time guarantee: of two concurrent uses, one changes no row.
      const used = await tx.all('UPDATE tokens SET used_at = $1, used_by = $2 WHERE hash = $3 AND used_at IS NULL AND expires_at > $1 RETURNING labels', [now, node.id, tokenHash]);
      if (used.length === 0) throw new AutonomyError('token_invalid', 'the enrollment token is unknown, expired or already used');
      if ((await tx.all('SELECT id FROM nodes WHERE id = $1', [node.id])).length > 0) throw new AutonomyError('node_exists', `node ${node.id} is already enrolled`);
      await tx.run('INSERT INTO nodes (id, public_key, labels, enrolled_at, last_seen) VALUES ($1, $2, $3, $4, $4)', [node.id, node.publicKey, String(used[0]!['labels']), now]);
      const n = nodeOf((await tx.all('SELECT * FROM nodes WHERE id = $1', [node.id]))[0]!);
      await appendEvents(tx, events(n));
      return n;
    });
  }

  async getNode(id: string): Promise<NodeRecord | null> {
    const rows = await this.#db.all('SELECT * FROM nodes WHERE id = $1', [id]);
    return rows[0] ? nodeOf(rows[0]) : null;
  }

  async listNodes(selector: Labels = {}): Promise<NodeRecord[]> {
    return (await this.#db.all('SELECT * FROM nodes ORDER BY id')).map(nodeOf).filter((n) => selects(selector, n.labels));
  }

  async touchNode(id: string, now: number): Promise<void> {
    await this.#db.run('UPDATE nodes SET last_seen = $1 WHERE id = $2 AND (last_seen IS NULL OR last_seen < $1)', [now, id]);
  }

  applyReport(id: string, r: NodeReport, now: number, via: string | null = null): Promise<boolean> {
    const failed = r.status === 'failed';
    return this.#db.transaction(async (tx) => {
      // The sequence check is in the UPDATE itself: of two racing reports, the older changes no row.
      const n = await tx.run(
        `UPDATE nodes SET confirmed_revision = $1, report_status = $2, failed_revision = $3, report_error = $4, reported_at = $5${via === null ? ', last_seen = $7' : ''}
         WHERE id = $6 AND (reported_at IS NULL OR reported_at < $5)`,
        [r.activeRevision, r.status, failed ? r.failedRevision : null, failed ? r.error : null, r.time, id, ...(via === null ? [now] : [])],
      );
      if (n > 0 && via !== null) {
        await tx.run('INSERT INTO node_relays (node_id, via, seen_at) VALUES ($1, $2, $3) ON CONFLICT (node_id) DO UPDATE SET via = $2, seen_at = $3', [id, via, now]);
      }
      return n > 0;
    });
  }

  async listRelays(): Promise<RelaySeen[]> {
    return (await this.#db.all('SELECT node_id, via, seen_at FROM node_relays ORDER BY node_id')).map(relayOf);
  }

  async getRelay(nodeId: string): Promise<RelaySeen | null> {
    const rows = await this.#db.all('SELECT node_id, via, seen_at FROM node_relays WHERE node_id = $1', [nodeId]);
    return rows[0] ? relayOf(rows[0]) : null;
  }

  async putBundle(b: BundleRecord, bytes: Buffer, events: Events): Promise<'created' | 'exists'> {
    return this.#db.transaction(async (tx) => {
      const held = await tx.all(`SELECT digest FROM bundles WHERE revision = $1${this.#db.dialect.forUpdate}`, [b.revision]);
      if (held.length > 0) {
        if (held[0]!['digest'] === b.digest) return 'exists';
        throw new AutonomyError('bundle_conflict', `revision ${b.revision} is already held with digest ${String(held[0]!['digest'])}; a revision names one bundle`);
      }
      await tx.run('INSERT INTO bundles (revision, digest, size, bytes, pushed_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (revision) DO NOTHING', [b.revision, b.digest, b.size, bytes, b.pushedAt]);
      await appendEvents(tx, events);
      return 'created';
    });
  }

  async getBundle(revision: string): Promise<BundleRecord | null> {
    const rows = await this.#db.all('SELECT revision, digest, size, pushed_at FROM bundles WHERE revision = $1', [revision]);
    return rows[0] ? bundleOf(rows[0]) : null;
  }

  async getBundleBytes(revision: string): Promise<Buffer | null> {
    const rows = await this.#db.all('SELECT bytes FROM bundles WHERE revision = $1', [revision]);
    return rows[0] ? (rows[0]['bytes'] as Buffer) : null;
  }

  async listBundles(): Promise<BundleRecord[]> {
    return (await this.#db.all('SELECT revision, digest, size, pushed_at FROM bundles ORDER BY pushed_at, revision')).map(bundleOf);
  }

  createRollout(r: Rollout, nodeIds: readonly string[], events: Events): Promise<void> {
    return this.#db.transaction(async (tx) => {
      // Serializes creations and rollbacks: the overlap check and the insert are one step.
      await tx.lock('autonomy-orchestrator-rollouts');
      const busy = await this.#busyNodes(tx, nodeIds);
      if (busy.length > 0) {
        throw new AutonomyError('rollout_conflict', `${busy.length} selected node(s) are in active rollout ${busy[0]!.rollout} (first: ${busy[0]!.node}); wait for it, pause-and-abort it, or narrow the selector`);
      }
      await tx.run(
        `INSERT INTO rollouts (${ROLLOUT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
        [r.id, r.revision, JSON.stringify(r.selector), JSON.stringify(r.phases), r.maxFailures, r.phaseTimeoutMs, r.pauseMs, r.state, r.phase, r.phaseStartedAt, r.phaseDoneAt, r.createdAt, r.updatedAt, r.reason],
      );
      let pos = 0;
      for (const id of nodeIds) {
        await tx.run('INSERT INTO targets (rollout_id, node_id, position, state) VALUES ($1, $2, $3, $4)', [r.id, id, pos++, 'waiting']);
      }
      await appendEvents(tx, events);
    });
  }

  async #busyNodes(tx: SqlConn, nodeIds: readonly string[]): Promise<{ node: string; rollout: string }[]> {
    const want = new Set(nodeIds);
    const rows = await tx.all(`SELECT t.node_id, t.rollout_id FROM targets t JOIN rollouts r ON r.id = t.rollout_id WHERE r.state IN ('running', 'paused')`);
    return rows.filter((row) => want.has(String(row['node_id']))).map((row) => ({ node: String(row['node_id']), rollout: String(row['rollout_id']) }));
  }

  async getRollout(id: string): Promise<Rollout | null> {
    const rows = await this.#db.all(`SELECT ${ROLLOUT_COLUMNS} FROM rollouts WHERE id = $1`, [id]);
    return rows[0] ? rolloutOf(rows[0]) : null;
  }

  async listRollouts(): Promise<Rollout[]> {
    return (await this.#db.all(`SELECT ${ROLLOUT_COLUMNS} FROM rollouts ORDER BY created_at, id`)).map(rolloutOf);
  }

  async getTargets(id: string): Promise<Target[]> {
    return (await this.#db.all('SELECT * FROM targets WHERE rollout_id = $1 ORDER BY position', [id])).map(targetOf);
  }

  async activeRolloutIds(): Promise<string[]> {
    return (await this.#db.all(`SELECT id FROM rollouts WHERE state IN ('running', 'paused') ORDER BY created_at, id`)).map((r) => String(r['id']));
  }

  withRollout(id: string, fn: (view: RolloutView) => Plan | null): Promise<Plan | null> {
    return this.#db.transaction(async (tx) => {
      const rows = await tx.all(`SELECT ${ROLLOUT_COLUMNS} FROM rollouts WHERE id = $1${this.#db.dialect.forUpdate}`, [id]);
      if (rows.length === 0) throw new AutonomyError('rollout_not_found', `no rollout ${id}`);
      const targets = (await tx.all('SELECT * FROM targets WHERE rollout_id = $1 ORDER BY position', [id])).map(targetOf);
      const nodes = new Map<string, NodeView>();
      for (const row of await tx.all(
        `SELECT n.id, n.last_seen, r.seen_at AS relay_seen, n.desired_revision, n.confirmed_revision, n.report_status, n.failed_revision, n.report_error
         FROM nodes n JOIN targets t ON t.node_id = n.id LEFT JOIN node_relays r ON r.node_id = n.id WHERE t.rollout_id = $1`,
        [id],
      )) {
        // A report through a gateway is contact too: the rollout reaches such a node through the relay.
        const seen = [num(row['last_seen']), num(row['relay_seen'])].filter((t) => t !== null);
        nodes.set(String(row['id']), {
          id: String(row['id']), lastSeen: seen.length ? Math.max(...seen) : null, desiredRevision: str(row['desired_revision']),
          confirmedRevision: str(row['confirmed_revision']), reportStatus: str(row['report_status']), failedRevision: str(row['failed_revision']),
          reportError: str(row['report_error']),
        });
      }
      const plan = fn({ rollout: rolloutOf(rows[0]!), targets, nodes });
      if (plan) await this.#apply(tx, plan);
      return plan;
    });
  }

  async #apply(tx: SqlTx, plan: Plan): Promise<void> {
    const r = plan.rollout;
    await tx.run(
      'UPDATE rollouts SET state = $1, phase = $2, phase_started_at = $3, phase_done_at = $4, updated_at = $5, reason = $6 WHERE id = $7',
      [r.state, r.phase, r.phaseStartedAt, r.phaseDoneAt, r.updatedAt, r.reason, r.id],
    );
    for (const t of plan.targets) {
      if (t.assignedAt !== undefined) {
        await tx.run('UPDATE targets SET state = $1, previous_revision = $2, assigned_at = $3 WHERE rollout_id = $4 AND node_id = $5', [t.state, t.previousRevision ?? null, t.assignedAt, r.id, t.nodeId]);
      } else if (t.error !== undefined) {
        await tx.run('UPDATE targets SET state = $1, error = $2 WHERE rollout_id = $3 AND node_id = $4', [t.state, t.error, r.id, t.nodeId]);
      } else {
        await tx.run('UPDATE targets SET state = $1 WHERE rollout_id = $2 AND node_id = $3', [t.state, r.id, t.nodeId]);
      }
    }
    for (const d of plan.desired) await setDesired(tx, d.nodeId, d.revision, d.source);
    await appendEvents(tx, plan.events.map((e) => ({ time: r.updatedAt, actor: e.actor ?? 'orchestrator', action: e.action, detail: e.detail })));
  }

  rollback(selector: Labels, revision: string, source: string, now: number, events: (r: RollbackResult) => Events): Promise<RollbackResult> {
    return this.#db.transaction(async (tx) => {
      await tx.lock('autonomy-orchestrator-rollouts');
      const nodes = (await tx.all('SELECT id, labels FROM nodes ORDER BY id')).filter((r) => selects(selector, JSON.parse(String(r['labels'])) as Labels)).map((r) => String(r['id']));
      const aborted = [...new Set((await this.#busyNodes(tx, nodes)).map((b) => b.rollout))].sort();
      for (const id of aborted) {
        const row = (await tx.all(`SELECT state FROM rollouts WHERE id = $1${this.#db.dialect.forUpdate}`, [id]))[0];
        if (row && isActive(String(row['state']) as RolloutState)) {
          await tx.run('UPDATE rollouts SET state = $1, reason = $2, updated_at = $3 WHERE id = $4', ['aborted', `superseded by ${source}`, now, id]);
        }
      }
      for (const id of nodes) await setDesired(tx, id, revision, source);
      await appendEvents(tx, events({ nodes, aborted }));
      return { nodes, aborted };
    });
  }

  appendAudit(a: AuditAppend): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      const row = (await tx.all(`SELECT audit_seq, audit_hash FROM nodes WHERE id = $1${this.#db.dialect.forUpdate}`, [a.nodeId]))[0];
      if (!row) throw new AutonomyError('node_not_found', `no node ${a.nodeId}`);
      // Compare-and-set on the head: a concurrent upload of the same range loses cleanly.
      if (num(row['audit_seq']) !== (a.after?.seq ?? null) || str(row['audit_hash']) !== (a.after?.hash ?? null)) return false;
      for (const r of a.records) {
        await tx.run('INSERT INTO audit_records (node_id, seq, time, kind, tool, decision, hash, record) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [a.nodeId, r.seq, padTime(r.time), r.kind, r.tool, r.decision, r.hash, r.record]);
      }
      const h = a.head;
      await tx.run('UPDATE nodes SET audit_seq = $1, audit_hash = $2, audit_segment = $3, audit_end = $4, audit_record = $5 WHERE id = $6', [h.seq, h.hash, h.segment, h.end, h.record, a.nodeId]);
      const first = a.records[0];
      if (first) await tx.run('INSERT INTO audit_deliveries (node_id, first_seq, last_seq, via, segment, at) VALUES ($1, $2, $3, $4, $5, $6)', [a.nodeId, first.seq, h.seq, a.via, h.segment, a.at]);
      return true;
    });
  }

  async auditRecordsFrom(nodeId: string, seq: number, limit: number): Promise<StoredRecord[]> {
    return (await this.#db.all('SELECT * FROM audit_records WHERE node_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3', [nodeId, seq, limit])).map(recordOf);
  }

  flagAudit(nodeId: string, reason: string, events: Events): Promise<void> {
    return this.#db.transaction(async (tx) => {
      await tx.run('UPDATE nodes SET audit_flag = $1 WHERE id = $2', [reason, nodeId]);
      await appendEvents(tx, events);
    });
  }

  async queryAudit(q: AuditQuery): Promise<StoredRecord[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const add = (cond: string, v: string | number): void => {
      params.push(v);
      where.push(cond.replace('?', `$${params.length}`));
    };
    if (q.node !== undefined) add('node_id = ?', q.node);
    if (q.since !== undefined) add('time >= ?', padTime(q.since));
    if (q.until !== undefined) add('time < ?', padTime(q.until));
    if (q.tool !== undefined) add('tool = ?', q.tool);
    if (q.decision !== undefined) add('decision = ?', q.decision);
    if (q.after !== undefined) {
      // Keyset paging: a stable order and a strict "after", so pages neither skip nor repeat a record.
      params.push(padTime(q.after.time), q.after.node, q.after.seq);
      const n = params.length;
      where.push(`(time > $${n - 2} OR (time = $${n - 2} AND (node_id > $${n - 1} OR (node_id = $${n - 1} AND seq > $${n}))))`);
    }
    params.push(q.limit ?? 100_000);
    const sql = `SELECT * FROM audit_records${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY time, node_id, seq LIMIT $${params.length}`;
    return (await this.#db.all(sql, params)).map(recordOf);
  }

  async getAuditAnchor(nodeId: string): Promise<AuditAnchor | null> {
    const r = (await this.#db.all('SELECT seq, hash, record, pruned_at FROM audit_anchors WHERE node_id = $1', [nodeId]))[0];
    return r ? { seq: Number(r['seq']), hash: String(r['hash']), record: String(r['record']), prunedAt: Number(r['pruned_at']) } : null;
  }

  pruneAudit(before: bigint, now: number, events: (r: PruneResult) => Events): Promise<PruneResult> {
    return this.#db.transaction(async (tx) => {
      const res: PruneResult = { records: 0, nodes: [] };
      const keepFrom = new Map((await tx.all('SELECT node_id, MIN(seq) AS seq FROM audit_records WHERE time >= $1 GROUP BY node_id', [padTime(before)])).map((r) => [String(r['node_id']), Number(r['seq'])]));
      for (const n of await tx.all('SELECT node_id, MIN(seq) AS lo, MAX(seq) AS hi FROM audit_records GROUP BY node_id ORDER BY node_id')) {
        const node = String(n['node_id']);
        const limit = keepFrom.has(node) ? keepFrom.get(node)! - 1 : Number(n['hi']);
        if (limit < Number(n['lo'])) continue;
        // The last record pruned (seqs may skip at a quarantine) becomes the anchor.
        const last = (await tx.all('SELECT seq, hash, record FROM audit_records WHERE node_id = $1 AND seq <= $2 ORDER BY seq DESC LIMIT 1', [node, limit]))[0]!;
        const removed = await tx.run('DELETE FROM audit_records WHERE node_id = $1 AND seq <= $2', [node, Number(last['seq'])]);
        await tx.run(
          'INSERT INTO audit_anchors (node_id, seq, hash, record, pruned_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (node_id) DO UPDATE SET seq = $2, hash = $3, record = $4, pruned_at = $5',
          [node, Number(last['seq']), String(last['hash']), String(last['record']), now],
        );
        res.records += removed;
        res.nodes.push({ node, through: Number(last['seq']) });
      }
      if (res.records > 0) await appendEvents(tx, events(res));
      return res;
    });
  }

  async listDeliveries(q: { node?: string; via?: string; limit: number }): Promise<AuditDelivery[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (q.node !== undefined) where.push(`node_id = $${params.push(q.node)}`);
    if (q.via !== undefined) where.push(`via = $${params.push(q.via)}`);
    const rows = await this.#db.all(`SELECT * FROM audit_deliveries${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, node_id, first_seq DESC LIMIT $${params.push(q.limit)}`, params);
    return rows.map((r) => ({ node: String(r['node_id']), firstSeq: Number(r['first_seq']), lastSeq: Number(r['last_seq']), via: str(r['via']), segment: String(r['segment']), at: Number(r['at']) }));
  }

  setGateway(nodeId: string, allowed: boolean, now: number, events: Events): Promise<void> {
    return this.#db.transaction(async (tx) => {
      if ((await tx.all('SELECT id FROM nodes WHERE id = $1', [nodeId])).length === 0) throw new AutonomyError('node_not_found', `no node ${nodeId}`);
      await tx.run('INSERT INTO gateways (node_id, allowed, changed_at) VALUES ($1, $2, $3) ON CONFLICT (node_id) DO UPDATE SET allowed = $2, changed_at = $3', [nodeId, allowed ? 1 : 0, now]);
      await appendEvents(tx, events);
    });
  }

  async getGateway(nodeId: string): Promise<GatewayRecord | null> {
    const rows = await this.#db.all('SELECT * FROM gateways WHERE node_id = $1', [nodeId]);
    return rows[0] ? gatewayOf(rows[0]) : null;
  }

  async listGateways(): Promise<GatewayRecord[]> {
    return (await this.#db.all('SELECT * FROM gateways ORDER BY node_id')).map(gatewayOf);
  }

  flagGateway(nodeId: string, reason: string, events: Events): Promise<void> {
    return this.#db.transaction(async (tx) => {
      await tx.run('UPDATE gateways SET flag = $1 WHERE node_id = $2', [reason, nodeId]);
      await appendEvents(tx, events);
    });
  }

  async appendAdminEvent(e: AdminEventInput): Promise<AdminEvent> {
    return this.#db.transaction(async (tx) => (await appendEvents(tx, [e]))[0]!);
  }

  async listAdminEvents(sinceSeq = 0, limit?: number): Promise<AdminEvent[]> {
    const page = limit === undefined ? '' : ' LIMIT $2';
    return (await this.#db.all(`SELECT * FROM admin_events WHERE seq > $1 ORDER BY seq${page}`, limit === undefined ? [sinceSeq] : [sinceSeq, limit])).map(eventOf);
  }
}

/**
 * Chains events onto the admin log inside the caller's transaction. The lock serializes
 * writers across replicas; it is always the last lock a transaction takes, so it cannot
 * complete a deadlock cycle.
 */
async function appendEvents(tx: SqlTx, events: Events): Promise<AdminEvent[]> {
  if (events.length === 0) return [];
  await tx.lock('autonomy-orchestrator-admin-log');
  const last = (await tx.all('SELECT seq, hash FROM admin_events ORDER BY seq DESC LIMIT 1'))[0];
  let seq = last ? Number(last['seq']) : 0;
  let prevHash = last ? String(last['hash']) : GENESIS;
  const out: AdminEvent[] = [];
  for (const e of events) {
    const base = { seq: ++seq, time: e.time, actor: e.actor, action: e.action, detail: e.detail, prevHash };
    const event: AdminEvent = { ...base, hash: adminEventHash(base) };
    await tx.run('INSERT INTO admin_events (seq, time, actor, action, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)', [event.seq, event.time, event.actor, event.action, JSON.stringify(event.detail), event.prevHash, event.hash]);
    prevHash = event.hash;
    out.push(event);
  }
  return out;
}

/** Sets a node's desired revision and bumps its version (the ETag) if it changes. */
async function setDesired(tx: SqlConn, nodeId: string, revision: string | null, source: string): Promise<void> {
  await tx.run(
    `UPDATE nodes SET desired_revision = $1, desired_source = $2, desired_version = desired_version + 1
     WHERE id = $3 AND (desired_revision IS DISTINCT FROM $1 OR desired_source IS DISTINCT FROM $2)`,
    [revision, source, nodeId],
  );
}
