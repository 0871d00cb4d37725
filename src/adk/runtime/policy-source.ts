// Where the active policy comes from. The runtime asks a PolicySource for the policy on every
// decision, so the source must answer from memory; the signed-bundle store implements it in
// production (bundle-source.ts), which also serves --dev directories signed with a throw-away key.
import type { CompiledPolicy } from '../policy/index.ts';

/** A policy ready to decide with. */
export interface ActivePolicy {
  policy: CompiledPolicy;
  revision: string;
  digest: string;
  /** The document that yields allow and deny, e.g. data.autonomy.authz. */
  entrypoint: string;
  /** True when the source knows the policy to be older than it may be used. */
  stale: boolean;
  /** True when the policy is an unsigned directory served with --dev. */
  dev?: boolean;
}

/** What a source answers when there is nothing valid to decide with. */
export interface NoPolicy {
  /** The reason code every decision denies with. */
  error: 'no_valid_policy' | 'policy_stale';
  message: string;
}

/** The active policy, or why there is none. */
export type PolicyState = ActivePolicy | NoPolicy;

/** Supplies the active policy; current() must be cheap (no I/O). */
export interface PolicySource {
  current(): PolicyState;
  /** Re-reads the policy from its origin (SIGHUP); keeps the previous one if the new one fails. */
  reload(): Promise<PolicyState>;
  /** Releases what the source holds. */
  close(): Promise<void>;
}

/** True when the state holds a policy. */
export function isActive(s: PolicyState): s is ActivePolicy {
  return !('error' in s);
}

/** A fixed state, for tests and for a runtime started without a policy. */
export function staticPolicySource(state: PolicyState): PolicySource {
  return { current: () => state, reload: async () => state, close: async () => undefined };
}
