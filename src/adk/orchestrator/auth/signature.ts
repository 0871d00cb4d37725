// Node request signatures: every node request is signed with the node's Ed25519 key over the
// method, the path (with query), the SHA-256 of the body, the node id and the time. The server
// accepts a signature only within a window around its own clock; state-changing requests are
// also ordered by that signed time (store.applyReport), so a replay cannot undo a newer report.
import type { KeyObject } from 'node:crypto';
import { sign, verify } from '../../../common/ed25519.ts';
import { AutonomyError } from '../../../common/errors.ts';
import { sha256Hex } from '../../../common/hash.ts';

export const NODE_HEADER = 'x-autonomy-node';
export const TIME_HEADER = 'x-autonomy-time';
export const SIGNATURE_HEADER = 'x-autonomy-signature';

/** How far a request's signed time may be from the server's clock. */
export const DEFAULT_WINDOW_MS = 60_000;

/** The exact bytes a node signs for a request. */
export function requestMessage(method: string, path: string, body: Uint8Array, nodeId: string, time: number): Buffer {
  return Buffer.from(`autonomy-node-request/v1\n${method.toUpperCase()}\n${path}\n${sha256Hex(body)}\n${nodeId}\n${time}`, 'utf8');
}

/** The headers that authenticate a request as node nodeId. */
export function signRequest(key: KeyObject, nodeId: string, method: string, path: string, body: Uint8Array, time: number): Record<string, string> {
  return {
    [NODE_HEADER]: nodeId,
    [TIME_HEADER]: String(time),
    [SIGNATURE_HEADER]: sign(key, requestMessage(method, path, body, nodeId, time)).toString('base64'),
  };
}

/** A request's claimed node and signed time, before the signature is checked. */
export interface SignedClaim {
  nodeId: string;
  time: number;
  signature: Buffer;
}

/** Reads the signature headers; throws signature_missing when any is absent or malformed. */
export function readClaim(headers: Record<string, string | string[] | undefined>): SignedClaim {
  const one = (h: string): string | undefined => (Array.isArray(headers[h]) ? undefined : (headers[h] as string | undefined));
  const nodeId = one(NODE_HEADER);
  const time = Number(one(TIME_HEADER));
  const sig = one(SIGNATURE_HEADER);
  if (!nodeId || !Number.isSafeInteger(time) || !sig) throw new AutonomyError('signature_missing', `node requests must carry ${NODE_HEADER}, ${TIME_HEADER} and ${SIGNATURE_HEADER}`);
  return { nodeId, time, signature: Buffer.from(sig, 'base64') };
}

/** Throws signature_expired when the claim's signed time is outside the window around now. */
export function checkWindow(claim: SignedClaim, now: number, windowMs = DEFAULT_WINDOW_MS): void {
  if (Math.abs(now - claim.time) > windowMs) {
    throw new AutonomyError('signature_expired', `the request was signed at ${claim.time}, more than ${windowMs} ms from the orchestrator's clock (${now}); check the node's clock`);
  }
}

/** Checks a claim's window and signature against the node's public key; throws signature_invalid. */
export function checkSignature(claim: SignedClaim, publicKey: KeyObject, method: string, path: string, body: Uint8Array, now: number, windowMs = DEFAULT_WINDOW_MS): void {
  checkWindow(claim, now, windowMs);
  if (!verify(publicKey, requestMessage(method, path, body, claim.nodeId, claim.time), claim.signature)) {
    throw new AutonomyError('signature_invalid', `the request signature does not verify against the key enrolled for node ${claim.nodeId}`);
  }
}
