// Ed25519 identities shared by every layer: node keys (WAL checkpoints, fleet enrollment) and
// edge peer keys. PEM on disk: PKCS#8 private (mode 0600), SPKI public.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { AutonomyError } from './errors.ts';

/** An Ed25519 key pair as PEM text. */
export interface KeyPairPem {
  privatePem: string;
  publicPem: string;
}

/** A fresh Ed25519 key pair. */
export function generateKeyPair(): KeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Parses a PEM private key and checks that it is Ed25519. */
export function loadPrivateKey(pem: string, source = 'private key'): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (e) {
    throw new AutonomyError('key_invalid', `${source}: not a PEM private key`, { cause: e });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new AutonomyError('key_invalid', `${source}: expected an Ed25519 key, got ${key.asymmetricKeyType}`);
  return key;
}

/** Parses a PEM public key (or derives it from a private key) and checks that it is Ed25519. */
export function loadPublicKey(pem: string, source = 'public key'): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (e) {
    throw new AutonomyError('key_invalid', `${source}: not a PEM public key`, { cause: e });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new AutonomyError('key_invalid', `${source}: expected an Ed25519 key, got ${key.asymmetricKeyType}`);
  return key;
}

/** Ed25519 signature (64 bytes) over data. */
export function sign(privateKey: KeyObject, data: Uint8Array): Buffer {
  return cryptoSign(null, data, privateKey);
}

/** True iff sig is a valid Ed25519 signature of data by publicKey. */
export function verify(publicKey: KeyObject, data: Uint8Array, sig: Uint8Array): boolean {
  try {
    return cryptoVerify(null, data, publicKey, sig);
  } catch {
    // A malformed signature is simply not a valid one.
    return false;
  }
}

/** A stable short identifier of a public key: hex SHA-256 of its SPKI DER, first 16 chars. */
export function keyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

/** The PEM text of a key's public half. */
export function publicPemOf(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'pem' }).toString();
}

/**
 * Writes NAME.key (0600) and NAME.pub into dir (created 0700 if missing). Refuses to
 * overwrite an existing private key: losing an identity is never silent.
 */
export function writeKeyPair(dir: string, name: string, pair: KeyPairPem = generateKeyPair()): { privatePath: string; publicPath: string } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const privatePath = join(dir, `${name}.key`);
  const publicPath = join(dir, `${name}.pub`);
  if (existsSync(privatePath)) throw new AutonomyError('key_exists', `${privatePath} already exists; refusing to overwrite a private key`);
  writeFileSync(privatePath, pair.privatePem, { mode: 0o600, flag: 'wx' });
  writeFileSync(publicPath, pair.publicPem, { mode: 0o644 });
  return { privatePath, publicPath };
}

/** Loads NAME.key from dir, creating the pair on first use. */
export function loadOrCreateKey(dir: string, name: string): KeyObject {
  const privatePath = join(dir, `${name}.key`);
  if (!existsSync(privatePath)) writeKeyPair(dir, name);
  return loadPrivateKey(readFileSync(privatePath, 'utf8'), privatePath);
}
