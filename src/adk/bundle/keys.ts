// Signing keys and trust roots. Each key type has an allow-list of JWS algorithms; a token's
// `alg` is checked against it before any verification is attempted, which rules out `none` and
// algorithm confusion (an HMAC "signed" with a public key as its secret).
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { keyId } from '../../common/ed25519.ts';
import { AutonomyError } from '../../common/errors.ts';

/** A public key trusted to sign bundles. */
export interface TrustedKey {
  /** The id a token names in its `kid` header (or `keyid` claim). */
  readonly id: string;
  readonly key: KeyObject;
  /** JWS algorithms this key may verify. */
  readonly algorithms: readonly string[];
  /** Where it came from, for messages. */
  readonly source: string;
}

/** The algorithms each key type may use. Never HS* or none: trust roots are public keys. */
export function algorithmsFor(key: KeyObject): readonly string[] {
  switch (key.asymmetricKeyType) {
    case 'ed25519':
      return ['EdDSA'];
    case 'rsa':
      return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
    case 'rsa-pss':
      return ['PS256', 'PS384', 'PS512'];
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'prime256v1' || curve === 'P-256') return ['ES256'];
      if (curve === 'secp384r1' || curve === 'P-384') return ['ES384'];
      if (curve === 'secp521r1' || curve === 'P-521') return ['ES512'];
      return [];
    }
    default:
      return [];
  }
}

/** The algorithm we sign with for a private key. */
export function signingAlgorithm(key: KeyObject): string {
  const algs = algorithmsFor(key);
  if (algs.length === 0) throw new AutonomyError('key_invalid', `unsupported signing key type ${key.asymmetricKeyType}`);
  return algs[0]!;
}

/** Default key id: the node-key id scheme of src/common/ed25519.ts, for any key type. */
export function defaultKeyId(key: KeyObject): string {
  return keyId(key.type === 'private' ? createPublicKey(key) : key);
}

/** Loads a PEM private key (Ed25519, RSA or EC) for signing. */
export function loadSigningKey(path: string): KeyObject {
  const pem = readKeyFile(path);
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (e) {
    throw new AutonomyError('key_invalid', `${path}: not a PEM private key`, { cause: e });
  }
  signingAlgorithm(key);
  return key;
}

/**
 * Loads trust roots from specs `PATH` or `ID=PATH`. Without an id a key is known by its
 * default key id. A private key file is accepted and only its public half is kept.
 */
export function loadTrust(specs: readonly string[]): TrustedKey[] {
  const keys: TrustedKey[] = [];
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const [id, path] = eq > 0 && !spec.slice(0, eq).includes('/') ? [spec.slice(0, eq), spec.slice(eq + 1)] : [undefined, spec];
    const pem = readKeyFile(path);
    let key: KeyObject;
    try {
      key = createPublicKey(pem);
    } catch (e) {
      throw new AutonomyError('key_invalid', `${path}: not a PEM public key`, { cause: e });
    }
    const algorithms = algorithmsFor(key);
    if (algorithms.length === 0) throw new AutonomyError('key_invalid', `${path}: unsupported key type ${key.asymmetricKeyType}`);
    const keyId = id ?? defaultKeyId(key);
    if (keys.some((k) => k.id === keyId)) throw new AutonomyError('key_invalid', `${path}: key id ${keyId} is given twice`);
    keys.push({ id: keyId, key, algorithms, source: path });
  }
  return keys;
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new AutonomyError('key_not_found', `${path}: cannot read key file`);
  }
}
