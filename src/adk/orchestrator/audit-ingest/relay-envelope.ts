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
//
// A node's status report travels the same way in a status envelope (`autonomy-status-relay/v1`,
// header {"node","seq","sha256","signature"}, then the report's JSON), signed over
// `autonomy-status-relay/v1\nNODE\nSEQ\nSHA256`. A report is not idempotent, so it carries the
// node's report sequence: the orchestrator applies one only if its sequence is higher than the
// last it applied for that node (direct reports carry the same sequence), so a replayed or
// reordered old report never overwrites a newer one.
//
// Toward the node, a gateway hands on the node's desired state with the bundle bytes in a desired
// envelope (`autonomy-desired-relay/v1`, header {"node","revision","digest","version"}, then the
// bundle). Nobody signs it: the node trusts only the bundle's own signature, checked against its
// --trust keys exactly as for a download, so neither the gateway nor the orchestrator can forge
// policy; the version only lets the node ignore an older envelope than one it already acted on.
import type { KeyObject } from 'node:crypto';
import { sign, verify } from '../../../common/ed25519.ts';
import { AutonomyError } from '../../../common/errors.ts';
import { sha256Hex } from '../../../common/hash.ts';

const MAGIC = Buffer.from('autonomy-audit-relay/v1\n', 'utf8');
const STATUS_MAGIC = Buffer.from('autonomy-status-relay/v1\n', 'utf8');
const DESIRED_MAGIC = Buffer.from('autonomy-desired-relay/v1\n', 'utf8');
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

/** A decoded status envelope: a node's report (JSON bytes) with its report sequence. */
export interface StatusEnvelope {
  node: string;
  /** The node's report sequence: the orchestrator applies only a report newer than the last applied. */
  seq: number;
  sha256: string;
  signature: Buffer;
  bytes: Buffer;
}

function signedText(node: string, segment: string, offset: number, sha256: string): Buffer {
  return Buffer.from(`autonomy-audit-relay/v1\n${node}\n${segment}\n${offset}\n${sha256}`, 'utf8');
}

function statusSignedText(node: string, seq: number, sha256: string): Buffer {
  return Buffer.from(`autonomy-status-relay/v1\n${node}\n${seq}\n${sha256}`, 'utf8');
}

function frame(magic: Buffer, header: Record<string, unknown>, bytes: Buffer): Buffer {
  return Buffer.concat([magic, Buffer.from(`${JSON.stringify(header)}\n`, 'utf8'), bytes]);
}

function startsWith(bytes: Uint8Array, magic: Buffer): boolean {
  return bytes.length >= magic.length && Buffer.from(bytes.buffer, bytes.byteOffset, magic.length).equals(magic);
}

/** The header line (JSON) and the bytes after it; throws bad_request when malformed. */
function unframe(magic: Buffer, what: string, bytes: Buffer): { h: Record<string, unknown>; bytes: Buffer } {
  if (!startsWith(bytes, magic)) throw new AutonomyError('bad_request', `the body is not ${what} (${magic.toString('utf8').trim()})`);
  const nl = bytes.indexOf(0x0a, magic.length);
  if (nl < 0 || nl - magic.length > MAX_HEADER) throw new AutonomyError('bad_request', `the ${what} has no header line`);
  try {
    return { h: JSON.parse(bytes.subarray(magic.length, nl).toString('utf8')) as Record<string, unknown>, bytes: bytes.subarray(nl + 1) };
  } catch {
    throw new AutonomyError('bad_request', `the ${what} header is not JSON`);
  }
}

/** Why the bytes or the signature do not match what the node signed, or null when they do. */
function signedProblem(bytes: Buffer, sha256: string, text: Buffer, signature: Buffer, nodeKey: KeyObject, node: string, what: string): string | null {
  const actual = sha256Hex(bytes);
  if (actual !== sha256) return `the bytes hash to ${actual}, the node signed ${sha256}`;
  if (!verify(nodeKey, text, signature)) return `the ${what} signature does not verify against the key enrolled for node ${node}`;
  return null;
}

/** Wraps sealed WAL bytes of one segment from offset, signed by the node's key. */
export function encodeEnvelope(key: KeyObject, node: string, segment: string, offset: number, bytes: Buffer): Buffer {
  const sha256 = sha256Hex(bytes);
  const signature = sign(key, signedText(node, segment, offset, sha256)).toString('base64');
  return frame(MAGIC, { node, segment, offset, sha256, signature }, bytes);
}

/** True iff bytes start like an audit envelope (a gateway skips other edge traffic). */
export function isEnvelope(bytes: Uint8Array): boolean {
  return startsWith(bytes, MAGIC);
}

/** Reads an envelope; throws bad_request when it is not a well-formed one. */
export function decodeEnvelope(bytes: Buffer): RelayEnvelope {
  const { h, bytes: body } = unframe(MAGIC, 'an audit relay envelope', bytes);
  const { node, segment, offset, sha256, signature } = h;
  if (typeof node !== 'string' || typeof segment !== 'string' || typeof sha256 !== 'string' || typeof signature !== 'string' || !Number.isSafeInteger(offset) || (offset as number) < 0) {
    throw new AutonomyError('bad_request', 'the audit relay envelope header needs node, segment, offset, sha256 and signature');
  }
  return { node, segment, offset: offset as number, sha256, signature: Buffer.from(signature, 'base64'), bytes: body };
}

/** Why the envelope does not verify against the node's key, or null when it does. */
export function envelopeProblem(env: RelayEnvelope, nodeKey: KeyObject): string | null {
  return signedProblem(env.bytes, env.sha256, signedText(env.node, env.segment, env.offset, env.sha256), env.signature, nodeKey, env.node, 'envelope');
}

/** Wraps a status report (its JSON bytes) with the node's report sequence, signed by the node's key. */
export function encodeStatusEnvelope(key: KeyObject, node: string, seq: number, report: Buffer): Buffer {
  const sha256 = sha256Hex(report);
  const signature = sign(key, statusSignedText(node, seq, sha256)).toString('base64');
  return frame(STATUS_MAGIC, { node, seq, sha256, signature }, report);
}

/** True iff bytes start like a status envelope. */
export function isStatusEnvelope(bytes: Uint8Array): boolean {
  return startsWith(bytes, STATUS_MAGIC);
}

/** Reads a status envelope; throws bad_request when it is not a well-formed one. */
export function decodeStatusEnvelope(bytes: Buffer): StatusEnvelope {
  const { h, bytes: body } = unframe(STATUS_MAGIC, 'a status relay envelope', bytes);
  const { node, seq, sha256, signature } = h;
  if (typeof node !== 'string' || typeof sha256 !== 'string' || typeof signature !== 'string' || !Number.isSafeInteger(seq) || (seq as number) <= 0) {
    throw new AutonomyError('bad_request', 'the status relay envelope header needs node, seq (a positive integer), sha256 and signature');
  }
  return { node, seq: seq as number, sha256, signature: Buffer.from(signature, 'base64'), bytes: body };
}

/** Why the status envelope does not verify against the node's key, or null when it does. */
export function statusEnvelopeProblem(env: StatusEnvelope, nodeKey: KeyObject): string | null {
  return signedProblem(env.bytes, env.sha256, statusSignedText(env.node, env.seq, env.sha256), env.signature, nodeKey, env.node, 'status envelope');
}

/** A decoded desired envelope: what the orchestrator wants a node to run, and the bundle bytes. */
export interface DesiredEnvelope {
  node: string;
  revision: string;
  /** Hex SHA-256 the orchestrator announced for the bundle. */
  digest: string;
  /** The orchestrator's desired-state version (the node acts only on a newer one). */
  version: number;
  bytes: Buffer;
}

/** Wraps a node's desired revision and its bundle bytes, for a gateway to hand to the node's edged. */
export function encodeDesiredEnvelope(d: Omit<DesiredEnvelope, 'bytes'>, bundle: Buffer): Buffer {
  return frame(DESIRED_MAGIC, { node: d.node, revision: d.revision, digest: d.digest, version: d.version }, bundle);
}

/** True iff bytes start like a desired envelope. */
export function isDesiredEnvelope(bytes: Uint8Array): boolean {
  return startsWith(bytes, DESIRED_MAGIC);
}

/** Reads a desired envelope; throws bad_request when it is not a well-formed one. */
export function decodeDesiredEnvelope(bytes: Buffer): DesiredEnvelope {
  const { h, bytes: body } = unframe(DESIRED_MAGIC, 'a desired-state relay envelope', bytes);
  const { node, revision, digest, version } = h;
  if (typeof node !== 'string' || typeof revision !== 'string' || typeof digest !== 'string' || !Number.isSafeInteger(version)) {
    throw new AutonomyError('bad_request', 'the desired-state relay envelope header needs node, revision, digest and version');
  }
  return { node, revision, digest, version: version as number, bytes: body };
}
