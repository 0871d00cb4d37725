// io.jwt.*: decoding, verification and signing of JSON Web Tokens (JWS compact form), with
// OPA's constraint handling and error texts.
import { ObjectValue, compare, isNumber, type Value } from '../value.ts';
import { T } from '../types.ts';
import { builtinError, declare, type BuiltinContext, type BuiltinTable } from './builtin.ts';
import { object, str } from './args.ts';
import { base64urlBytes } from './gobase64.ts';
import { goJSONValid, goMarshal, goUnmarshal } from './gojson.ts';
import { JWT_ALGORITHMS, jwkKey, keysFromCertOrJWK, parseJWKs, type VerificationKey } from './keys.ts';
import { jwsSign, jwsVerify } from './jws.ts';

interface Token {
  header: string;
  payload: string;
  signature: string;
}

const utf8 = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

function splitToken(v: Value): Token {
  const s = str([v], 1);
  if (!s.includes('.')) throw builtinError('encoded JWT had no period separators');
  const parts = s.split('.');
  if (parts.length !== 3) throw builtinError(`encoded JWT must have 3 sections, found ${parts.length}`);
  return { header: parts[0]!, payload: parts[1]!, signature: parts[2]! };
}

function jsonObject(text: string): ObjectValue {
  const r = goUnmarshal(text);
  if ('error' in r) throw builtinError(`invalid JSON: ${r.error}`);
  if (!(r.value instanceof ObjectValue)) throw builtinError('decoded JSON type was not an Object');
  return r.value;
}

/** base64url-decodes a token part, prefixing failures the way OPA does for that part. */
function part(text: string, what: string): Uint8Array {
  try {
    return base64urlBytes(text);
  } catch (e) {
    throw builtinError(`JWT ${what} had invalid encoding: ${(e as Error).message}`);
  }
}

function decodeHeader(t: Token): ObjectValue {
  let h: ObjectValue;
  try {
    h = jsonObject(utf8(part(t.header, 'header')));
  } catch (e) {
    if ((e as Error).message.startsWith('JWT header')) throw e;
    throw builtinError(`bad JWT header: ${(e as Error).message}`);
  }
  if (h.get('enc') !== undefined) throw builtinError('JWT is a JWE object, which is not supported');
  return h;
}

function decode(v: Value): Value {
  const t = splitToken(v);
  const header = decodeHeader(t);
  let p = utf8(part(t.payload, 'payload'));
  if (header.get('cty') === 'JWT') {
    // A nested token may be quoted (jwt.io does so).
    p = p.replace(/^["']+|["']+$/g, '');
    return decode(p);
  }
  const payload = jsonObject(p);
  const sig = part(t.signature, 'signature');
  return [header, payload, Buffer.from(sig).toString('hex')];
}

interface Header {
  alg: string;
  kid: string;
  cty: string;
  crit: Set<string>;
  unknown: string[];
}

function parseHeader(h: ObjectValue): Header {
  const out: Header = { alg: '', kid: '', cty: '', crit: new Set(), unknown: [] };
  for (const [k, v] of h.entries()) {
    const name = k as string;
    if (name === 'alg' || name === 'kid' || name === 'typ' || name === 'cty') {
      if (typeof v !== 'string') throw builtinError(`${name}: must be a string`);
      if (name !== 'typ') out[name] = v;
    } else if (name === 'crit') {
      if (!Array.isArray(v)) throw builtinError('crit: must be a list');
      for (const x of v as readonly Value[]) if (typeof x === 'string') out.crit.add(x);
      if (out.crit.size === 0) throw builtinError('crit: must be a nonempty list');
    } else out.unknown.push(name);
  }
  return out;
}

const headerValid = (h: Header): boolean => h.alg !== '' && !h.unknown.some((u) => h.crit.has(u));

function signature(t: Token): Buffer {
  return Buffer.from(base64urlBytes(t.signature));
}

/** io.jwt.verify_{RS,PS,ES}*, verify_eddsa: any key of a certificate, public key or JWKS. */
function verifyWith(alg: string) {
  return (args: readonly Value[]): Value => {
    const t = splitToken(args[0]!);
    const keys = keysFromCertOrJWK(str(args, 2));
    const sig = signature(t);
    const header = parseHeader(decodeHeader(t));
    const data = Buffer.from(`${t.header}.${t.payload}`);
    if (header.kid !== '') {
      const k = keys.find((x) => x.kid === header.kid);
      if (k) return jwsVerify(k.key, alg, data, sig);
    }
    for (const k of keys) {
      if (k.alg !== '' && k.alg !== header.alg) continue;
      if (jwsVerify(k.key, alg, data, sig)) return true;
    }
    return false;
  };
}

function verifyHS(alg: string) {
  return (args: readonly Value[]): Value => {
    const jwt = str(args, 1);
    const secret = str(args, 2);
    const t = splitToken(jwt);
    return jwsVerify(Buffer.from(secret, 'utf8'), alg, Buffer.from(`${t.header}.${t.payload}`), signature(t));
  };
}

interface Constraints {
  secret: string;
  alg: string;
  iss: string;
  aud: string;
  keys?: VerificationKey[];
  time: number;
}

function timeFrom(v: Value): number {
  if (!isNumber(v)) throw builtinError('token time constraint: must be a number');
  const t = Number(v);
  if (t < 0) throw builtinError('token time constraint: must not be negative');
  return t;
}

function parseConstraints(o: ObjectValue, ctx: BuiltinContext): Constraints {
  const c: Constraints = { secret: '', alg: '', iss: '', aud: '', time: -1 };
  for (const [k, v] of o.entries()) {
    const name = typeof k === 'string' ? k : '';
    if (name === 'cert') {
      if (typeof v !== 'string') throw builtinError('cert constraint: must be a string');
      c.keys = keysFromCertOrJWK(v);
    } else if (name === 'secret' || name === 'alg' || name === 'iss' || name === 'aud') {
      if (typeof v !== 'string') throw builtinError(`${name} constraint: must be a string`);
      c[name] = v;
    } else if (name === 'time') c.time = timeFrom(v);
    else throw builtinError(`unknown token validation constraint: ${name}`);
  }
  if (c.time === -1) c.time = Number(ctx.nowNs);
  const n = (c.keys ? 1 : 0) + (c.secret !== '' ? 1 : 0);
  if (n > 1) throw builtinError('duplicate key constraints');
  if (n < 1) throw builtinError('no key constraint');
  return c;
}

function constraintsVerify(c: Constraints, h: Header, t: Token, sig: Buffer): boolean {
  const data = Buffer.from(`${t.header}.${t.payload}`);
  if (!JWT_ALGORITHMS.has(h.alg)) return false;
  if (c.keys) {
    if (h.kid !== '') {
      const k = c.keys.find((x) => x.kid === h.kid);
      if (k) return jwsVerify(k.key, h.alg, data, sig);
    }
    return c.keys.some((k) => (k.alg === '' || k.alg === h.alg) && jwsVerify(k.key, h.alg, data, sig));
  }
  return jwsVerify(Buffer.from(c.secret, 'utf8'), h.alg, data, sig);
}

function decodeVerify(args: readonly Value[], ctx: BuiltinContext): Value {
  const unverified: Value = [false, new ObjectValue(), new ObjectValue()];
  const c = parseConstraints(object(args, 2), ctx);
  let a = args[0]!;
  let t: Token;
  let header: ObjectValue;
  let p: string;
  for (;;) {
    t = splitToken(a);
    header = decodeHeader(t);
    const h = parseHeader(header);
    if (!headerValid(h)) return unverified;
    if (c.alg !== '' && c.alg !== h.alg) return unverified;
    const sig = signature(t);
    if (!constraintsVerify(c, h, t, sig)) return unverified;
    p = utf8(part(t.payload, 'payload'));
    if (h.cty.toLowerCase() === 'jwt') {
      a = p;
      continue;
    }
    break;
  }
  const payload = jsonObject(p);
  if (c.iss !== '') {
    const iss = payload.get('iss');
    if (iss === undefined || iss !== c.iss) return unverified;
  }
  const aud = payload.get('aud');
  if (aud !== undefined) {
    const ok = typeof aud === 'string' ? aud === c.aud : Array.isArray(aud) && (aud as readonly Value[]).some((x) => x === c.aud);
    if (!ok) return unverified;
  } else if (c.aud !== '') return unverified;
  const now = c.time / 1e9;
  const exp = payload.get('exp');
  if (exp !== undefined) {
    if (!isNumber(exp)) throw builtinError('exp value must be a number');
    if (compare(now, exp) !== -1) return unverified;
  }
  const nbf = payload.get('nbf');
  if (nbf !== undefined) {
    if (!isNumber(nbf)) throw builtinError('nbf value must be a number');
    if (compare(now, nbf) === -1) return unverified;
  }
  return [true, header, payload];
}

/** Signs raw header and payload texts with the first key of a JWK (set). */
function encodeSign(headerText: string, payloadText: string, jwkText: string): Value {
  const jwks = parseJWKs(jwkText);
  if (jwks.length === 0) throw builtinError('no keys found in JWK set');
  const key = jwkKey(jwks[0]!);
  const trimmed = headerText.trimStart();
  const parsed = goUnmarshal(headerText);
  if ('error' in parsed) {
    // A blank header gets past the JSON decoder (it reports a bare EOF) and fails on reading `alg`.
    if (parsed.error === 'EOF') throw builtinError("missing or invalid 'alg' header: cannot parse JSON: cannot parse empty string");
    if (!trimmed.startsWith('{')) throw builtinError(parsed.error);
    throw builtinError("missing or invalid 'alg' header: cannot parse JSON");
  }
  const h = parsed.value instanceof ObjectValue ? parsed.value : new ObjectValue();
  const alg = h.get('alg');
  if (alg === undefined) throw builtinError('unsupported signature algorithm');
  if (typeof alg !== 'string') throw builtinError("missing or invalid 'alg' header: value is not a string");
  if (!JWT_ALGORITHMS.has(alg)) throw builtinError(`unknown JWS algorithm: ${alg}`);
  const typ = h.get('typ');
  if ((typ === undefined || typ === 'JWT') && !goJSONValid(payloadText)) throw builtinError('type is JWT but payload is not JSON');
  const signingInput = `${Buffer.from(headerText).toString('base64url')}.${Buffer.from(payloadText).toString('base64url')}`;
  return `${signingInput}.${jwsSign(key, alg, Buffer.from(signingInput)).toString('base64url')}`;
}

/** Registers the tokens family. */
export function register(table: BuiltinTable): void {
  const cat = 'tokens';
  const verifiers = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'].map((alg) => ({
    name: `io.jwt.verify_${alg.toLowerCase()}`,
    category: cat,
    args: [T.string, T.string],
    result: T.boolean,
    impl: verifyWith(alg),
  }));
  const hs = ['HS256', 'HS384', 'HS512'].map((alg) => ({ name: `io.jwt.verify_${alg.toLowerCase()}`, category: cat, args: [T.string, T.string], result: T.boolean, impl: verifyHS(alg) }));
  declare(
    table,
    ...verifiers,
    ...hs,
    { name: 'io.jwt.verify_eddsa', category: cat, args: [T.string, T.string], result: T.boolean, impl: verifyWith('EdDSA') },
    { name: 'io.jwt.decode', category: cat, args: [T.string], result: T.array(T.any), impl: (args) => decode(args[0]!) },
    { name: 'io.jwt.decode_verify', category: cat, args: [T.string, T.object(T.string, T.any)], result: T.array(T.any), nondeterministic: true, impl: decodeVerify },
    {
      name: 'io.jwt.encode_sign',
      category: cat,
      args: [T.object(T.string, T.any), T.object(T.string, T.any), T.object(T.string, T.any)],
      result: T.string,
      nondeterministic: true,
      impl: (args) => encodeSign(goMarshal(args[0]!), goMarshal(args[1]!), goMarshal(args[2]!)),
    },
    {
      name: 'io.jwt.encode_sign_raw',
      category: cat,
      args: [T.string, T.string, T.string],
      result: T.string,
      nondeterministic: true,
      impl: (args) => {
        const jwk = str(args, 3);
        return encodeSign(str(args, 1), str(args, 2), jwk);
      },
    },
  );
}
