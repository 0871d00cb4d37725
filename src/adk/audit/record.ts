// WAL records: the kinds, the fields, and the one canonical payload encoding shared by the
// writer and every reader (see docs/wal.md, "Records").
import { AutonomyError } from '../../common/errors.ts';
import { canonicalJson } from './canonical.ts';

export const FORMAT_VERSION = 1;
export const GENESIS_HASH = '0'.repeat(64);

/** Every record kind; the last four are written by the WAL itself, never by callers. */
export const RecordKind = {
  decision: 'decision',
  policyActivation: 'policy_activation',
  rollback: 'rollback',
  activationFailure: 'activation_failure',
  start: 'start',
  stop: 'stop',
  checkpoint: 'checkpoint',
  quarantine: 'quarantine',
} as const;
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];

const KINDS: ReadonlySet<string> = new Set(Object.values(RecordKind));
const CALLER_KINDS: ReadonlySet<string> = new Set([RecordKind.decision, RecordKind.policyActivation, RecordKind.rollback, RecordKind.activationFailure]);

/** What a caller appends: the decision (or policy event) as the runtime reports it. */
export interface AppendInput {
  kind: 'decision' | 'policy_activation' | 'rollback' | 'activation_failure';
  decision_id?: string;
  tool?: string;
  args?: Record<string, unknown>;
  decision?: 'allow' | 'deny';
  reasons?: readonly string[];
  revision?: string;
  digest?: string;
  agent?: unknown;
  /** Where the call came from (the request's `context`: an MCP server and transport, say). */
  context?: unknown;
  latency_ns?: number;
  detail?: Record<string, unknown>;
}

/** A record as stored (the payload's fields), plus `hash`, derived from the payload bytes. */
export interface WalRecord extends Omit<AppendInput, 'kind' | 'reasons'> {
  v: number;
  seq: number;
  epoch: number;
  time: string;
  kind: RecordKind;
  args_hash?: string;
  reasons?: string[];
  prev_hash: string;
}

/**
 * A record's fields other than seq/epoch/prev_hash, already in canonical JSON text, so the
 * group-commit loop only concatenates. Keys are listed in canonical (sorted) order.
 */
export interface PreparedFields {
  kind: RecordKind;
  /** `{` and the `"key":value,` fragments of keys that sort before "epoch". */
  head: string;
  /** `,"kind":…` and "latency_ns", the keys between "epoch" and "prev_hash". */
  mid: string;
  /** `,"reasons":…` and "revision", the keys between "prev_hash" and "seq"; may be empty. */
  mid2: string;
  /** `,"time":…`, "tool" and `,"v":1}`, the keys after "seq". */
  tail: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
const NS = /^(0|[1-9][0-9]*)$/;

const str = (v: unknown, field: string): string => {
  if (typeof v !== 'string') throw new AutonomyError('wal_bad_record', `${field} must be a string`);
  return JSON.stringify(v);
};

/** Checks a record's fields and turns them into canonical fragments; argsJson, if given, is the canonical text of args. */
export function prepareFields(
  kind: RecordKind,
  time: string,
  f: Omit<AppendInput, 'kind'> & { args_hash?: string },
  argsJson?: string,
): PreparedFields {
  if (!KINDS.has(kind)) throw new AutonomyError('wal_bad_record', `unknown record kind ${JSON.stringify(kind)}`);
  if (f.decision !== undefined && f.decision !== 'allow' && f.decision !== 'deny') throw new AutonomyError('wal_bad_record', `decision must be "allow" or "deny"`);
  if (f.latency_ns !== undefined && !(Number.isSafeInteger(f.latency_ns) && f.latency_ns >= 0)) throw new AutonomyError('wal_bad_record', 'latency_ns must be a non-negative integer');
  if (f.reasons !== undefined && !(Array.isArray(f.reasons) && f.reasons.every((r) => typeof r === 'string'))) throw new AutonomyError('wal_bad_record', 'reasons must be an array of strings');
  if (f.args !== undefined && (typeof f.args !== 'object' || f.args === null || Array.isArray(f.args))) throw new AutonomyError('wal_bad_record', 'args must be a JSON object');
  if (f.detail !== undefined && (typeof f.detail !== 'object' || f.detail === null || Array.isArray(f.detail))) throw new AutonomyError('wal_bad_record', 'detail must be a JSON object');
  let head = '{';
  if (f.agent !== undefined) head += `"agent":${canonicalJson(f.agent, 'agent')},`;
  if (f.args !== undefined) head += `"args":${argsJson ?? canonicalJson(f.args, 'args')},`;
  if (f.args_hash !== undefined) head += `"args_hash":${str(f.args_hash, 'args_hash')},`;
  if (f.context !== undefined) head += `"context":${canonicalJson(f.context, 'context')},`;
  if (f.decision !== undefined) head += `"decision":"${f.decision}",`;
  if (f.decision_id !== undefined) head += `"decision_id":${str(f.decision_id, 'decision_id')},`;
  if (f.detail !== undefined) head += `"detail":${canonicalJson(f.detail, 'detail')},`;
  if (f.digest !== undefined) head += `"digest":${str(f.digest, 'digest')},`;
  let mid = `,"kind":"${kind}"`;
  if (f.latency_ns !== undefined) mid += `,"latency_ns":${f.latency_ns}`;
  let mid2 = '';
  if (f.reasons !== undefined) mid2 += `,"reasons":${canonicalJson(f.reasons)}`;
  if (f.revision !== undefined) mid2 += `,"revision":${str(f.revision, 'revision')}`;
  let tail = `,"time":"${time}"`;
  if (f.tool !== undefined) tail += `,"tool":${str(f.tool, 'tool')}`;
  tail += `,"v":${FORMAT_VERSION}}`;
  return { kind, head, mid, mid2, tail };
}

/** True for kinds a caller may append. */
export function isCallerKind(kind: unknown): boolean {
  return typeof kind === 'string' && CALLER_KINDS.has(kind);
}

/** The canonical payload text of a prepared record at its place in the chain. */
export function payloadText(p: PreparedFields, seq: number, epoch: number, prevHash: string): string {
  return `${p.head}"epoch":${epoch}${p.mid},"prev_hash":"${prevHash}"${p.mid2},"seq":${seq}${p.tail}`;
}

/** The canonical payload text of a stored record (used to check that a payload is canonical). */
export function encodeRecord(r: WalRecord): string {
  const { seq, epoch, prev_hash, kind, time, ...rest } = r;
  return payloadText(prepareFields(kind, time, rest), seq, epoch, prev_hash);
}

/**
 * Parses a payload into a record; throws `wal_bad_record` if it is not valid JSON, lacks a
 * field, has an unknown one, or is not in canonical form.
 */
export function decodeRecord(text: string): WalRecord {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    throw new AutonomyError('wal_bad_record', 'payload is not JSON');
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new AutonomyError('wal_bad_record', 'payload is not a JSON object');
  const r = obj as Record<string, unknown>;
  if (r['v'] !== FORMAT_VERSION) throw new AutonomyError('wal_bad_record', `unsupported record version ${JSON.stringify(r['v'])}`);
  if (!(Number.isSafeInteger(r['seq']) && (r['seq'] as number) >= 1)) throw new AutonomyError('wal_bad_record', 'seq must be a positive integer');
  if (!(Number.isSafeInteger(r['epoch']) && (r['epoch'] as number) >= 1)) throw new AutonomyError('wal_bad_record', 'epoch must be a positive integer');
  if (typeof r['time'] !== 'string' || !NS.test(r['time'])) throw new AutonomyError('wal_bad_record', 'time must be decimal nanoseconds');
  if (typeof r['prev_hash'] !== 'string' || !HEX64.test(r['prev_hash'])) throw new AutonomyError('wal_bad_record', 'prev_hash must be 64 hex digits');
  if (typeof r['kind'] !== 'string' || !KINDS.has(r['kind'])) throw new AutonomyError('wal_bad_record', `unknown record kind ${JSON.stringify(r['kind'])}`);
  const record = r as unknown as WalRecord;
  // Unknown fields, reordered keys, whitespace or other number spellings all change the bytes.
  if (encodeRecord(record) !== text) throw new AutonomyError('wal_bad_record', 'payload is not in canonical form');
  return record;
}
