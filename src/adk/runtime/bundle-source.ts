// Policies from signed bundles (INV-05): the versioned policy store of the state directory,
// with --policy BUNDLE activated into it at start, and --dev directories signed with a
// throw-away key so they go through the same verification as any bundle.
import { generateKeyPairSync } from 'node:crypto';
import { isAutonomyError } from '../../common/errors.ts';
import type { Wal } from '../audit/index.ts';
import { algorithmsFor, buildBundle, contentDigest, defaultKeyId, loadTrust, openFiles, openPolicyStore, readBundle, type PolicyStore } from '../bundle/index.ts';
import { walActivationLog } from '../bundle/wal-log.ts';
import { isActive, type PolicySource, type PolicyState } from './policy-source.ts';

export interface StoreSourceOptions {
  state: string;
  /** Trust roots (PATH or ID=PATH), as `autonomy policy activate --trust`. */
  trust: readonly string[];
  /** A bundle (.tar.gz or directory) to activate at start; refused ones leave the store as it was. */
  bundle?: string | undefined;
  /** Past this age since activation, decisions deny with policy_stale. */
  maxAgeMs?: number | undefined;
  /** Overrides the manifest's entrypoint. */
  entrypoint?: string | undefined;
  /** Where activation events are recorded. */
  wal: Pick<Wal, 'append'>;
  /** Tells the operator what happened (refusals, fallbacks). */
  say: (line: string) => void;
}

/** A store-backed source that can also take new bundles while it runs (the node agent's hook). */
export interface StorePolicySource extends PolicySource {
  /** Verifies and activates a bundle into the store (the active one stays if it is refused); call reload() after. */
  activate(bundlePath: string): Promise<{ revision: string; unchanged: boolean }>;
  /** Returns to a version the store still holds (re-verified first); call reload() after. */
  rollback(revision: string): Promise<{ revision: string }>;
}

/** The state directory's policy store as a PolicySource. */
export async function storePolicySource(o: StoreSourceOptions): Promise<StorePolicySource> {
  const store: PolicyStore = openPolicyStore({
    dir: o.state,
    trust: loadTrust(o.trust),
    log: walActivationLog(o.wal),
    ...(o.maxAgeMs !== undefined ? { maxAgeMs: o.maxAgeMs, onStale: 'deny' as const } : {}),
  });
  if (o.bundle !== undefined) {
    try {
      const s = await store.activate(o.bundle);
      o.say(s.unchanged ? `policy ${s.revision} (${s.digest.replace(/^sha256:/, '').slice(0, 12)}) already active` : `activated policy ${s.revision} (${s.digest.replace(/^sha256:/, '').slice(0, 12)})`);
    } catch (e) {
      if (!isAutonomyError(e)) throw e;
      // INV-05: the refusal is recorded by the store and the active policy stays as it was.
      o.say(`REFUSED ${o.bundle}: ${e.toString()}; keeping the active policy, if any`);
    }
  }
  let activatedAt = 0;
  const load = async (): Promise<PolicyState> => {
    const a = await store.loadActive();
    if (!a.ok) return { error: a.error, message: a.reason };
    if (a.source === 'lkg') o.say(`the active policy failed verification; using the last-known-good ${a.revision}: ${a.fallbackReason ?? ''}`);
    activatedAt = Date.parse(a.activatedAt);
    return { policy: a.policy, revision: a.revision, digest: a.digest, entrypoint: o.entrypoint ?? a.entrypoint, stale: a.stale };
  };
  let state = await load();
  return {
    current() {
      // Age is checked on every decision (cheap), so a policy goes stale while the runtime runs.
      if (o.maxAgeMs !== undefined && isActive(state) && Date.now() - activatedAt > o.maxAgeMs) {
        return { error: 'policy_stale', message: `policy ${state.revision} was activated ${Math.round((Date.now() - activatedAt) / 1000)}s ago, past the maximum age of ${Math.round(o.maxAgeMs / 1000)}s` };
      }
      return state;
    },
    async reload() {
      state = await load();
      return state;
    },
    async activate(bundlePath) {
      const s = await store.activate(bundlePath);
      return { revision: s.revision, unchanged: s.unchanged };
    },
    async rollback(revision) {
      return { revision: (await store.rollback(revision)).revision };
    },
    close: async () => undefined,
  };
}

/** A directory served with --dev: built and signed with a throw-away key, then verified like any bundle. */
export async function devPolicySource(dir: string, entrypoint?: string): Promise<PolicySource> {
  const load = async (): Promise<PolicyState> => {
    try {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      // A directory without a manifest revision gets one from its content, so reloads show change.
      const files = readBundle(dir);
      const manifest = files.get('.manifest');
      const named = manifest !== undefined && /"revision"\s*:\s*"[^"]/.test(manifest.toString('utf8'));
      const built = await buildBundle(dir, { signingKey: privateKey, ...(named ? {} : { revision: `dev-${contentDigest(files).replace(/^sha256:/, '').slice(0, 12)}` }) });
      const opened = await openFiles(built.files, { trust: [{ id: defaultKeyId(publicKey), key: publicKey, algorithms: algorithmsFor(publicKey), source: 'throw-away --dev key' }] });
            return { policy: opened.policy, revision: opened.manifest.revision, digest: opened.digest, entrypoint: entrypoint ?? opened.manifest.entrypoint, stale: false, dev: true };
    } catch (e) {
      if (isAutonomyError(e)) return { error: 'no_valid_policy', message: e.toString() };
      throw e;
    }
  };
  let state = await load();
  return {
    current: () => state,
    async reload() {
      const next = await load();
      // A broken edit must not take away a policy that works (last known good).
      if (isActive(next) || !isActive(state)) state = next;
      return next;
    },
    close: async () => undefined,
  };
}
