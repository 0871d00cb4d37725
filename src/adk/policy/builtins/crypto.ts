// crypto.*: digests, HMACs, X.509 certificates, CSRs and private keys (node:crypto underneath,
// results shaped like Go's JSON of the corresponding crypto/x509 types).
import { X509Certificate, createHash, createHmac, createPrivateKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { fromJS, isNumber, type ObjectValue, type Value } from '../value.ts';
import { T } from '../types.ts';
import { builtinError, declare, type BuiltinTable } from './builtin.ts';
import { object, str } from './args.ts';
import { STD, goBase64Decode } from './gobase64.ts';
import { pemDecode, pemDecodeAll } from './keys.ts';
import { certificateRequestJSON, parseCertificatesDER } from './x509.ts';

const hex = (algo: string) => (args: readonly Value[]) => createHash(algo).update(str(args, 1), 'utf8').digest('hex');
const hmac = (algo: string) => (args: readonly Value[]) => createHmac(algo, Buffer.from(str(args, 2), 'utf8')).update(str(args, 1), 'utf8').digest('hex');

function hmacEqual(args: readonly Value[]): Value {
  const a = Buffer.from(str(args, 1), 'utf8');
  const b = Buffer.from(str(args, 2), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

const b64decode = (s: string): Buffer => Buffer.from(goBase64Decode(s, STD, true));

/** The DER of every certificate in PEM, base64(PEM) or base64(DER) text. */
function certificateDERs(text: string): Buffer {
  let data: Buffer;
  if (text.startsWith('-----BEGIN')) data = Buffer.from(text, 'utf8');
  else {
    data = b64decode(text);
    if (!data.subarray(0, 10).toString('latin1').startsWith('-----BEGIN')) return data;
  }
  const blocks = [];
  let rest = data.toString('utf8');
  for (let r = pemDecode(rest); r; r = pemDecode(rest)) {
    if (r.block.type !== 'CERTIFICATE') throw builtinError(`PEM block type is '${r.block.type}', expected CERTIFICATE`);
    blocks.push(r.block.bytes);
    rest = r.rest;
  }
  return Buffer.concat(blocks);
}

function parseCertificates(args: readonly Value[]): Value {
  return fromJS(parseCertificatesDER(certificateDERs(str(args, 1))));
}

const EKU_NAMES: Record<string, string> = {
  KeyUsageAny: '2.5.29.37.0',
  KeyUsageServerAuth: '1.3.6.1.5.5.7.3.1',
  KeyUsageClientAuth: '1.3.6.1.5.5.7.3.2',
  KeyUsageCodeSigning: '1.3.6.1.5.5.7.3.3',
  KeyUsageEmailProtection: '1.3.6.1.5.5.7.3.4',
  KeyUsageIPSECEndSystem: '1.3.6.1.5.5.7.3.5',
  KeyUsageIPSECTunnel: '1.3.6.1.5.5.7.3.6',
  KeyUsageIPSECUser: '1.3.6.1.5.5.7.3.7',
  KeyUsageTimeStamping: '1.3.6.1.5.5.7.3.8',
  KeyUsageOCSPSigning: '1.3.6.1.5.5.7.3.9',
  KeyUsageMicrosoftServerGatedCrypto: '1.3.6.1.4.1.311.10.3.3',
  KeyUsageNetscapeServerGatedCrypto: '2.16.840.1.113730.4.1',
  KeyUsageMicrosoftCommercialCodeSigning: '1.3.6.1.4.1.311.2.1.22',
  KeyUsageMicrosoftKernelCodeSigning: '1.3.6.1.4.1.311.61.1.1',
};

interface VerifyOptions {
  dnsName: string;
  time: Date;
  keyUsages: string[];
}

function verifyOptions(o: ObjectValue): VerifyOptions {
  const out: VerifyOptions = { dnsName: '', time: new Date(), keyUsages: [] };
  for (const [k, v] of o.entries()) {
    if (typeof k !== 'string') continue;
    if (k === 'DNSName') {
      if (typeof v !== 'string') throw builtinError("'DNSName' should be a string");
      out.dnsName = v.replace(/^"+|"+$/g, '');
    } else if (k === 'CurrentTime') {
      if (!isNumber(v)) throw builtinError("'CurrentTime' should be a number");
      out.time = new Date(Number(BigInt(Math.trunc(Number(v))) / 1_000_000n));
    } else if (k === 'MaxConstraintComparisons') {
      if (!isNumber(v)) throw builtinError("'MaxConstraintComparisons' should be a number");
    } else if (k === 'KeyUsages') {
      if (!Array.isArray(v) && !(v && typeof v === 'object' && 'items' in v)) throw builtinError("'KeyUsages' should be an Array or Set");
      const items = Array.isArray(v) ? (v as readonly Value[]) : [...(v as { values(): Iterable<Value> }).values()];
      const invalid: string[] = [];
      for (const x of items) {
        if (typeof x !== 'string') continue;
        const name = x.replace(/^"+|"+$/g, '');
        if (EKU_NAMES[name]) out.keyUsages.push(EKU_NAMES[name]);
        else invalid.push(name);
      }
      if (invalid.length) throw builtinError(`invalid entries for 'KeyUsages' found: [${invalid.join(' ')}]`);
    } else throw builtinError('invalid key option');
  }
  return out;
}

/** Go's leaf.Verify with the first certificate as the root and the middle ones as intermediates. */
function verifyChain(ders: Buffer[], opts: VerifyOptions): number[] | undefined {
  if (ders.length < 2) return undefined;
  const certs = ders.map((d) => new X509Certificate(d));
  const valid = (c: X509Certificate) => new Date(c.validFrom) <= opts.time && opts.time <= new Date(c.validTo);
  const leafIdx = certs.length - 1;
  const leaf = certs[leafIdx]!;
  if (opts.dnsName && leaf.checkHost(opts.dnsName) === undefined) return undefined;
  const usages = opts.keyUsages.length ? opts.keyUsages : [EKU_NAMES['KeyUsageServerAuth']!];
  const ekuOk = (c: X509Certificate) => {
    const eku = c.keyUsage;
    return !eku || eku.length === 0 || eku.includes('2.5.29.37.0') || usages.includes('2.5.29.37.0') || usages.some((u) => eku.includes(u));
  };
  const search = (idx: number, path: number[]): number[] | undefined => {
    const c = certs[idx]!;
    if (!valid(c) || !ekuOk(c)) return undefined;
    if (idx === 0) return path;
    for (let j = 0; j < leafIdx; j++) {
      if (path.includes(j)) continue;
      const issuer = certs[j]!;
      if (c.checkIssued(issuer) && c.verify(issuer.publicKey)) {
        const r = search(j, [...path, j]);
        if (r) return r;
      }
    }
    return undefined;
  };
  return search(leafIdx, [leafIdx]);
}

function parseAndVerify(withOptions: boolean) {
  return (args: readonly Value[]): Value => {
    const text = str(args, 1);
    const opts = withOptions ? object(args, 2) : undefined;
    let ders: Buffer[];
    let all: Record<string, unknown>[];
    try {
      const buf = certificateDERs(text);
      all = parseCertificatesDER(buf);
      ders = all.map((c) => Buffer.from(c['Raw'] as string, 'base64'));
    } catch {
      return [false, []];
    }
    const vo = opts ? verifyOptions(opts) : { dnsName: '', time: new Date(), keyUsages: [] };
    const chain = verifyChain(ders, vo);
    if (!chain) return [false, []];
    return [true, fromJS(chain.map((i) => (withOptions ? withoutURIStrings(all[i]!) : all[i]!)))];
  };
}

function withoutURIStrings(c: Record<string, unknown>): Record<string, unknown> {
  const { URIStrings: _drop, ...rest } = c;
  return rest;
}

function parseCSR(args: readonly Value[]): Value {
  const text = str(args, 1);
  let bytes = text.startsWith('-----BEGIN CERTIFICATE REQUEST-----') ? Buffer.from(text, 'utf8') : b64decode(text);
  const p = pemDecode(bytes.toString('utf8'));
  if (p && p.block.type !== 'CERTIFICATE REQUEST') throw builtinError('invalid PEM-encoded certificate signing request');
  if (p) bytes = p.block.bytes;
  return fromJS(certificateRequestJSON(bytes));
}

const bn = (b64url: unknown): bigint => BigInt(`0x${Buffer.from(String(b64url), 'base64url').toString('hex') || '0'}`);

/** A private key as Go's encoding/json writes *rsa.PrivateKey, *ecdsa.PrivateKey or ed25519.PrivateKey. */
function privateKeyJSON(k: KeyObject): unknown {
  const j = k.export({ format: 'jwk' }) as Record<string, string>;
  if (j['kty'] === 'RSA') {
    return { N: bn(j['n']), E: Number(bn(j['e'])), D: bn(j['d']), Primes: [bn(j['p']), bn(j['q'])], Precomputed: { Dp: bn(j['dp']), Dq: bn(j['dq']), Qinv: bn(j['qi']), CRTValues: [] } };
  }
  if (j['kty'] === 'EC') return { Curve: {}, X: bn(j['x']), Y: bn(j['y']), D: bn(j['d']) };
  return Buffer.concat([Buffer.from(j['d'] ?? '', 'base64url'), Buffer.from(j['x'] ?? '', 'base64url')]).toString('base64');
}

/** OPA's getPrivateKeysFromPEMData: RSA, PKCS#8 and EC private keys in (possibly base64) PEM. */
function privateKeys(text: string): KeyObject[] {
  let pem = text;
  try {
    pem = Buffer.from(goBase64Decode(text, STD, true)).toString('utf8');
  } catch {
    // not base64: read the text as PEM
  }
  const out: KeyObject[] = [];
  for (const block of pemDecodeAll(pem)) {
    const type = block.type === 'RSA PRIVATE KEY' ? 'pkcs1' : block.type === 'PRIVATE KEY' ? 'pkcs8' : block.type === 'EC PRIVATE KEY' ? 'sec1' : undefined;
    if (!type) continue;
    try {
      out.push(createPrivateKey({ key: block.bytes, format: 'der', type }));
    } catch {
      throw builtinError(type === 'pkcs1' ? 'x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key format)' : 'x509: failed to parse private key');
    }
  }
  return out;
}

function parsePrivateKeys(args: readonly Value[]): Value {
  const text = str(args, 1);
  if (text === '') return null;
  return fromJS(privateKeys(text).map(privateKeyJSON));
}

function parseRSAPrivateKey(args: readonly Value[]): Value {
  let text = str(args, 1);
  if (text === '') throw builtinError('input PEM data was empty');
  if (!text.startsWith('-----BEGIN')) text = b64decode(text).toString('utf8');
  const keys = privateKeys(text);
  if (keys.length === 0) return null;
  return fromJS(keys[0]!.export({ format: 'jwk' }));
}

function parseKeyPair(args: readonly Value[]): Value {
  const certText = str(args, 1);
  const keyText = str(args, 2);
  const toPem = (t: string, type: string): string => {
    let data = t.startsWith('-----BEGIN ') ? Buffer.from(t, 'utf8') : b64decode(t);
    if (!data.toString('latin1').startsWith('-----BEGIN')) data = Buffer.from(`-----BEGIN ${type}-----\n${data.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ${type}-----\n`);
    return data.toString('utf8');
  };
  const certs = pemDecodeAll(toPem(certText, 'CERTIFICATE')).filter((b) => b.type === 'CERTIFICATE');
  if (certs.length === 0) throw builtinError('tls: failed to find any PEM data in certificate input');
  const keyBlock = pemDecodeAll(toPem(keyText, 'PRIVATE KEY')).find((b) => b.type === 'PRIVATE KEY' || b.type.endsWith(' PRIVATE KEY'));
  if (!keyBlock) throw builtinError('tls: failed to find any PEM data in key input');
  const type = keyBlock.type === 'RSA PRIVATE KEY' ? 'pkcs1' : keyBlock.type === 'EC PRIVATE KEY' ? 'sec1' : 'pkcs8';
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: keyBlock.bytes, format: 'der', type });
  } catch {
    throw builtinError('tls: failed to parse private key');
  }
  const leaf = new X509Certificate(certs[0]!.bytes);
  if (!leaf.checkPrivateKey(key)) throw builtinError('tls: private key does not match public key');
  const parsedLeaf = parseCertificatesDER(certs[0]!.bytes)[0]!;
  return fromJS({
    Certificate: certs.map((c) => c.bytes.toString('base64')),
    PrivateKey: privateKeyJSON(key),
    SupportedSignatureAlgorithms: null,
    OCSPStaple: null,
    SignedCertificateTimestamps: null,
    Leaf: withoutURIStrings(parsedLeaf),
  });
}

/** Registers the crypto family. */
export function register(table: BuiltinTable): void {
  const cat = 'crypto';
  const s2s = (name: string, impl: (args: readonly Value[]) => Value) => ({ name, category: cat, args: [T.string], result: T.string, impl });
  const ss2s = (name: string, impl: (args: readonly Value[]) => Value) => ({ name, category: cat, args: [T.string, T.string], result: T.string, impl });
  declare(
    table,
    s2s('crypto.md5', hex('md5')),
    s2s('crypto.sha1', hex('sha1')),
    s2s('crypto.sha256', hex('sha256')),
    ss2s('crypto.hmac.md5', hmac('md5')),
    ss2s('crypto.hmac.sha1', hmac('sha1')),
    ss2s('crypto.hmac.sha256', hmac('sha256')),
    ss2s('crypto.hmac.sha512', hmac('sha512')),
    { name: 'crypto.hmac.equal', category: cat, args: [T.string, T.string], result: T.boolean, impl: hmacEqual },
    { name: 'crypto.x509.parse_certificates', category: cat, args: [T.string], result: T.array(T.object(T.string, T.any)), impl: parseCertificates },
    { name: 'crypto.x509.parse_and_verify_certificates', category: cat, args: [T.string], result: T.array(T.any), impl: parseAndVerify(false) },
    {
      name: 'crypto.x509.parse_and_verify_certificates_with_options',
      category: cat,
      args: [T.string, T.object(T.string, T.any)],
      result: T.array(T.any),
      impl: parseAndVerify(true),
    },
    { name: 'crypto.x509.parse_certificate_request', category: cat, args: [T.string], result: T.object(T.string, T.any), impl: parseCSR },
    { name: 'crypto.x509.parse_keypair', category: cat, args: [T.string, T.string], result: T.object(T.string, T.any), impl: parseKeyPair },
    { name: 'crypto.x509.parse_rsa_private_key', category: cat, args: [T.string], result: T.object(T.string, T.any), impl: parseRSAPrivateKey },
    { name: 'crypto.parse_private_keys', category: cat, args: [T.string], result: T.array(T.object(T.string, T.any)), impl: parsePrivateKeys },
  );
}
