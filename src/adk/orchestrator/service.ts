// The control plane's operations, independent of HTTP: what admins and nodes may do, each
// admin action written to the admin log. Holds no state another replica would need: everything
// lives in the store, and the in-process wake-ups only shorten long polls.
import { randomBytes, type KeyObject } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { keyId, loadPublicKey } from '../../common/ed25519.ts';
import { AutonomyError } from '../../common/errors.ts';
import { sha256Hex } from '../../common/hash.ts';
import { decodeEnvelope, decodeStatusEnvelope, envelopeProblem, statusEnvelopeProblem } from './audit-ingest/relay-envelope.ts';
import { StoredChain } from './audit-ingest/verify-stored.ts';
import { firstSeqOf, verifyUpload, type Upload } from './audit-ingest/verify-upload.ts';
import { checkSignature, checkWindow, readClaim, DEFAULT_WINDOW_MS, type SignedClaim } from './auth/signature.ts';
import { checkLabels, newEnrollmentToken, tokenHash } from './enrollment/tokens.ts';
import { abort, isOffline, setPaused, step, type EngineOptions, type Plan } from './rollout/engine.ts';
import { checkPhases } from './rollout/phases.ts';
import type { AdminEventInput, NodeReport, PruneResult, RelaySeen, Store } from './store/store.ts';
import { RolloutState, type AuditDelivery, type AuditQuery, type BundleRecord, type Labels, type NodeRecord, type Rollout, type StoredRecord, type Target } from './types.ts';

/** Settings of the service. */
export interface ServiceOptions extends EngineOptions {
  /** Replay window of node signatures. */
  signatureWindowMs: number;
  /** The clock; tests pass a fake one. */
  now: () => number;
}

export const DEFAULT_SERVICE_OPTIONS: ServiceOptions = { offlineAfterMs: 30_000, signatureWindowMs: DEFAULT_WINDOW_MS, now: Date.now };

/** What a node is told to run. */
export interface DesiredState {
  node: string;
  revision: string | null;
  digest: string | null;
  size: number | null;
  source: string | null;
  version: number;
}

/** A node as the fleet view shows it. */
export interface NodeView {
  id: string;
  labels: Labels;
  desired: string | null;
  confirmed: string | null;
  /** in_sync, pending (desired not yet confirmed), failed, or unmanaged (nothing desired). */
  state: 'in_sync' | 'pending' | 'failed' | 'unmanaged';
  /** Heard from within the offline threshold, directly or through a gateway (see relay). */
  online: boolean;
  /** The last direct request. */
  last_seen: number | null;
  /** The gateway the node is online through when heard from only through the edge relay (null: directly, or offline). */
  online_via: string | null;
  /** The last report applied through a gateway (the edge relay): which one, and when. */
  relay: { via: string; last_seen: number } | null;
  error: string | null;
  audit_seq: number | null;
  audit_flag: string | null;
  /** Allowed to upload other nodes' audit (null: never given the role). */
  gateway: { allowed: boolean; flag: string | null } | null;
}

/** A rollout with its per-node progress. */
export interface RolloutStatus extends Rollout {
  counts: Record<string, number>;
  targets: (Target & { confirmed: string | null; online: boolean })[];
}

/** The verdict on one node's held audit chain. */
export interface StoredVerdict {
  node: string;
  records: number;
  /** The last pruned seq the chain starts from (null: from the genesis). */
  anchor_seq: number | null;
  head_seq: number | null;
  ok: boolean;
  problem: string | null;
}

const VERIFY_PAGE = 10_000;

/** Everything the orchestrator does, given a store. */
export class OrchestratorService {
  readonly store: Store;
  readonly opts: ServiceOptions;
  /** Wakes long polls of this replica when it changes a node's desired state. */
  readonly #changes = new EventEmitter();
  readonly #keys = new Map<string, KeyObject>();
  #closed = false;

  constructor(store: Store, opts: Partial<ServiceOptions> = {}) {
    this.store = store;
    this.opts = { ...DEFAULT_SERVICE_OPTIONS, ...opts };
    this.#changes.setMaxListeners(0);
  }

  /** Ends every long poll of this replica (the server is shutting down). */
  close(): void {
    this.#closed = true;
    for (const name of this.#changes.eventNames()) this.#changes.emit(name);
  }

  // ---- admin -----------------------------------------------------------------------------

  /** An entry of the admin log, stamped now; the store appends it with the action it records. */
  #event(actor: string, action: string, detail: Record<string, unknown>): AdminEventInput {
    return { time: this.opts.now(), actor, action, detail };
  }

  /** Creates a one-time enrollment token. */
  async createToken(actor: string, labels: unknown, expiresInMs: number): Promise<{ token: string; labels: Labels; expires_at: number }> {
    const l = checkLabels(labels ?? {});
    if (!(Number.isSafeInteger(expiresInMs) && expiresInMs > 0)) throw new AutonomyError('bad_request', 'expires_in_ms must be a positive integer');
    const token = newEnrollmentToken();
    const now = this.opts.now();
    // The token itself is never logged: the log must not enroll anyone.
    await this.store.createToken({ hash: tokenHash(token), labels: l, createdAt: now, expiresAt: now + expiresInMs, usedAt: null, usedBy: null },
      [this.#event(actor, 'token.create', { labels: l, expires_at: now + expiresInMs, token_hash: tokenHash(token).slice(0, 16) })]);
    return { token, labels: l, expires_at: now + expiresInMs };
  }

  /** Stores bundle bytes under their revision; never re-signs or alters them. */
  async pushBundle(actor: string, revision: string, bytes: Buffer): Promise<BundleRecord & { created: boolean }> {
    if (!/^[A-Za-z0-9._:+-]{1,128}$/.test(revision)) throw new AutonomyError('bad_request', `revision ${JSON.stringify(revision)}: use 1–128 letters, digits and . _ : + -`);
    if (bytes.length === 0) throw new AutonomyError('bad_request', 'the bundle is empty');
    const b: BundleRecord = { revision, digest: sha256Hex(bytes), size: bytes.length, pushedAt: this.opts.now() };
    const res = await this.store.putBundle(b, bytes, [this.#event(actor, 'bundle.push', { revision, digest: b.digest, size: b.size })]);
    return { ...(res === 'created' ? b : (await this.store.getBundle(revision))!), created: res === 'created' };
  }

  /** Creates a phased rollout; nodes are taken in id order. */
  async createRollout(actor: string, req: { revision: string; selector: unknown; phases: unknown; max_failures?: number; phase_timeout_ms?: number; pause_ms?: number }): Promise<RolloutStatus> {
    const selector = checkLabels(req.selector ?? {}, 'selector');
    const phases = checkPhases(req.phases ?? '100%');
    const nonNeg = (v: unknown, name: string): number => {
      const n = v ?? 0;
      if (!(typeof n === 'number' && Number.isSafeInteger(n) && n >= 0)) throw new AutonomyError('bad_request', `${name} must be a non-negative integer`);
      return n;
    };
    if (!(await this.store.getBundle(String(req.revision)))) throw new AutonomyError('bundle_not_found', `no bundle with revision ${JSON.stringify(req.revision)}; push it first`);
    const nodes = await this.store.listNodes(selector);
    if (nodes.length === 0) throw new AutonomyError('no_nodes', `no enrolled node matches the selector ${JSON.stringify(selector)}`);
    const now = this.opts.now();
    const r: Rollout = {
      id: `r-${randomBytes(5).toString('hex')}`, revision: String(req.revision), selector, phases,
      maxFailures: nonNeg(req.max_failures, 'max_failures'), phaseTimeoutMs: nonNeg(req.phase_timeout_ms, 'phase_timeout_ms'), pauseMs: nonNeg(req.pause_ms, 'pause_ms'),
      state: RolloutState.running, phase: 0, phaseStartedAt: null, phaseDoneAt: null, createdAt: now, updatedAt: now, reason: null,
    };
    await this.store.createRollout(r, nodes.map((n) => n.id),
      [this.#event(actor, 'rollout.create', { rollout: r.id, revision: r.revision, selector, phases: req.phases, nodes: nodes.length, max_failures: r.maxFailures })]);
    await this.stepRollout(r.id);
    return this.rolloutStatus(r.id);
  }

  /** A rollout with per-node progress. */
  async rolloutStatus(id: string): Promise<RolloutStatus> {
    const r = await this.store.getRollout(id);
    if (!r) throw new AutonomyError('rollout_not_found', `no rollout ${id}`);
    const views = new Map((await this.listNodes()).map((n) => [n.id, n]));
    const targets = (await this.store.getTargets(id)).map((t) => {
      const n = views.get(t.nodeId);
      return { ...t, confirmed: n?.confirmed ?? null, online: n?.online ?? false };
    });
    const counts: Record<string, number> = {};
    for (const t of targets) counts[t.state] = (counts[t.state] ?? 0) + 1;
    return { ...r, counts, targets };
  }

  /** pause, resume or abort; throws rollout_state when the rollout is not in a state that allows it. */
  async controlRollout(actor: string, id: string, action: 'pause' | 'resume' | 'abort'): Promise<RolloutStatus> {
    const now = this.opts.now();
    const plan = await this.store.withRollout(id, (v) => {
      const p = action === 'abort' ? abort(v, now) : setPaused(v, now, action === 'pause');
      p?.events.unshift({ actor, action: `rollout.${action}`, detail: { rollout: id } });
      return p;
    });
    if (!plan) {
      const r = await this.store.getRollout(id);
      throw new AutonomyError('rollout_state', `rollout ${id} is ${r?.state}; it cannot be ${action === 'abort' ? 'aborted' : action === 'pause' ? 'paused' : 'resumed'}`);
    }
    this.#wake(plan);
    return this.rolloutStatus(id);
  }

  /** Sets the desired revision of every matching node now; offline nodes get it on reconnect. */
  async rollback(actor: string, selectorIn: unknown, revision: string): Promise<{ nodes: number; aborted: string[]; revision: string }> {
    const selector = checkLabels(selectorIn ?? {}, 'selector');
    if (!(await this.store.getBundle(revision))) throw new AutonomyError('bundle_not_found', `no bundle with revision ${JSON.stringify(revision)}`);
    const id = `rb-${randomBytes(4).toString('hex')}`;
    const res = await this.store.rollback(selector, revision, `rollback:${id}`, this.opts.now(),
      (r) => [this.#event(actor, 'rollback', { id, selector, revision, nodes: r.nodes.length, aborted: r.aborted })]);
    for (const n of res.nodes) this.#changes.emit(n);
    return { nodes: res.nodes.length, aborted: res.aborted, revision };
  }

  /** The fleet view. */
  async listNodes(selector: Labels = {}): Promise<NodeView[]> {
    const now = this.opts.now();
    const gateways = new Map((await this.store.listGateways()).map((g) => [g.nodeId, { allowed: g.allowed, flag: g.flag }]));
    const relays = new Map((await this.store.listRelays()).map((r) => [r.nodeId, r]));
    return (await this.store.listNodes(selector)).map((n) => this.#view(n, now, gateways.get(n.id) ?? null, relays.get(n.id) ?? null));
  }

  /** Allows a node to upload other nodes' audit it receives through the edge relay, or withdraws it. */
  async setGateway(actor: string, nodeId: string, allowed: boolean): Promise<{ node: string; gateway: boolean }> {
    await this.store.setGateway(nodeId, allowed, this.opts.now(), [this.#event(actor, allowed ? 'gateway.allow' : 'gateway.deny', { node: nodeId })]);
    return { node: nodeId, gateway: allowed };
  }

  #view(n: NodeRecord, now: number, gateway: NodeView['gateway'], relay: RelaySeen | null): NodeView {
    const failed = n.reportStatus === 'failed' && n.failedRevision !== null && n.failedRevision === n.desiredRevision;
    const state = n.desiredRevision === null ? 'unmanaged' : n.confirmedRevision === n.desiredRevision ? 'in_sync' : failed ? 'failed' : 'pending';
    // A node that reports only through a gateway is not offline, only unreachable directly.
    const direct = !isOffline(n, now, this.opts);
    const viaRelay = !direct && relay !== null && now - relay.seenAt <= this.opts.offlineAfterMs;
    return {
      id: n.id, labels: n.labels, desired: n.desiredRevision, confirmed: n.confirmedRevision, state, online: direct || viaRelay, online_via: viaRelay ? relay.via : null,
      last_seen: n.lastSeen, relay: relay && { via: relay.via, last_seen: relay.seenAt }, error: failed ? n.reportError : null, audit_seq: n.audit?.seq ?? null, audit_flag: n.auditFlag, gateway,
    };
  }

  /** Audit records of the fleet, filtered. */
  queryAudit(q: AuditQuery): Promise<StoredRecord[]> {
    return this.store.queryAudit(q);
  }

  // ---- rollout engine ----------------------------------------------------------------------

  /** Steps one rollout; returns whether anything changed. */
  async stepRollout(id: string): Promise<boolean> {
    const now = this.opts.now();
    const plan = await this.store.withRollout(id, (v) => step(v, now, this.opts));
    if (plan) this.#wake(plan);
    return plan !== null;
  }

  /** Steps every active rollout: what the ticker runs on every replica. */
  async tick(): Promise<void> {
    for (const id of await this.store.activeRolloutIds()) await this.stepRollout(id);
  }

  /** Ends the long polls of the nodes whose desired state the plan changed. */
  #wake(plan: Plan): void {
    for (const d of plan.desired) this.#changes.emit(d.nodeId);
  }

  // ---- nodes -------------------------------------------------------------------------------

  /** Enrolls a node whose request is signed by the key it registers (proof of possession). */
  async enroll(headers: Record<string, string | string[] | undefined>, method: string, path: string, body: Buffer): Promise<{ node_id: string; labels: Labels }> {
    let req: { token?: unknown; public_key?: unknown };
    try {
      req = JSON.parse(body.toString('utf8')) as typeof req;
    } catch {
      throw new AutonomyError('bad_json', 'the body is not JSON');
    }
    if (typeof req.token !== 'string' || typeof req.public_key !== 'string') throw new AutonomyError('bad_request', 'enroll needs {"token", "public_key"}');
    const key = loadPublicKey(req.public_key, 'public_key');
    const id = keyId(key);
    const claim = readClaim(headers);
    if (claim.nodeId !== id) throw new AutonomyError('signature_invalid', `the request is signed as ${claim.nodeId} but the key's id is ${id}`);
    checkSignature(claim, key, method, path, body, this.opts.now(), this.opts.signatureWindowMs);
    const node = await this.store.enroll(tokenHash(req.token), { id, publicKey: req.public_key }, this.opts.now(),
      (n) => [this.#event(`node:${id}`, 'node.enroll', { node: id, labels: n.labels })]);
    return { node_id: id, labels: node.labels };
  }

  /**
   * The enrolled node a request claims to come from, checked as far as it can be before the body
   * is read (the signature covers the body): a request naming no enrolled node, or signed outside
   * the window, is refused before anyone can make the server buffer a large body.
   */
  async claimant(headers: Record<string, string | string[] | undefined>): Promise<{ claim: SignedClaim; node: NodeRecord }> {
    const claim = readClaim(headers);
    const node = await this.store.getNode(claim.nodeId);
    // An unknown node and a bad signature look the same from outside: nothing to enumerate.
    if (!node) throw new AutonomyError('signature_invalid', 'the request signature does not verify against an enrolled node key');
    checkWindow(claim, this.opts.now(), this.opts.signatureWindowMs);
    return { claim, node };
  }

  /** Authenticates a node request; returns the node (whose id is the only one it may address). */
  async authenticate(c: { claim: SignedClaim; node: NodeRecord }, method: string, path: string, body: Buffer): Promise<NodeRecord & { time: number }> {
    checkSignature(c.claim, this.#key(c.node), method, path, body, this.opts.now(), this.opts.signatureWindowMs);
    await this.store.touchNode(c.node.id, this.opts.now());
    return { ...c.node, time: c.claim.time };
  }

  #key(node: NodeRecord): KeyObject {
    let k = this.#keys.get(node.id);
    if (!k) {
      k = loadPublicKey(node.publicKey, `key of node ${node.id}`);
      this.#keys.set(node.id, k);
    }
    return k;
  }

  /** The node's desired state; with waitMs, waits until its version differs from knownVersion. */
  async desired(nodeId: string, knownVersion: number | null, waitMs: number, pollMs = 1000): Promise<DesiredState> {
    const deadline = this.opts.now() + waitMs;
    for (;;) {
      if (this.#closed) throw new AutonomyError('shutting_down', 'the orchestrator is shutting down; poll again');
      const n = await this.store.getNode(nodeId);
      if (!n) throw new AutonomyError('node_not_found', `no node ${nodeId}`);
      if (knownVersion === null || n.desiredVersion !== knownVersion || this.opts.now() >= deadline) {
        const b = n.desiredRevision === null ? null : await this.store.getBundle(n.desiredRevision);
        return { node: n.id, revision: n.desiredRevision, digest: b?.digest ?? null, size: b?.size ?? null, source: n.desiredSource, version: n.desiredVersion };
      }
      // Woken early by a change made here; the timer catches changes made by other replicas.
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.#changes.off(nodeId, wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.max(1, Math.min(pollMs, deadline - this.opts.now())));
        this.#changes.on(nodeId, wake);
      });
    }
  }

  /** The bytes of a bundle the node is told to run (or runs): nothing else is served to it. */
  async bundleFor(node: NodeRecord, revision: string): Promise<{ bytes: Buffer; digest: string }> {
    if (revision !== node.desiredRevision && revision !== node.confirmedRevision) {
      throw new AutonomyError('forbidden', `node ${node.id} is not assigned revision ${revision}`);
    }
    const bytes = await this.store.getBundleBytes(revision);
    if (!bytes) throw new AutonomyError('bundle_not_found', `no bundle with revision ${revision}`);
    return { bytes, digest: sha256Hex(bytes) };
  }

  /** Applies a node's report of its active revision (ordered by its seq, else by the signed request time). */
  async report(node: NodeRecord & { time: number }, body: unknown): Promise<{ applied: boolean }> {
    const b = (body ?? {}) as Record<string, unknown>;
    if (b['seq'] !== undefined && !(Number.isSafeInteger(b['seq']) && (b['seq'] as number) > 0)) throw new AutonomyError('bad_request', 'seq must be a positive integer');
    const applied = await this.store.applyReport(node.id, reportOf(b, (b['seq'] as number | undefined) ?? node.time), this.opts.now());
    return { applied };
  }

  /**
   * Applies a node's status report that a gateway received through the edge relay: signed by the
   * node (not the gateway) and ordered by the node's report sequence, so a gateway can delay or
   * withhold a report, never forge one nor make an old one overwrite a newer one.
   */
  async reportRelayed(gateway: NodeRecord, body: Buffer): Promise<{ node: string; seq: number; applied: boolean }> {
    await this.#checkGateway(gateway);
    const env = decodeStatusEnvelope(body);
    const node = await this.#relayedNode(gateway, env.node, 'a status report');
    const problem = statusEnvelopeProblem(env, this.#key(node));
    if (problem) throw await this.#relayTampered(gateway, node, `relayed status report of node ${node.id} (seq ${env.seq})`, problem, { seq: env.seq });
    let b: unknown;
    try {
      b = JSON.parse(env.bytes.toString('utf8'));
    } catch {
      // Signed by the node, so not the gateway's fault; the node's reports are malformed.
      throw new AutonomyError('bad_request', `the status report of node ${node.id} (seq ${env.seq}) is not JSON`);
    }
    const applied = await this.store.applyReport(node.id, reportOf((b ?? {}) as Record<string, unknown>, env.seq), this.opts.now(), gateway.id);
    return { node: node.id, seq: env.seq, applied };
  }

  /**
   * A node's desired state for the gateway its reports come through (the last one applied), so
   * the gateway can hand it on through the edge relay; any other node may not read it.
   */
  async desiredRelayed(gateway: NodeRecord, nodeId: string): Promise<DesiredState> {
    await this.#relayedVia(gateway, nodeId);
    return this.desired(nodeId, null, 0);
  }

  /** The bundle bytes of a node's desired (or confirmed) revision, for the gateway its reports come through. */
  async bundleRelayed(gateway: NodeRecord, nodeId: string, revision: string): Promise<{ bytes: Buffer; digest: string }> {
    return this.bundleFor(await this.#relayedVia(gateway, nodeId), revision);
  }

  async #relayedVia(gateway: NodeRecord, nodeId: string): Promise<NodeRecord> {
    await this.#checkGateway(gateway);
    const relay = await this.store.getRelay(nodeId);
    const node = await this.store.getNode(nodeId);
    // Heard from directly since its last relayed report: it no longer routes through any gateway.
    const direct = node !== null && relay !== null && node.lastSeen !== null && node.lastSeen > relay.seenAt;
    if (!node || relay?.via !== gateway.id || direct) throw new AutonomyError('forbidden', `node ${nodeId} does not report through gateway ${gateway.id}`);
    return node;
  }

  /** Throws gateway_forbidden unless an admin allowed this node to relay. */
  async #checkGateway(gateway: NodeRecord): Promise<void> {
    const role = await this.store.getGateway(gateway.id);
    if (!role?.allowed) throw new AutonomyError('gateway_forbidden', `node ${gateway.id} is not allowed to relay other nodes' audit and reports; an admin allows it with \`autonomy-orchestrator nodes gateway ${gateway.id} --allow\``);
  }

  async #relayedNode(gateway: NodeRecord, id: string, what: string): Promise<NodeRecord> {
    const node = await this.store.getNode(id);
    if (!node) throw new AutonomyError('node_not_found', `gateway ${gateway.id} relayed ${what} of ${JSON.stringify(id)}, which is not an enrolled node`);
    return node;
  }

  /**
   * Flags the gateway for bytes the node did not sign: something between its signer and here
   * changed them. That is evidence against the delivery path, not against the node.
   */
  async #relayTampered(gateway: NodeRecord, node: NodeRecord, what: string, problem: string, detail: Record<string, unknown>): Promise<AutonomyError> {
    const reason = `${what}: ${problem}`;
    await this.store.flagGateway(gateway.id, reason, [this.#event(`gateway:${gateway.id}`, 'audit.relay_rejected', { gateway: gateway.id, node: node.id, ...detail, reason: problem })]);
    return new AutonomyError('relay_tampered', reason);
  }

  /**
   * Verifies and stores an upload of another node's audit that a gateway received through the
   * edge relay. The gateway's own signature only says who delivered it: the envelope must carry
   * the node's signature and the records its chain and checkpoints, all checked against the
   * node's enrolled key, so a gateway can withhold a node's audit but not forge or alter it.
   */
  async ingestRelayed(gateway: NodeRecord, body: Buffer): Promise<{ node: string; accepted: number; duplicates: number; head_seq: number | null }> {
    await this.#checkGateway(gateway);
    const env = decodeEnvelope(body);
    const node = await this.#relayedNode(gateway, env.node, 'audit');
    const problem = envelopeProblem(env, this.#key(node));
    if (problem) throw await this.#relayTampered(gateway, node, `relayed audit of node ${node.id} (${env.segment} offset ${env.offset})`, problem, { segment: env.segment, offset: env.offset });
    return { node: node.id, ...(await this.ingestAudit(node, { segment: env.segment, offset: env.offset, bytes: env.bytes }, gateway.id)) };
  }

  /** Deletes audit records older than before (ns), keeping each node's chain verifiable from its new anchor. */
  async pruneAudit(actor: string, before: bigint): Promise<PruneResult> {
    return this.store.pruneAudit(before, this.opts.now(), (r) => [this.#event(actor, 'audit.prune', { before: String(before), records: r.records, nodes: r.nodes.length })]);
  }

  /** Re-verifies the held chain of every node (or one) from its anchor to its head. */
  async verifyStoredAudit(nodeId?: string): Promise<StoredVerdict[]> {
    const nodes = nodeId === undefined ? await this.store.listNodes() : [await this.store.getNode(nodeId)];
    if (nodes[0] === null) throw new AutonomyError('node_not_found', `no node ${nodeId}`);
    const out: StoredVerdict[] = [];
    for (const n of nodes as NodeRecord[]) {
      const anchor = await this.store.getAuditAnchor(n.id);
      const chain = new StoredChain(anchor, this.#key(n));
      let from = (anchor?.seq ?? 0) + 1;
      for (;;) {
        const page = await this.store.auditRecordsFrom(n.id, from, VERIFY_PAGE);
        if (!page.every((r) => chain.push(r)) || page.length < VERIFY_PAGE) break;
        from = page.at(-1)!.seq + 1;
      }
      // What is kept must reach the head the node's uploads continue from.
      if (chain.problem === null && n.audit !== null && chain.lastHash !== n.audit.hash) chain.problem = `the held chain ends at ${chain.lastHash.slice(0, 12)}…, not at the head seq ${n.audit.seq}`;
      out.push({ node: n.id, records: chain.count, anchor_seq: anchor?.seq ?? null, head_seq: n.audit?.seq ?? null, ok: chain.problem === null, problem: chain.problem });
    }
    return out;
  }

  /** Accepted uploads, newest first, with the gateway that delivered each (null: direct). */
  listDeliveries(q: { node?: string; via?: string; limit?: number }): Promise<AuditDelivery[]> {
    return this.store.listDeliveries({ ...q, limit: q.limit ?? 1000 });
  }

  /** Verifies and stores an audit upload (via: the gateway that delivered it); tampering is flagged on the node and in the admin log. */
  async ingestAudit(node: NodeRecord, up: Upload, via: string | null = null): Promise<{ accepted: number; duplicates: number; head_seq: number | null }> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = (await this.store.getNode(node.id))!;
      const held = new Map<number, string>();
      let prunedThrough = 0;
      if (current.audit) {
        // The records that may repeat ones held: from the first seq the upload could hold.
        const first = firstSeqOf(up.bytes);
        if (first !== null && first <= current.audit.seq) {
          const anchor = await this.store.getAuditAnchor(node.id);
          if (anchor) {
            held.set(anchor.seq, anchor.hash);
            prunedThrough = anchor.seq;
          }
          const from = Math.max(first, prunedThrough + 1);
          for (const r of await this.store.auditRecordsFrom(node.id, from, current.audit.seq - from + 1)) held.set(r.seq, r.hash);
        }
      }
      const v = verifyUpload(node.id, current.audit, this.#key(node), up, held, prunedThrough);
      if (!v.ok) {
        if (v.code === 'audit_tampered') {
          await this.store.flagAudit(node.id, v.reason, [this.#event(via ? `gateway:${via}` : `node:${node.id}`, 'audit.rejected', { node: node.id, segment: up.segment, offset: up.offset, reason: v.reason, ...(via && { via }) })]);
        }
        throw new AutonomyError(v.code, v.reason);
      }
      if (v.records.length === 0) return { accepted: 0, duplicates: v.duplicates, head_seq: current.audit?.seq ?? null };
      if (await this.store.appendAudit({ nodeId: node.id, after: current.audit, head: v.head!, records: v.records, via, at: this.opts.now() })) {
        return { accepted: v.records.length, duplicates: v.duplicates, head_seq: v.head!.seq };
      }
      // Another replica appended in between: verify again against the new head.
    }
    throw new AutonomyError('audit_busy', `concurrent uploads for node ${node.id}; retry`);
  }
}

/** A status report from its JSON body, ordered by seq. */
function reportOf(b: Record<string, unknown>, seq: number): NodeReport {
  const opt = (k: string): string | null => {
    const v = b[k];
    if (v !== undefined && v !== null && typeof v !== 'string') throw new AutonomyError('bad_request', `${k} must be a string or null`);
    return (v as string | null | undefined) ?? null;
  };
  if (b['status'] !== 'ok' && b['status'] !== 'failed') throw new AutonomyError('bad_request', 'status must be "ok" or "failed"');
  return { activeRevision: opt('active_revision'), status: b['status'], failedRevision: opt('failed_revision'), error: opt('error'), time: seq };
}
