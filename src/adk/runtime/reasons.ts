// Reason codes a deny can carry besides the policy's own reasons. Every failure on the decision
// path maps to exactly one of these (INV-01): there is no path from a failure to an allow.

/** Why the runtime denied without (or despite) the policy's answer. */
export const Reason = {
  /** No policy is loaded, or the active one failed verification. */
  noValidPolicy: 'no_valid_policy',
  /** The policy raised an error, or its entrypoint is not an object with allow/deny. */
  evalError: 'eval_error',
  /** Evaluation ran over its time or step budget. */
  evalBudgetExceeded: 'eval_budget_exceeded',
  /** The request is malformed, too large or too deep. */
  badRequest: 'bad_request',
  /** The decision could not be made durable in the audit WAL. */
  walUnavailable: 'wal_unavailable',
  /** The policy source says the active policy is older than it may be. */
  policyStale: 'policy_stale',
  /** The policy did not allow the call and gave no reason of its own. */
  notAllowed: 'not_allowed',
  /** Added to every answer when the policy is an unsigned directory served with --dev. */
  devUnsignedPolicy: 'dev_mode_unsigned_policy',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];
