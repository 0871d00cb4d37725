// providers.aws.sign_req: AWS Signature Version 4 over an http.send request object, byte for byte
// as OPA computes it.
import { createHash, createHmac } from 'node:crypto';
import { ObjectValue, isNumber, makeSet, formatValue, sortedEntries, type Value } from '../value.ts';
import { T } from '../types.ts';
import { declare, operandError, operandTypeError, type BuiltinTable } from './builtin.ts';
import { object } from './args.ts';
import { goMarshal } from './gojson.ts';

const REQUIRED_AWS = ['aws_access_key', 'aws_region', 'aws_secret_access_key', 'aws_service'];
const REQUEST_KEYS = new Set([
  'method', 'url', 'body', 'enable_redirect', 'force_json_decode', 'force_yaml_decode', 'headers', 'raw_body', 'tls_use_system_certs', 'tls_ca_cert', 'tls_ca_cert_file',
  'tls_ca_cert_env_variable', 'tls_client_cert', 'tls_client_cert_file', 'tls_client_cert_env_variable', 'tls_client_key', 'tls_client_key_file', 'tls_client_key_env_variable',
  'tls_insecure_skip_verify', 'tls_server_name', 'timeout', 'cache', 'force_cache', 'force_cache_duration_seconds', 'raise_error', 'caching_mode', 'max_retry_attempts', 'cache_ignored_headers',
]);
const IGNORED_HEADERS = new Set(['authorization', 'user-agent', 'x-amzn-trace-id']);

const setText = (xs: string[]): string => formatValue(makeSet(xs));
const text = (v: Value | undefined): string => (typeof v === 'string' ? v : '');
const sha256hex = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex');
const hmac = (key: Buffer | string, msg: string): Buffer => createHmac('sha256', key).update(msg).digest();

/** Go's url.URL Host, EscapedPath and RawQuery of a URL string. */
function urlParts(u: string): { host: string; path: string; query: string } {
  const m = /^(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?/.exec(u)!;
  const raw = m[2] ?? '';
  // EscapedPath keeps a valid escaping as written and escapes anything else.
  const path = /^([A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/.test(raw) ? raw : encodeURI(raw);
  return { host: m[1] ?? '', path, query: m[3] ?? '' };
}

function signReq(args: readonly Value[]): Value {
  const req = object(args, 1);
  const cfg = object([args[1]!], 1);
  const keys = [...cfg.keyValues()].filter((k): k is string => typeof k === 'string');
  const missing = REQUIRED_AWS.filter((k) => !keys.includes(k));
  if (missing.length) throw operandError(2, `missing required AWS config parameters(s): ${setText(missing)}`);
  const invalid = REQUIRED_AWS.filter((k) => typeof cfg.get(k) !== 'string');
  if (invalid.length) throw operandError(2, `invalid values for required AWS config parameters(s): ${setText(invalid)}`);
  const ts = args[2]!;
  if (!isNumber(ts)) throw operandTypeError(1, ts, 'number');
  if (typeof ts === 'number' && !Number.isInteger(ts)) throw operandError(3, 'could not convert time_ns value into a unix timestamp');
  const reqKeys = [...req.keyValues()].map((k) => (typeof k === 'string' ? k : formatValue(k)));
  const missingReq = ['method', 'url'].filter((k) => !reqKeys.includes(k));
  if (missingReq.length) throw operandError(1, `missing required request parameters(s): ${setText(missingReq)}`);
  const badReq = reqKeys.filter((k) => !REQUEST_KEYS.has(k));
  if (badReq.length) throw operandError(1, `invalid request parameters(s): ${setText(badReq)}`);
  let headers = new ObjectValue();
  const h = req.get('headers');
  if (h !== undefined) {
    if (!(h instanceof ObjectValue)) throw operandTypeError(0, h, 'object');
    headers = h;
  }
  const invalidReq = ['url', 'method'].filter((k) => typeof req.get(k) !== 'string');
  if (invalidReq.length) throw operandError(1, `invalid values for required request parameters(s): ${setText(invalidReq)}`);
  const rawBody = req.get('raw_body');
  const jsonBody = req.get('body');
  const body = rawBody !== undefined ? text(rawBody) : jsonBody !== undefined ? goMarshal(jsonBody) : '';
  const dps = cfg.get('disable_payload_signing');
  if (dps !== undefined && typeof dps !== 'boolean') throw operandError(2, "invalid value for 'disable_payload_signing' in AWS config");

  const service = text(cfg.get('aws_service'));
  const region = text(cfg.get('aws_region'));
  const token = text(cfg.get('aws_session_token'));
  const { host, path, query } = urlParts(text(req.get('url')));
  const iso = new Date(Number(BigInt(ts) / 1_000_000n)).toISOString();
  const date = iso.slice(0, 10).replaceAll('-', '');
  const stamp = `${date}T${iso.slice(11, 19).replaceAll(':', '')}Z`;
  const contentHash = dps === true ? 'UNSIGNED-PAYLOAD' : sha256hex(Buffer.from(body, 'utf8'));
  const aws: Record<string, string> = { host, 'x-amz-date': stamp };
  if (service === 's3' || service === 'glacier') aws['x-amz-content-sha256'] = contentHash;
  if (token !== '') aws['x-amz-security-token'] = token;
  const toSign = new Map<string, string>(Object.entries(aws));
  const original: [string, string][] = sortedEntries(headers).map(([k, v]) => [text(k), text(v)]);
  for (const [k, v] of original) if (!IGNORED_HEADERS.has(k.toLowerCase())) toSign.set(k.toLowerCase(), v);
  const ordered = [...toSign.keys()].sort();
  const signedHeaders = ordered.join(';');
  const canonical = `${text(req.get('method'))}\n${path}\n${query}\n${ordered.map((k) => `${k}:${toSign.get(k)}\n`).join('')}\n${signedHeaders}\n${contentHash}`;
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${stamp}\n${scope}\n${sha256hex(canonical)}`;
  let key = hmac(`AWS4${text(cfg.get('aws_secret_access_key'))}`, date);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  const signature = hmac(key, stringToSign).toString('hex');
  const auth = `AWS4-HMAC-SHA256 Credential=${text(cfg.get('aws_access_key'))}/${scope},SignedHeaders=${signedHeaders},Signature=${signature}`;

  const signed = new ObjectValue();
  for (const [k, v] of original) signed.set(k, v);
  signed.set('Authorization', auth);
  for (const [k, v] of Object.entries(aws)) signed.set(k, v);
  const out = new ObjectValue(new Map(req.vals), req.keys && new Map(req.keys));
  out.set('headers', signed);
  return out;
}

/** Registers providers.aws.sign_req. */
export function register(table: BuiltinTable): void {
  declare(table, {
    name: 'providers.aws.sign_req',
    category: 'providers.aws',
    args: [T.object(T.string, T.any), T.object(T.string, T.any), T.number],
    result: T.object(T.string, T.any),
    impl: signReq,
  });
}
