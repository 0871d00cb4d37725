// Key material from PEM and JWK text, as OPA's JWT and crypto builtins read it.
import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { builtinError } from './builtin.ts';
import { base64urlBytes } from './gobase64.ts';
import { goUnmarshal } from './gojson.ts';
import { toJS } from '../value.ts';

/** One PEM block, as Go's pem.Decode finds it. */
export interface PemBlock {
  type: string;
  bytes: Buffer;
}

const PEM_RE = /-----BEGIN ([^-\r\n]*)-----\r?\n((?:[A-Za-z0-9+/=\s]|[^-])*?)-----END \1-----[ \t]*(\r?\n|$)/;

/** The first PEM block in text and what follows it, or undefined when there is none. */
export function pemDecode(text: string): { block: PemBlock; rest: string } | undefined {
  const m = PEM_RE.exec(text);
  if (!m) return undefined;
  // Headers ("Proc-Type: …") precede a blank line; the payload is the base64 after them.
  let body = m[2]!;
  const blank = body.search(/\r?\n\r?\n/);
  if (body.includes(':') && blank >= 0) body = body.slice(blank).trim();
  const b64 = body.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return undefined;
  return { block: { type: m[1]!, bytes: Buffer.from(b64, 'base64') }, rest: text.slice(m.index + m[0].length) };
}

/** Every PEM block in text. */
export function pemDecodeAll(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  let rest = text;
  for (let r = pemDecode(rest); r; r = pemDecode(rest)) {
    out.push(r.block);
    rest = r.rest;
  }
  return out;
}

/** A verification key: a node KeyObject (or HMAC secret bytes) with the JWK's alg and kid. */
export interface VerificationKey {
  key: KeyObject | Buffer;
  alg: string;
  kid: string;
}

export const JWT_ALGORITHMS = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'HS256', 'HS384', 'HS512', 'EdDSA']);

/** A key from one JWK object; private JWKs yield their key pair's private key. */
export function jwkKey(jwk: Record<string, unknown>): KeyObject | Buffer {
  if (jwk['kty'] === 'oct') {
    if (typeof jwk['k'] !== 'string') throw builtinError('failed to parse a JWK key (set): missing "k" for an oct key');
    return Buffer.from(base64urlBytes(jwk['k']));
  }
  try {
    return 'd' in jwk ? createPrivateKey({ key: jwk as never, format: 'jwk' }) : createPublicKey({ key: jwk as never, format: 'jwk' });
  } catch (e) {
    throw builtinError(`failed to parse a JWK key (set): ${(e as Error).message}`);
  }
}

/** The JWK objects of a JWK or JWK set text. */
export function parseJWKs(text: string): Record<string, unknown>[] {
  const r = goUnmarshal(text);
  if ('error' in r) throw builtinError(`failed to parse a JWK key (set): ${r.error}`);
  const v = toJS(r.value);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw builtinError('failed to parse a JWK key (set): invalid JWK');
  const o = v as Record<string, unknown>;
  if (Array.isArray(o['keys'])) return o['keys'] as Record<string, unknown>[];
  return [o];
}

/** OPA's getKeysFromCertOrJWK: a PEM certificate or public key, or a JWK (set). */
export function keysFromCertOrJWK(text: string): VerificationKey[] {
  const pem = pemDecode(text);
  if (pem) {
    if (pem.rest.trim() !== '') throw builtinError('extra data after a PEM certificate block');
    if (pem.block.type === 'CERTIFICATE') {
      try {
        return [{ key: new X509Certificate(pem.block.bytes).publicKey, alg: '', kid: '' }];
      } catch {
        throw builtinError('failed to parse a PEM certificate: x509: malformed certificate');
      }
    }
    if (pem.block.type === 'PUBLIC KEY') {
      try {
        return [{ key: createPublicKey({ key: pem.block.bytes, format: 'der', type: 'spki' }), alg: '', kid: '' }];
      } catch {
        throw builtinError('failed to parse a PEM public key: asn1: structure error');
      }
    }
    throw builtinError('failed to extract a Key from the PEM certificate');
  }
  const out: VerificationKey[] = [];
  for (const jwk of parseJWKs(text)) {
    const alg = typeof jwk['alg'] === 'string' ? jwk['alg'] : '';
    if (alg !== '' && !JWT_ALGORITHMS.has(alg)) continue;
    out.push({ key: jwkKey(jwk), alg, kid: typeof jwk['kid'] === 'string' ? jwk['kid'] : '' });
  }
  return out;
}
