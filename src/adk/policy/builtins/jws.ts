// JWS signing and verification primitives over node:crypto (RFC 7518 algorithms).
import { createHmac, createPublicKey, sign as cryptoSign, verify as cryptoVerify, timingSafeEqual, constants, type KeyObject } from 'node:crypto';
import { builtinError } from './builtin.ts';

const hashOf = (alg: string): string => `sha${alg.slice(2)}`;

/** The public half of a key (private keys sign; verification uses their public key). */
function publicOf(k: KeyObject): KeyObject {
  return k.type === 'private' ? createPublicKey(k) : k;
}

/** A DER ECDSA signature from r||s halves (Go splits the signature in two, whatever its length). */
function ecdsaDer(sig: Buffer): Buffer {
  const half = Math.floor(sig.length / 2);
  const int = (b: Buffer): Buffer => {
    let x = b;
    while (x.length > 1 && x[0] === 0) x = x.subarray(1);
    if (x.length === 0) x = Buffer.from([0]);
    if (x[0]! & 0x80) x = Buffer.concat([Buffer.from([0]), x]);
    return Buffer.concat([Buffer.from([0x02, x.length]), x]);
  };
  const body = Buffer.concat([int(sig.subarray(0, half)), int(sig.subarray(half))]);
  const len = body.length < 0x80 ? Buffer.from([body.length]) : Buffer.from([0x81, body.length]);
  return Buffer.concat([Buffer.from([0x30]), len, body]);
}

/** True when sig is a valid signature of data under key with alg; wrong key types verify false. */
export function jwsVerify(key: KeyObject | Buffer, alg: string, data: Buffer, sig: Buffer): boolean {
  try {
    if (alg.startsWith('HS')) {
      if (!Buffer.isBuffer(key)) return false;
      const mac = createHmac(hashOf(alg), key).update(data).digest();
      return mac.length === sig.length && timingSafeEqual(mac, sig);
    }
    if (Buffer.isBuffer(key)) return false;
    const pub = publicOf(key);
    const kt = pub.asymmetricKeyType;
    if (alg.startsWith('RS')) return kt === 'rsa' && cryptoVerify(hashOf(alg), data, pub, sig);
    if (alg.startsWith('PS')) {
      return (kt === 'rsa' || kt === 'rsa-pss') && cryptoVerify(hashOf(alg), data, { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, sig);
    }
    if (alg.startsWith('ES')) return kt === 'ec' && sig.length > 0 && cryptoVerify(hashOf(alg), data, { key: pub, dsaEncoding: 'der' }, ecdsaDer(sig));
    if (alg === 'EdDSA') return kt === 'ed25519' && cryptoVerify(null, data, pub, sig);
  } catch {
    return false;
  }
  return false;
}

const COORD: Record<string, number> = { ES256: 32, ES384: 48, ES512: 66 };

/** Signs data with alg; the key must suit the algorithm. */
export function jwsSign(key: KeyObject | Buffer, alg: string, data: Buffer): Buffer {
  if (alg.startsWith('HS')) {
    if (!Buffer.isBuffer(key)) throw builtinError(`invalid key type for ${alg}: expected a symmetric key`);
    return createHmac(hashOf(alg), key).update(data).digest();
  }
  if (Buffer.isBuffer(key) || key.type !== 'private') throw builtinError(`invalid key type for ${alg}: expected a private key`);
  const kt = key.asymmetricKeyType;
  if (alg.startsWith('RS') && kt === 'rsa') return cryptoSign(hashOf(alg), data, key);
  if (alg.startsWith('PS') && (kt === 'rsa' || kt === 'rsa-pss')) {
    return cryptoSign(hashOf(alg), data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
  }
  if (alg.startsWith('ES') && kt === 'ec') {
    const sig = cryptoSign(hashOf(alg), data, { key, dsaEncoding: 'ieee-p1363' });
    if (sig.length !== 2 * COORD[alg]!) throw builtinError(`invalid key type for ${alg}: curve does not match`);
    return sig;
  }
  if (alg === 'EdDSA' && kt === 'ed25519') return cryptoSign(null, data, key);
  throw builtinError(`invalid key type for ${alg}`);
}
