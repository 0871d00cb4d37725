// The HTTP error catalogue: every error code the API can answer with, its status and what it
// means. Responses are `{"error": {"code", "message"}}`; a code not in the catalogue is a bug
// and goes out as a bare 500 (details on the server's stderr, never a stack trace to clients).
import { isAutonomyError } from '../../../common/errors.ts';

/** code → HTTP status and a one-line meaning (docs/fleet.md lists them). */
export const HTTP_ERRORS = {
  bad_request: { status: 400, meaning: 'the request is malformed' },
  bad_json: { status: 400, meaning: 'the body is not JSON' },
  bad_labels: { status: 400, meaning: 'labels or selector are not k=v label pairs' },
  bad_phases: { status: 400, meaning: 'the phases are not counts/percentages ending at 100%' },
  bad_duration: { status: 400, meaning: 'a duration is not like 90s, 5m, 1h' },
  bad_time: { status: 400, meaning: 'a time is neither ISO 8601 nor nanoseconds' },
  key_invalid: { status: 400, meaning: 'the public key is not an Ed25519 PEM key' },
  unauthorized: { status: 401, meaning: 'the admin credential (token or console session) is missing, wrong or expired' },
  login_failed: { status: 401, meaning: 'wrong operator name or password' },
  signature_missing: { status: 401, meaning: 'a node request lacks its signature headers' },
  signature_invalid: { status: 401, meaning: 'the node signature does not verify' },
  signature_expired: { status: 401, meaning: "the signed time is outside the replay window (check the node's clock)" },
  token_invalid: { status: 401, meaning: 'the enrollment token is unknown, expired or used' },
  forbidden: { status: 403, meaning: 'the caller may not do this (a node reading another node\'s data, a viewer changing anything)' },
  csrf_failed: { status: 403, meaning: 'a console write without the session\'s CSRF token or from another origin' },
  gateway_forbidden: { status: 403, meaning: "the node is not allowed to relay other nodes' audit and reports" },
  not_found: { status: 404, meaning: 'no such endpoint' },
  node_not_found: { status: 404, meaning: 'no such node' },
  rollout_not_found: { status: 404, meaning: 'no such rollout' },
  bundle_not_found: { status: 404, meaning: 'no bundle with that revision' },
  operator_not_found: { status: 404, meaning: 'no such operator' },
  method_not_allowed: { status: 405, meaning: 'the endpoint does not take this method' },
  node_exists: { status: 409, meaning: 'a node with this key is already enrolled' },
  bundle_conflict: { status: 409, meaning: 'the revision is already held with another digest' },
  rollout_conflict: { status: 409, meaning: 'a selected node is in another active rollout' },
  rollout_state: { status: 409, meaning: 'the rollout is not in a state that allows this' },
  audit_gap: { status: 409, meaning: 'the upload does not follow the records held; upload earlier ones first' },
  audit_busy: { status: 409, meaning: 'concurrent uploads for the node; retry' },
  no_nodes: { status: 409, meaning: 'no enrolled node matches the selector' },
  operator_exists: { status: 409, meaning: 'an operator with this name exists' },
  payload_too_large: { status: 413, meaning: 'the body exceeds the limit' },
  audit_tampered: { status: 422, meaning: 'the upload fails verification; the node is flagged' },
  audit_unsealed: { status: 422, meaning: 'the upload ends with records no checkpoint seals' },
  relay_tampered: { status: 422, meaning: 'a relayed upload does not carry its node\'s signature; the gateway is flagged' },
  login_throttled: { status: 429, meaning: 'too many failed logins; wait and retry' },
  internal: { status: 500, meaning: 'an unexpected error (see the server log)' },
  store_unavailable: { status: 503, meaning: 'the database cannot be reached' },
  shutting_down: { status: 503, meaning: 'this replica is stopping; retry (another replica may answer)' },
} as const;
export type HttpErrorCode = keyof typeof HTTP_ERRORS;

/** The status and body an error becomes, and whether it is a bug worth logging. */
export function httpError(e: unknown): { status: number; body: { error: { code: string; message: string } }; unexpected: boolean } {
  if (isAutonomyError(e) && Object.hasOwn(HTTP_ERRORS, e.code)) {
    const code = e.code as HttpErrorCode;
    return { status: HTTP_ERRORS[code].status, body: { error: { code, message: e.message } }, unexpected: code === 'store_unavailable' };
  }
  return { status: 500, body: { error: { code: 'internal', message: HTTP_ERRORS.internal.meaning } }, unexpected: true };
}
