// The envelope in which a node hands sealed WAL bytes to its local edged for a gateway node to
// upload (docs/fleet.md, "Uploads through the edge relay"). The edge relay moves it as opaque,
// content-addressed bytes; the envelope says whose records they are and where they sit, and is
// signed by the node's own key, so a gateway can deliver a node's audit but neither forge nor
// alter it without the orchestrator telling which hop is at fault:
//
//   autonomy-audit-relay/v1\n
//   {"node","segment","offset","sha256","signature"}\n     one line of JSON
//   the WAL bytes
//
// The signature (base64 Ed25519) covers `autonomy-audit-relay/v1\nNODE\nSEGMENT\nOFFSET\nSHA256`.
// It carries no time: an upload is idempotent, so a replayed envelope changes nothing.
import type { KeyObject } from 'node:crypto';
import { sign, verify } from '../../../common/ed25519.ts';
import { AutonomyError } from '../../../common/errors.ts';
import { sha256Hex } from '../../../common/hash.ts';

const MAGIC = Buffer.from('autonomy-audit-relay/v1\n', 'utf8');
/** A header line longer than this is not one of ours. */
const MAX_HEADER = 4096;

/** A decoded envelope: the upload it carries and the node's signature over it. */
export interface RelayEnvelope {
  node: string;
  segment: string;
  offset: number;
  /** Hex SHA-256 the node signed for the bytes. */
  sha256: string;
  signature: Buffer;
  bytes: Buffer;
}

function signedText(node: string, segment: string, offset: number, sha256: string): Buffer {
  return Buffer.from(`autonomy-audit-relay/v1\n${node}\n${segment}\n${offset}\n${sha256}`, 'utf8');
}

/** Wraps sealed WAL bytes of one segment from offset, signed by the node's key. */
export function encodeEnvelope(key: KeyObject, node: string, segment: string, offset: number, bytes: Buffer): Buffer {
  const sha256 = sha256Hex(bytes);
  const signature = sign(key, signedText(node, segment, offset, sha256)).toString('base64');
  return Buffer.concat([MAGIC, Buffer.from(`${JSON.stringify({ node, segment, offset, sha256, signature })}\n`, 'utf8'), bytes]);
}

/** True iff bytes start like an envelope (a gateway skips other edge traffic). */
export function isEnvelope(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && Buffer.from(bytes.buffer, bytes.byteOffset, MAGIC.length).equals(MAGIC);
}

/** Reads an envelope; throws bad_request when it is not a well-formed one. */
export function decodeEnvelope(bytes: Buffer): RelayEnvelope {
  if (!isEnvelope(bytes)) throw new AutonomyError('bad_request', 'the body is not an audit relay envelope (autonomy-audit-relay/v1)');
  const nl = bytes.indexOf(0x0a, MAGIC.length);
  if (nl < 0 || nl - MAGIC.length > MAX_HEADER) throw new AutonomyError('bad_request', 'the audit relay envelope has no header line');
  let h: Record<string, unknown>;
  try {
    h = JSON.parse(bytes.subarray(MAGIC.length, nl).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new AutonomyError('bad_request', 'the audit relay envelope header is not JSON');
  }
  const { node, segment, offset, sha256, signature } = h;
  if (typeof node !== 'string' || typeof segment !== 'string' || typeof sha256 !== 'string' || typeof signature !== 'string' || !Number.isSafeInteger(offset) || (offset as number) < 0) {
    throw new AutonomyError('bad_request', 'the audit relay envelope header needs node, segment, offset, sha256 and signature');
  }
  return { node, segment, offset: offset as number, sha256, signature: Buffer.from(signature, 'base64'), bytes: bytes.subarray(nl + 1) };
}

/** Why the envelope does not verify against the node's key, or null when it does. */
export function envelopeProblem(env: RelayEnvelope, nodeKey: KeyObject): string | null {
  const actual = sha256Hex(env.bytes);
  if (actual !== env.sha256) return `the bytes hash to ${actual}, the node signed ${env.sha256}`;
  if (!verify(nodeKey, signedText(env.node, env.segment, env.offset, env.sha256), env.signature)) return `the envelope signature does not verify against the key enrolled for node ${env.node}`;
  return null;
}
