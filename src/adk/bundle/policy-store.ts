// The policy store the runtime uses: activate (verify → compile → test → switch atomically),
// rollback, status, history, and loadActive, which re-verifies from disk on every start
// (INV-05) and reports no_valid_policy when nothing verifies, so the caller denies (INV-01).
import { readFileSync, statSync } from 'node:fs';
import { AutonomyError, isAutonomyError } from '../../common/errors.ts';
import type { CompiledPolicy } from '../policy/index.ts';
import { ActivationEventType, noActivationLog, type ActivationEvent, type ActivationLog, type VersionRef } from './activation-log.ts';
import { readArchive, readBundle, writeArchive, type BundleFiles, type ReadLimits } from './archive.ts';
import type { TrustedKey } from './keys.ts';
import { ORDERINGS, parseManifest, type Manifest, type Ordering, type OrderingName } from './manifest.ts';
import { contentDigest, openFiles, type OpenedBundle } from './open.ts';
import { StoreFiles, type StoreState, type VersionInfo } from './store.ts';
import { summarise, type TestStatus } from './tests-runner.ts';

/** The durable steps of an activation, for crash tests. */
export const ActivationStep = { verified: 'verified', staged: 'staged', renamed: 'renamed', committed: 'committed', recorded: 'recorded', pruned: 'pruned' } as const;
export type ActivationStep = (typeof ActivationStep)[keyof typeof ActivationStep];

export interface PolicyStoreOptions {
  /** State dir; the store lives in DIR/policy. */
  readonly dir: string;
  /** Trust roots every bundle must verify against, at activation and at every load. */
  readonly trust: readonly TrustedKey[];
  /** Past this age (ms since activation) the active policy is stale. */
  readonly maxAgeMs?: number;
  /** What a stale policy does: report it (default) or deny everything. */
  readonly onStale?: 'warn' | 'deny';
  /** Anti-downgrade ordering (default sequence-revision). */
  readonly ordering?: OrderingName | Ordering;
  /** Versions kept on disk (default 10). */
  readonly keep?: number;
  /** Extra sink for activation events (the audit WAL). */
  readonly log?: ActivationLog;
  readonly limits?: ReadLimits;
  /** Required signature scope. */
  readonly scope?: string;
  readonly now?: () => Date;
  /** Called after each durable step of activate and rollback (test seam). */
  readonly onStep?: (step: ActivationStep) => void;
}

/** The result of a successful activation or rollback. */
export interface Switched {
  readonly version: string;
  readonly revision: string;
  readonly digest: string;
  readonly from: VersionRef | undefined;
  /** True when the bundle was already the active version: nothing changed. */
  readonly unchanged: boolean;
  readonly tests: Readonly<Record<TestStatus, number>> | undefined;
}

/** A loaded, re-verified active policy. */
export interface ActivePolicy {
  readonly ok: true;
  readonly policy: CompiledPolicy;
  readonly entrypoint: string;
  readonly version: string;
  readonly revision: string;
  readonly digest: string;
  /** 'lkg' when the active version failed re-verification and its last-known-good was used. */
  readonly source: 'active' | 'lkg';
  readonly fallbackReason: string | undefined;
  readonly activatedAt: string;
  readonly stale: boolean;
}

/** No policy can be used: every decision must deny with this reason (INV-01). */
export interface NoPolicy {
  readonly ok: false;
  readonly error: 'no_valid_policy' | 'policy_stale';
  readonly reason: string;
}

export interface VersionStatus extends VersionInfo {
  readonly verified?: boolean;
  readonly verifyError?: string;
}

export interface StoreStatus {
  readonly dir: string;
  readonly active: VersionStatus | undefined;
  readonly lkg: VersionStatus | undefined;
  readonly activatedAt: string | null;
  readonly ageMs: number | undefined;
  readonly stale: boolean;
  readonly versions: readonly VersionInfo[];
}

/** A policy store over a state dir. */
export interface PolicyStore {
  /** Verifies, compiles and tests a bundle, then makes it active atomically. */
  activate(bundlePath: string): Promise<Switched>;
  /** Returns to the last-known-good, or to the newest retained version with this revision (or id, or content digest). */
  rollback(to?: string): Promise<Switched>;
  /** What is active, the LKG and the retained versions; verify re-checks them against the trust roots. */
  status(opts?: { verify?: boolean }): Promise<StoreStatus>;
  /** Every recorded activation, refusal, rollback and fallback, oldest first. */
  history(): ActivationEvent[];
  /** The active policy re-verified from disk, else the LKG, else no_valid_policy. */
  loadActive(): Promise<ActivePolicy | NoPolicy>;
}

/** Opens (creating if needed) the policy store in a state dir. */
export function openPolicyStore(opts: PolicyStoreOptions): PolicyStore {
  return new FilePolicyStore(opts);
}

class FilePolicyStore implements PolicyStore {
  private readonly files: StoreFiles;
  private readonly opts: PolicyStoreOptions;
  private readonly ordering: Ordering;
  private readonly log: ActivationLog;

  constructor(opts: PolicyStoreOptions) {
    this.opts = opts;
    this.files = new StoreFiles(opts.dir);
    this.ordering = typeof opts.ordering === 'function' ? opts.ordering : ORDERINGS[opts.ordering ?? 'sequence-revision'];
    this.log = opts.log ?? noActivationLog;
  }

  async activate(bundlePath: string): Promise<Switched> {
    const unlock = this.files.lock();
    try {
      const state = this.files.readState();
      await this.reconcile(state);
      const from = this.ref(state.active);
      let bytes: Buffer | undefined;
      let files: BundleFiles | undefined;
      let opened: OpenedBundle;
      try {
        // Keep the exact archive bytes: they are what gets stored and re-verified later.
        if (statSync(bundlePath, { throwIfNoEntry: false })?.isFile()) {
          bytes = readFileSync(bundlePath);
          files = readArchive(bytes, this.opts.limits, bundlePath);
        } else files = readBundle(bundlePath, this.opts.limits);
        opened = await openFiles(files, this.openOptions(true));
        this.checkOrder(opened.manifest, state);
      } catch (e) {
        await this.record({ type: ActivationEventType.refuse, at: this.nowIso(), ...describeOffered(files), source: bundlePath, from, ...describe(e) });
        throw e;
      }
      this.step(ActivationStep.verified);
      const tests = opened.tests ? summarise(opened.tests) : undefined;
      const activeInfo = state.active ? this.files.readVersion(state.active) : undefined;
      if (activeInfo && activeInfo.digest === opened.digest) {
        return { version: activeInfo.id, revision: activeInfo.revision, digest: activeInfo.digest, from, unchanged: true, tests };
      }
      const id = this.nextId(state);
      const info: VersionInfo = {
        id,
        revision: opened.manifest.revision,
        sequence: opened.manifest.sequence,
        digest: opened.digest,
        keyId: opened.keyId,
        alg: opened.alg,
        entrypoint: opened.manifest.entrypoint,
        createdAt: this.nowIso(),
        source: bundlePath,
        previous: state.active,
      };
      this.files.stageVersion(info, bytes ?? writeArchive(opened.files), () => this.step(ActivationStep.staged));
      this.step(ActivationStep.renamed);
      const activated = [...state.activated.filter((v) => v !== id), id];
      this.commit({ ...state, active: id, lkg: state.active, activatedAt: info.createdAt, activated, next: Number(id.slice(1)) + 1 });
      await this.record({ type: ActivationEventType.activate, at: info.createdAt, version: id, revision: info.revision, digest: info.digest, keyId: info.keyId, source: bundlePath, from });
      this.step(ActivationStep.recorded);
      this.prune();
      this.step(ActivationStep.pruned);
      return { version: id, revision: info.revision, digest: info.digest, from, unchanged: false, tests };
    } finally {
      unlock();
    }
  }

  async rollback(to?: string): Promise<Switched> {
    const unlock = this.files.lock();
    try {
      const state = this.files.readState();
      await this.reconcile(state);
      const from = this.ref(state.active);
      const target = this.rollbackTarget(state, to);
      const info = this.files.readVersion(target)!;
      try {
        // The target was verified once, but trust roots may have changed since: verify again.
        await this.reverify(info);
      } catch (e) {
        await this.record({ type: ActivationEventType.refuse, at: this.nowIso(), version: info.id, revision: info.revision, digest: info.digest, from, source: `rollback to ${info.id}`, ...describe(e) });
        throw e;
      }
      this.step(ActivationStep.verified);
      const previous = info.previous !== null && info.previous !== target && state.activated.includes(info.previous) ? info.previous : null;
      const at = this.nowIso();
      const activated = [...state.activated.filter((v) => v !== target), target];
      this.commit({ ...state, active: target, lkg: previous, activatedAt: at, activated });
      await this.record({ type: ActivationEventType.rollback, at, version: target, revision: info.revision, digest: info.digest, keyId: info.keyId, from });
      this.step(ActivationStep.recorded);
      return { version: target, revision: info.revision, digest: info.digest, from, unchanged: false, tests: undefined };
    } finally {
      unlock();
    }
  }

  async status(opts: { verify?: boolean } = {}): Promise<StoreStatus> {
    const state = this.files.readState();
    const describeVersion = async (id: string | null): Promise<VersionStatus | undefined> => {
      const info = id ? this.files.readVersion(id) : undefined;
      if (!info || !opts.verify) return info;
      try {
        await this.reverify(info);
        return { ...info, verified: true };
      } catch (e) {
        return { ...info, verified: false, verifyError: isAutonomyError(e) ? e.toString() : String(e) };
      }
    };
    const ageMs = state.activatedAt ? this.now().getTime() - Date.parse(state.activatedAt) : undefined;
    return {
      dir: this.files.root,
      active: await describeVersion(state.active),
      lkg: await describeVersion(state.lkg),
      activatedAt: state.activatedAt,
      ageMs,
      stale: this.isStale(ageMs),
      versions: state.activated.map((id) => this.files.readVersion(id)).filter((v): v is VersionInfo => v !== undefined),
    };
  }

  history(): ActivationEvent[] {
    return this.files.readHistory();
  }

  async loadActive(): Promise<ActivePolicy | NoPolicy> {
    let state: StoreState;
    try {
      state = this.files.readState();
    } catch (e) {
      return { ok: false, error: 'no_valid_policy', reason: describe(e).reason };
    }
    if (!state.active) return { ok: false, error: 'no_valid_policy', reason: 'no policy has been activated' };
    await this.reconcile(state);
    const reasons: string[] = [];
    for (const [which, id] of [['active', state.active], ['lkg', state.lkg]] as const) {
      if (!id) continue;
      const info = this.files.readVersion(id);
      if (!info) {
        reasons.push(`${which} version ${id}: metadata missing`);
        continue;
      }
      try {
        const opened = await this.reverify(info);
        const fallbackReason = which === 'lkg' ? reasons.join('; ') : undefined;
        if (which === 'lkg') {
          await this.record({ type: ActivationEventType.fallback, at: this.nowIso(), version: id, revision: info.revision, digest: info.digest, from: this.ref(state.active), reason: fallbackReason });
        }
        const activatedAt = which === 'active' ? (state.activatedAt ?? info.createdAt) : info.createdAt;
        const ageMs = this.now().getTime() - Date.parse(activatedAt);
        const stale = this.isStale(ageMs);
        if (stale && this.opts.onStale === 'deny') {
          return { ok: false, error: 'policy_stale', reason: `policy ${info.revision} is ${Math.round(ageMs / 1000)}s old, past the maximum age of ${Math.round((this.opts.maxAgeMs ?? 0) / 1000)}s` };
        }
        return { ok: true, policy: opened.policy, entrypoint: info.entrypoint, version: id, revision: info.revision, digest: info.digest, source: which, fallbackReason, activatedAt, stale };
      } catch (e) {
        reasons.push(`${which} version ${id} (${info.revision}): ${describe(e).reason}`);
      }
    }
    return { ok: false, error: 'no_valid_policy', reason: reasons.join('; ') };
  }

  /**
   * A crash between the commit and its record leaves a switch nobody recorded; record it now,
   * marked as recovered, so the history and the WAL never miss an activation or a rollback.
   */
  private async reconcile(state: StoreState): Promise<void> {
    if (!state.active) return;
    const last = this.files.readHistory().findLast((e) => e.type === ActivationEventType.activate || e.type === ActivationEventType.rollback);
    if (last?.version === state.active) return;
    const info = this.files.readVersion(state.active);
    if (!info) return;
    const type = info.createdAt === state.activatedAt ? ActivationEventType.activate : ActivationEventType.rollback;
    const from = last?.version ? this.ref(last.version) : undefined;
    await this.record({ type, at: state.activatedAt ?? info.createdAt, version: info.id, revision: info.revision, digest: info.digest, keyId: info.keyId, from, reason: 'recovered: committed before a crash, recorded on the next start' });
  }

  /** Verifies a stored version from its bytes and checks it is the one recorded. */
  private async reverify(info: VersionInfo): Promise<OpenedBundle> {
    const files = readArchive(this.files.readBundleBytes(info.id), this.opts.limits, `version ${info.id}`);
    const opened = await openFiles(files, this.openOptions(false));
    if (opened.digest !== info.digest) {
      throw new AutonomyError('policy_version_tampered', `version ${info.id}: stored bundle digest ${opened.digest} differs from the recorded ${info.digest}`);
    }
    return opened;
  }

  private openOptions(runTests: boolean): Parameters<typeof openFiles>[1] {
    return { trust: this.opts.trust, runTests, ...(this.opts.limits ? { limits: this.opts.limits } : {}), ...(this.opts.scope !== undefined ? { scope: this.opts.scope } : {}) };
  }

  /** Refuses a bundle older than the active one (anti-downgrade). */
  private checkOrder(candidate: Manifest, state: StoreState): void {
    const active = state.active ? this.files.readVersion(state.active) : undefined;
    if (!active) return;
    const activeManifest: Manifest = { revision: active.revision, sequence: active.sequence, roots: [], metadata: {}, entrypoint: active.entrypoint };
    if (this.ordering(candidate, activeManifest) < 0) {
      const seq = (m: { sequence: number | undefined }): string => (m.sequence === undefined ? '' : ` (sequence ${m.sequence})`);
      throw new AutonomyError(
        'bundle_downgrade',
        `revision ${JSON.stringify(candidate.revision)}${seq(candidate)} is older than the active ${JSON.stringify(active.revision)}${seq(active)}; use 'policy rollback' to go back deliberately`,
      );
    }
  }

  private rollbackTarget(state: StoreState, to: string | undefined): string {
    if (!state.active) throw new AutonomyError('policy_no_rollback_target', 'no policy is active; nothing to roll back');
    if (to === undefined) {
      if (!state.lkg || !this.files.readVersion(state.lkg)) throw new AutonomyError('policy_no_rollback_target', 'there is no last-known-good version to roll back to');
      return state.lkg;
    }
    for (const id of [...state.activated].reverse()) {
      const v = this.files.readVersion(id);
      if (v && id !== state.active && (v.revision === to || v.id === to || v.digest === to)) return id;
    }
    throw new AutonomyError('policy_no_rollback_target', `no retained version other than the active one has revision, id or digest ${JSON.stringify(to)}`);
  }

  private commit(s: StoreState): void {
    this.files.writeState(s);
    this.step(ActivationStep.committed);
  }

  /** Keeps the newest `keep` activated versions, never the active or LKG; drops orphans. */
  private prune(): void {
    const state = this.files.readState();
    const keep = Math.max(2, this.opts.keep ?? 10);
    const protect = new Set([state.active, state.lkg].filter((x): x is string => x !== null));
    const retained = state.activated.filter((id, i) => protect.has(id) || i >= state.activated.length - keep);
    const keepSet = new Set([...retained, ...protect]);
    if (retained.length !== state.activated.length) this.files.writeState({ ...state, activated: retained });
    for (const d of this.files.listVersionDirs()) if (!keepSet.has(d)) this.files.removeVersion(d);
  }

  private nextId(state: StoreState): string {
    const dirs = this.files.listVersionDirs().map((d) => Number(d.slice(1)));
    const n = Math.max(state.next, ...dirs.map((x) => x + 1));
    return `v${String(n).padStart(6, '0')}`;
  }

  private ref(id: string | null): VersionRef | undefined {
    const v = id ? this.files.readVersion(id) : undefined;
    return v ? { version: v.id, revision: v.revision, digest: v.digest } : undefined;
  }

  private async record(e: ActivationEvent): Promise<void> {
    this.files.appendHistory(e);
    await this.log.record(e);
  }

  private step(s: ActivationStep): void {
    this.opts.onStep?.(s);
  }

  private isStale(ageMs: number | undefined): boolean {
    return this.opts.maxAgeMs !== undefined && ageMs !== undefined && ageMs > this.opts.maxAgeMs;
  }

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  private nowIso(): string {
    return this.now().toISOString();
  }
}

/** The code and message of an error, for records. */
function describe(e: unknown): { code: string; reason: string } {
  if (isAutonomyError(e)) return { code: e.code, reason: `${e.location ? `${e.location.file}:${e.location.row}:${e.location.col}: ` : ''}${e.message}` };
  return { code: 'internal_error', reason: e instanceof Error ? e.message : String(e) };
}

/** Revision and digest of a refused bundle, as far as it could be read (for the record only). */
function describeOffered(files: BundleFiles | undefined): { revision?: string; digest?: string } {
  if (!files) return {};
  const digest = contentDigest(files);
  const m = files.get('.manifest');
  try {
    return m ? { revision: parseManifest(JSON.parse(m.toString('utf8'))).revision, digest } : { digest };
  } catch {
    // An unreadable manifest is itself a reason for the refusal, recorded with it.
    return { digest };
  }
}
