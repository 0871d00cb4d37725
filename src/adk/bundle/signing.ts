// Producing `.signatures.json` the way `opa sign` does: one compact JWS whose payload lists every
// file with its digest. Verification lives in verify.ts.
import type { KeyObject } from 'node:crypto';
import { CompactSign } from 'jose';
import type { BundleFiles } from './archive.ts';
import { DEFAULT_HASH, fileDigest } from './hashing.ts';
import { defaultKeyId, signingAlgorithm } from './keys.ts';

/** The signatures file name, at the bundle root. */
export const SIGNATURES_FILE = '.signatures.json';

/** One entry of the signed file list (OPA's FileInfo). */
export interface SignedFile {
  readonly name: string;
  readonly hash: string;
  readonly algorithm: string;
}

/** The decoded JWS payload (OPA's DecodedSignature). */
export interface SignaturePayload {
  readonly files: readonly SignedFile[];
  readonly keyid?: string;
  readonly scope?: string;
}

/** Every file of the bundle except the signatures file, with its digest. */
export function listFiles(files: BundleFiles): SignedFile[] {
  const out: SignedFile[] = [];
  for (const name of [...files.keys()].sort()) {
    if (name === SIGNATURES_FILE) continue;
    out.push({ name, hash: fileDigest(name, files.get(name)!, DEFAULT_HASH), algorithm: DEFAULT_HASH });
  }
  return out;
}

export interface SignOptions {
  /** Key id for the `kid` header and the (deprecated, OPA-compatible) `keyid` claim. */
  readonly keyId?: string;
  readonly scope?: string;
}

/** Signs the bundle and returns it with `.signatures.json` added (replacing any old one). */
export async function signBundle(files: BundleFiles, key: KeyObject, opts: SignOptions = {}): Promise<{ files: BundleFiles; keyId: string; alg: string }> {
  const alg = signingAlgorithm(key);
  const keyId = opts.keyId ?? defaultKeyId(key);
  const payload: Record<string, unknown> = { files: listFiles(files), keyid: keyId };
  if (opts.scope !== undefined) payload['scope'] = opts.scope;
  const token = await new CompactSign(Buffer.from(JSON.stringify(payload))).setProtectedHeader({ alg, kid: keyId }).sign(key);
  const out: BundleFiles = new Map(files);
  out.set(SIGNATURES_FILE, Buffer.from(`${JSON.stringify({ signatures: [token] }, null, 1)}\n`));
  return { files: out, keyId, alg };
}
