// edge.yaml: parsed and validated in one place. Every error names the offending field, so a
// typo is reported as such instead of surfacing later as a strange relay failure.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { durationMs } from '../common/duration.ts';
import { AutonomyError } from '../common/errors.ts';
import { loadPrivateKey, loadPublicKey } from '../common/ed25519.ts';

/** The file edged writes under root once listening, so edgectl finds a daemon started on port 0. */
export const ADDR_FILE = 'edged.addr';

/** A configured peer: the only nodes this one sends to or accepts from. */
export interface PeerConfig {
  id: string;
  /** Base URL, `http://host:port`, without a trailing slash. */
  address: string;
  publicKey: KeyObject;
}

/** A validated edge.yaml. Durations are in milliseconds. */
export interface EdgeConfig {
  file: string;
  nodeId: string;
  root: string;
  listenHost: string;
  listenPort: number;
  diskCeilingBytes: number;
  maxRetries: number;
  backoffMs: number[];
  /** Maximum age of a fully acked segment; null keeps segments forever. */
  retentionMs: number | null;
  keyFile: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  knownPeers: PeerConfig[];
  maxInflightPerPeer: number;
  requestTimeoutMs: number;
  maxClockSkewMs: number;
  maxSegmentBytes: number;
}

const FIELDS = new Set([
  'node_id', 'root', 'listen', 'disk_ceiling_bytes', 'max_retries', 'backoff', 'retention', 'key_file', 'known_peers',
  'max_inflight_per_peer', 'request_timeout', 'max_clock_skew', 'max_segment_bytes',
]);
const PEER_FIELDS = new Set(['id', 'address', 'public_key_file', 'public_key']);
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

function fail(file: string, field: string, message: string, cause?: unknown): never {
  throw new AutonomyError('config_invalid', `${file}: ${field}: ${message}`, cause === undefined ? {} : { cause });
}

/** Parses `250ms`, `1s`, `5m`, `2h`, `7d` (or a number of milliseconds), or undefined. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  return typeof v === 'string' ? durationMs(v) : undefined;
}

/** Parses a byte count: an integer, or `512MiB`, `10GB`, `64KiB`. */
export function parseSize(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(v);
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) return undefined;
  const n = Math.floor(Number(m[1]) * unit);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Reads and validates an edge.yaml; throws `config_invalid` naming the field at fault. */
export function loadConfig(path: string): EdgeConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new AutonomyError('config_invalid', `${path}: cannot read the config file (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { cause: e });
  }
  return parseConfig(text, path);
}

/** Validates config text; relative paths are resolved against the config file's directory. */
export function parseConfig(text: string, file: string): EdgeConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    const pos = e instanceof YAMLParseError ? e.linePos?.[0] : undefined;
    throw new AutonomyError('config_invalid', `${file}: not valid YAML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, {
      cause: e,
      location: pos ? { file, row: pos.line, col: pos.col } : undefined,
    });
  }
  if (!isObject(doc)) fail(file, '(top level)', 'expected a mapping of settings');
  for (const k of Object.keys(doc)) if (!FIELDS.has(k)) fail(file, k, `unknown field (known: ${[...FIELDS].join(', ')})`);
  const base = dirname(resolve(file));
  const str = (field: string, v: unknown): string => {
    if (typeof v !== 'string' || v.trim() === '') fail(file, field, v === undefined ? 'required' : 'expected a non-empty string');
    return v;
  };
  const int = (field: string, v: unknown, min: number, dflt?: number): number => {
    if (v === undefined && dflt !== undefined) return dflt;
    if (v === undefined) fail(file, field, 'required');
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) fail(file, field, `expected an integer >= ${min}, got ${JSON.stringify(v)}`);
    return v;
  };
  const duration = (field: string, v: unknown, dflt: number): number => {
    if (v === undefined) return dflt;
    const ms = parseDuration(v);
    if (ms === undefined || ms === 0) fail(file, field, `expected a positive duration such as 500ms, 30s or 5m, got ${JSON.stringify(v)}`);
    return ms;
  };

  const nodeId = str('node_id', doc['node_id']);
  if (!ID.test(nodeId)) fail(file, 'node_id', `${JSON.stringify(nodeId)} must be 1-64 characters of letters, digits, '.', '_' or '-'`);
  const root = resolve(base, str('root', doc['root']));
  const listen = str('listen', doc['listen']);
  const lm = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(listen);
  if (!lm || Number(lm[2]) > 65535) fail(file, 'listen', `expected host:port such as 127.0.0.1:7400, got ${JSON.stringify(listen)}`);
  const ceilingRaw = doc['disk_ceiling_bytes'];
  if (ceilingRaw === undefined) fail(file, 'disk_ceiling_bytes', 'required');
  const diskCeilingBytes = parseSize(ceilingRaw);
  if (diskCeilingBytes === undefined || diskCeilingBytes === 0) fail(file, 'disk_ceiling_bytes', `expected a positive byte count such as 1073741824 or 1GiB, got ${JSON.stringify(ceilingRaw)}`);
  const maxRetries = int('max_retries', doc['max_retries'], 0);

  const backoffRaw = doc['backoff'];
  if (backoffRaw === undefined) fail(file, 'backoff', 'required (a list of durations such as [100ms, 1s, 5s]; the last repeats)');
  if (!Array.isArray(backoffRaw) || backoffRaw.length === 0) fail(file, 'backoff', 'expected a non-empty list of durations such as [100ms, 1s, 5s]');
  const backoffMs = backoffRaw.map((v, i) => {
    const ms = parseDuration(v);
    if (ms === undefined) fail(file, `backoff[${i}]`, `expected a duration such as 100ms, 1s or 5m, got ${JSON.stringify(v)}`);
    return ms;
  });

  const retentionRaw = doc['retention'];
  if (retentionRaw === undefined) fail(file, 'retention', "required: the maximum age of fully acked segments, such as 7d, or 'forever'");
  const retentionMs = retentionRaw === 'forever' ? null : parseDuration(retentionRaw);
  if (retentionMs === undefined || retentionMs === 0) fail(file, 'retention', `expected a positive duration such as 7d or 'forever', got ${JSON.stringify(retentionRaw)}`);

  const keyFile = resolve(base, str('key_file', doc['key_file']));
  let privateKey: KeyObject;
  try {
    privateKey = loadPrivateKey(readFileSync(keyFile, 'utf8'), keyFile);
  } catch (e) {
    const why = e instanceof AutonomyError ? e.message : `cannot read ${keyFile} (${(e as NodeJS.ErrnoException).code ?? String(e)})`;
    fail(file, 'key_file', why, e);
  }
  const publicKey = loadPublicKey(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), keyFile);

  const peersRaw = doc['known_peers'];
  if (peersRaw === undefined) fail(file, 'known_peers', 'required (a list; it may be empty)');
  if (!Array.isArray(peersRaw)) fail(file, 'known_peers', 'expected a list of {id, address, public_key_file | public_key}');
  const seen = new Set<string>();
  const knownPeers = peersRaw.map((p: unknown, i): PeerConfig => {
    const at = `known_peers[${i}]`;
    if (!isObject(p)) fail(file, at, 'expected a mapping with id, address and public_key_file or public_key');
    for (const k of Object.keys(p)) if (!PEER_FIELDS.has(k)) fail(file, `${at}.${k}`, `unknown field (known: ${[...PEER_FIELDS].join(', ')})`);
    const id = str(`${at}.id`, p['id']);
    if (!ID.test(id)) fail(file, `${at}.id`, `${JSON.stringify(id)} must be 1-64 characters of letters, digits, '.', '_' or '-'`);
    if (id === nodeId) fail(file, `${at}.id`, `${JSON.stringify(id)} is this node's own node_id`);
    if (seen.has(id)) fail(file, `${at}.id`, `duplicate peer id ${JSON.stringify(id)}`);
    seen.add(id);
    const address = str(`${at}.address`, p['address']).replace(/\/+$/, '');
    if (!/^http:\/\/(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(address)) fail(file, `${at}.address`, `expected http://host:port, got ${JSON.stringify(p['address'])}`);
    const hasFile = p['public_key_file'] !== undefined;
    const hasPem = p['public_key'] !== undefined;
    if (hasFile === hasPem) fail(file, at, 'give exactly one of public_key_file or public_key');
    const field = hasFile ? `${at}.public_key_file` : `${at}.public_key`;
    let pem = str(field, hasFile ? p['public_key_file'] : p['public_key']);
    try {
      if (hasFile) pem = readFileSync(resolve(base, pem), 'utf8');
      return { id, address, publicKey: loadPublicKey(pem, field) };
    } catch (e) {
      fail(file, field, e instanceof AutonomyError ? e.message : `cannot read ${resolve(base, pem)} (${(e as NodeJS.ErrnoException).code ?? String(e)})`, e);
    }
  });

  const maxSegmentRaw = doc['max_segment_bytes'];
  const maxSegmentBytes = maxSegmentRaw === undefined ? Math.min(diskCeilingBytes, 256 * 1024 ** 2) : parseSize(maxSegmentRaw);
  if (maxSegmentBytes === undefined || maxSegmentBytes === 0) fail(file, 'max_segment_bytes', `expected a positive byte count, got ${JSON.stringify(maxSegmentRaw)}`);

  return {
    file,
    nodeId,
    root,
    listenHost: lm[1]!.replace(/^\[|\]$/g, ''),
    listenPort: Number(lm[2]),
    diskCeilingBytes,
    maxRetries,
    backoffMs,
    retentionMs,
    keyFile,
    privateKey,
    publicKey,
    knownPeers,
    maxInflightPerPeer: int('max_inflight_per_peer', doc['max_inflight_per_peer'], 1, 4),
    requestTimeoutMs: duration('request_timeout', doc['request_timeout'], 30_000),
    maxClockSkewMs: duration('max_clock_skew', doc['max_clock_skew'], 30_000),
    maxSegmentBytes,
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
