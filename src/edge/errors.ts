// The edge error catalogue: every coded failure the relay reports, with its HTTP status, in
// one place (after fastify's FST_ERR_* table) so the server, the client and the docs agree.
import { AutonomyError } from '../common/errors.ts';

/** code → HTTP status. */
export const EdgeErrors = {
  bad_request: 400,
  signature_invalid: 401,
  request_stale: 401,
  peer_unknown: 403,
  not_found: 404,
  segment_not_found: 404,
  entry_not_found: 404,
  request_replayed: 409,
  payload_too_large: 413,
  digest_mismatch: 422,
  segment_corrupt: 500,
  internal: 500,
  disk_ceiling: 507,
} as const;
export type EdgeErrorCode = keyof typeof EdgeErrors;

/** An AutonomyError that carries an edge code; its HTTP status comes from the catalogue. */
export function edgeError(code: EdgeErrorCode, message: string, cause?: unknown): AutonomyError {
  return new AutonomyError(code, message, cause === undefined ? {} : { cause });
}

/** The HTTP status for any error: catalogue codes map to their status, anything else is 500. */
export function statusOf(e: unknown): number {
  if (e instanceof AutonomyError && e.code in EdgeErrors) return EdgeErrors[e.code as EdgeErrorCode];
  return 500;
}
