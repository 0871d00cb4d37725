// A node's membership in a fleet: `autonomy node enroll` registers the node's key (the same
// Ed25519 key that signs its WAL checkpoints, so the orchestrator verifies uploads against the
// identity it enrolled) and records where the orchestrator is, for `serve --orchestrator`.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { NODE_KEY } from '../audit/index.ts';
import { loadOrCreateKey } from '../../common/ed25519.ts';
import { AutonomyError, isAutonomyError } from '../../common/errors.ts';
import type { UploadPosition } from '../orchestrator/agent/audit-uploader.ts';
import { NodeClient } from '../orchestrator/agent/node-client.ts';

/** STATE/orchestrator.json: what enrollment recorded. */
export interface Enrollment {
  url: string;
  node_id: string;
  labels: Record<string, string>;
  enrolled_at: string;
}

const FILE = 'orchestrator.json';

/** The node key of a state directory (created on first use, shared with the WAL). */
export function nodeKey(state: string): KeyObject {
  mkdirSync(state, { recursive: true, mode: 0o700 });
  return loadOrCreateKey(state, NODE_KEY);
}

/** Enrolls the state directory's node key with a one-time token and records the enrollment. */
export async function enrollNode(state: string, url: string, token: string): Promise<Enrollment & { already: boolean }> {
  const key = nodeKey(state);
  let enrolled: Awaited<ReturnType<typeof NodeClient.enroll>>;
  try {
    enrolled = await NodeClient.enroll(url, key, token);
  } catch (e) {
    // Enrolling again (a script re-run) is not an error when this very key is recorded as enrolled there.
    const prior = isAutonomyError(e) && e.code === 'node_exists' ? readEnrollment(state) : null;
    if (prior !== null && prior.url === url.replace(/\/+$/, '') && prior.node_id === new NodeClient(url, key).nodeId) return { ...prior, already: true };
    throw e;
  }
  const { client, labels } = enrolled;
  const e: Enrollment = { url: client.base, node_id: client.nodeId, labels, enrolled_at: new Date().toISOString() };
  // Written whole then renamed: a crash leaves the old enrollment or the new one, never half.
  const tmp = join(state, `${FILE}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(e, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, join(state, FILE));
  return { ...e, already: false };
}

/** The recorded enrollment, or null when the node never enrolled. */
export function readEnrollment(state: string): Enrollment | null {
  const file = join(state, FILE);
  if (!existsSync(file)) return null;
  let e: Partial<Enrollment>;
  try {
    e = JSON.parse(readFileSync(file, 'utf8')) as Partial<Enrollment>;
  } catch (cause) {
    throw new AutonomyError('bad_config', `${file} is not valid JSON; enroll again with \`autonomy node enroll\``, { cause });
  }
  if (typeof e.url !== 'string' || typeof e.node_id !== 'string') throw new AutonomyError('bad_config', `${file} lacks url or node_id; enroll again with \`autonomy node enroll\``);
  return { url: e.url, node_id: e.node_id, labels: e.labels ?? {}, enrolled_at: e.enrolled_at ?? '' };
}

/** The client of an enrolled node for the orchestrator at url; refuses a node never enrolled there. */
export function enrolledClient(state: string, url: string): NodeClient {
  const e = readEnrollment(state);
  const base = url.replace(/\/+$/, '');
  if (e === null) throw new AutonomyError('not_enrolled', `the node in ${state} is not enrolled; run \`autonomy node enroll --orchestrator ${base} --token T --state ${state}\` first`);
  if (e.url !== base) throw new AutonomyError('not_enrolled', `the node in ${state} is enrolled with ${e.url}, not ${base}; enroll it with ${base} first`);
  const client = new NodeClient(base, nodeKey(state));
  if (client.nodeId !== e.node_id) throw new AutonomyError('not_enrolled', `the node key in ${state} (${client.nodeId}) is not the one enrolled (${e.node_id}); enroll again`);
  return client;
}

const UPLOAD_FILE = 'orchestrator-upload.json';
const ACTIVE_FILE = 'orchestrator-active.json';

/** The orchestrator's name for the policy with this digest, if the node recorded one. */
export function readActiveName(state: string, digest: string, warn: (line: string) => void): string | null {
  // Without it the node reports the manifest's revision, and the orchestrator re-sends if it differs.
  const a = readStateFile(state, ACTIVE_FILE, warn, "reporting the manifest's revision", (v) => {
    const r = v as { revision?: unknown; digest?: unknown } | null;
    return r !== null && typeof r === 'object' && typeof r.revision === 'string' ? { revision: r.revision, digest: r.digest } : null;
  });
  return a !== null && a.digest === digest ? a.revision : null;
}

/** Records the orchestrator's name for the active policy (a push may rename a bundle with --revision). */
export function writeActiveName(state: string, revision: string, digest: string): void {
  writeStateFile(state, ACTIVE_FILE, { revision, digest });
}

/** Where the last run's audit uploads stopped, or null (start from the first segment). */
export function readUploadPosition(state: string, warn: (line: string) => void): UploadPosition | null {
  // Starting over only re-sends records the orchestrator already has (it ignores repeats).
  return readStateFile(state, UPLOAD_FILE, warn, 'audit uploads start from the first segment', (v) => {
    const p = v as Partial<UploadPosition> | null;
    return p !== null && typeof p.segment === 'string' && Number.isSafeInteger(p.offset) ? { segment: p.segment, offset: p.offset! } : null;
  });
}

/** Records where audit uploads stopped (whole-file replace, so a crash leaves the old or the new). */
export function writeUploadPosition(state: string, pos: UploadPosition): void {
  writeStateFile(state, UPLOAD_FILE, pos);
}

const REPORT_SEQ_FILE = 'orchestrator-report-seq.json';

/** The last report sequence the node used (0: none recorded). */
export function readReportSeq(state: string, warn: (line: string) => void): number {
  // Without it the sequence restarts from the wall clock, which is right unless the clock went back.
  return readStateFile(state, REPORT_SEQ_FILE, warn, 'report sequences start from the clock', (v) => (Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : null)) ?? 0;
}

/** Records the last report sequence used. */
export function writeReportSeq(state: string, seq: number): void {
  writeStateFile(state, REPORT_SEQ_FILE, seq);
}

const RELAYED_FILE = 'gateway-relayed.json';

/** The edge segments a gateway already uploaded or saw refused (what the last run recorded). */
export function readRelayed(state: string, warn: (line: string) => void): string[] {
  // Starting over only re-sends envelopes the orchestrator already holds (it ignores repeats).
  return readStateFile(state, RELAYED_FILE, warn, 'relayed envelopes still held by edged are uploaded again', (v) => (Array.isArray(v) && v.every((h) => typeof h === 'string') ? v : null)) ?? [];
}

/** Records the segments a gateway is done with. */
export function writeRelayed(state: string, done: readonly string[]): void {
  writeStateFile(state, RELAYED_FILE, done);
}

/** A JSON file of the state directory read through check; null (and a warning naming what follows) when absent or unusable. */
function readStateFile<T>(state: string, name: string, warn: (line: string) => void, otherwise: string, check: (v: unknown) => T | null): T | null {
  const file = join(state, name);
  if (!existsSync(file)) return null;
  try {
    const v = check(JSON.parse(readFileSync(file, 'utf8')));
    if (v === null) warn(`${file} does not hold what it should; ${otherwise}`);
    return v;
  } catch (e) {
    warn(`${file} is unreadable (${e instanceof Error ? e.message : String(e)}); ${otherwise}`);
    return null;
  }
}

/** Replaces a JSON file of the state directory whole (a crash leaves the old or the new). */
function writeStateFile(state: string, name: string, v: unknown): void {
  const tmp = join(state, `${name}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(v)}\n`, { mode: 0o600 });
  renameSync(tmp, join(state, name));
}
