// Verifying a bundle's signature and every file digest (INV-05). The order matters: the token's
// header is checked against the trusted key's algorithm allow-list before any cryptography runs,
// and no file is trusted until the JWS verifies.
import { createHash } from 'node:crypto';
import { compactVerify } from 'jose';
import { AutonomyError } from '../../common/errors.ts';
import type { BundleFiles } from './archive.ts';
import { decodeStructured, HASH_ALGORITHMS, isStructured, type Decoded, type HashAlgorithm } from './hashing.ts';
import type { TrustedKey } from './keys.ts';
import { SIGNATURES_FILE, type SignaturePayload, type SignedFile } from './signing.ts';

/** What a successful verification established. */
export interface Verified {
  /** Id of the trusted key that verified the token. */
  readonly keyId: string;
  readonly alg: string;
  readonly payload: SignaturePayload;
  /** Structured files decoded while hashing, so loading need not parse them again. */
  readonly parsed: ReadonlyMap<string, Decoded>;
}

export interface VerifyOptions {
  /** Required `scope` claim (default: none, as in OPA). */
  readonly scope?: string;
}

/** Verifies the signature and every file; throws a coded AutonomyError on the first failure. */
export async function verifyBundle(files: BundleFiles, trust: readonly TrustedKey[], opts: VerifyOptions = {}): Promise<Verified> {
  if (trust.length === 0) throw new AutonomyError('bundle_no_trust', 'no trusted keys configured; a bundle can only be verified against a trust root');
  const sigFile = files.get(SIGNATURES_FILE);
  if (sigFile === undefined) throw new AutonomyError('bundle_unsigned', `bundle is not signed (no ${SIGNATURES_FILE})`);
  const token = readToken(sigFile);
  const { header, payloadJSON } = splitToken(token);
  const alg = header['alg'];
  if (typeof alg !== 'string') throw new AutonomyError('bundle_signature_invalid', 'JWS header has no alg');
  if (header['crit'] !== undefined || header['b64'] !== undefined) throw new AutonomyError('bundle_signature_invalid', 'JWS header uses unsupported extensions (crit/b64)');
  const claimedKid = typeof header['kid'] === 'string' ? header['kid'] : typeof payloadJSON['keyid'] === 'string' ? payloadJSON['keyid'] : undefined;
  const candidates = pickKeys(trust, claimedKid, alg);
  let verifiedBy: TrustedKey | undefined;
  let payloadBytes: Uint8Array | undefined;
  for (const k of candidates) {
    try {
      payloadBytes = (await compactVerify(token, k.key, { algorithms: [alg] })).payload;
      verifiedBy = k;
      break;
    } catch {
      // Try the next candidate; the failure is reported below if none verifies.
    }
  }
  if (!verifiedBy || !payloadBytes) {
    throw new AutonomyError('bundle_signature_mismatch', `signature does not verify with trusted key${candidates.length > 1 ? 's' : ''} ${candidates.map((k) => k.id).join(', ')}`);
  }
  const payload = decodePayload(payloadBytes);
  if ((payload.scope ?? '') !== (opts.scope ?? '')) {
    throw new AutonomyError('bundle_scope_mismatch', `signature scope ${JSON.stringify(payload.scope ?? '')} does not match the required ${JSON.stringify(opts.scope ?? '')}`);
  }
  const parsed = checkFiles(files, payload.files);
  return { keyId: verifiedBy.id, alg, payload, parsed };
}

function readToken(bytes: Buffer): string {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new AutonomyError('bundle_signature_invalid', `${SIGNATURES_FILE} is not valid JSON`);
  }
  const d = doc as { signatures?: unknown; plugin?: unknown };
  if (typeof doc !== 'object' || doc === null || !Array.isArray(d.signatures)) throw new AutonomyError('bundle_signature_invalid', `${SIGNATURES_FILE} has no signatures array`);
  if (d.plugin !== undefined && d.plugin !== '') throw new AutonomyError('bundle_signature_invalid', `${SIGNATURES_FILE} names verification plugin ${JSON.stringify(d.plugin)}, which is not supported`);
  if (d.signatures.length === 0) throw new AutonomyError('bundle_unsigned', `${SIGNATURES_FILE} holds no signature`);
  // OPA accepts exactly one token; so do we.
  if (d.signatures.length > 1) throw new AutonomyError('bundle_signature_invalid', `${SIGNATURES_FILE}: multiple JWTs not supported (expected exactly one)`);
  if (typeof d.signatures[0] !== 'string') throw new AutonomyError('bundle_signature_invalid', `${SIGNATURES_FILE}: the signature is not a string`);
  return d.signatures[0];
}

/** Decodes (without trusting) the header and payload, only to choose the key. */
function splitToken(token: string): { header: Record<string, unknown>; payloadJSON: Record<string, unknown> } {
  const parts = token.split('.');
  if (parts.length !== 3) throw new AutonomyError('bundle_signature_invalid', 'signature is not a compact JWS (expected three dot-separated parts)');
  const decode = (part: string, what: string): Record<string, unknown> => {
    try {
      const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // fall through to the coded error
    }
    throw new AutonomyError('bundle_signature_invalid', `JWS ${what} is not a base64url JSON object`);
  };
  return { header: decode(parts[0]!, 'header'), payloadJSON: decode(parts[1]!, 'payload') };
}

/** The trusted keys to try: the one the token names, else every key allowed to use its alg. */
function pickKeys(trust: readonly TrustedKey[], kid: string | undefined, alg: string): TrustedKey[] {
  if (alg === 'none' || alg.startsWith('HS')) {
    throw new AutonomyError('bundle_signature_alg', `JWS alg ${alg} is never accepted: bundles must carry a public-key signature`);
  }
  if (kid !== undefined) {
    const k = trust.find((t) => t.id === kid);
    if (!k) throw new AutonomyError('bundle_key_unknown', `signed with key ${JSON.stringify(kid)}, which is not a trusted key (trusted: ${trust.map((t) => t.id).join(', ')})`);
    if (!k.algorithms.includes(alg)) throw new AutonomyError('bundle_signature_alg', `JWS alg ${alg} is not allowed for key ${k.id} (allowed: ${k.algorithms.join(', ')})`);
    return [k];
  }
  const ks = trust.filter((t) => t.algorithms.includes(alg));
  if (ks.length === 0) throw new AutonomyError('bundle_signature_alg', `JWS alg ${alg} is not allowed for any trusted key`);
  return ks;
}

function decodePayload(bytes: Uint8Array): SignaturePayload {
  let p: unknown;
  try {
    p = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new AutonomyError('bundle_signature_invalid', 'signed payload is not JSON');
  }
  const files = (p as { files?: unknown }).files;
  if (typeof p !== 'object' || p === null || !Array.isArray(files)) throw new AutonomyError('bundle_signature_invalid', 'signed payload has no files list');
  for (const f of files as unknown[]) {
    const ff = f as Partial<SignedFile>;
    if (typeof f !== 'object' || f === null || typeof ff.name !== 'string' || typeof ff.hash !== 'string' || typeof ff.algorithm !== 'string') {
      throw new AutonomyError('bundle_signature_invalid', 'signed payload has a malformed file entry');
    }
  }
  const scope = (p as { scope?: unknown }).scope;
  if (scope !== undefined && typeof scope !== 'string') throw new AutonomyError('bundle_signature_invalid', 'signed scope is not a string');
  return p as SignaturePayload;
}

/** Every file is listed with a matching digest, and every listed file is present. */
function checkFiles(files: BundleFiles, signed: readonly SignedFile[]): Map<string, Decoded> {
  const want = new Map<string, SignedFile>();
  for (const f of signed) {
    const name = f.name.replace(/^\/+/, '');
    if (want.has(name)) throw new AutonomyError('bundle_signature_invalid', `signed payload lists ${name} twice`);
    want.set(name, f);
  }
  const parsed = new Map<string, Decoded>();
  for (const [name, bytes] of files) {
    if (name === SIGNATURES_FILE) continue;
    const f = want.get(name);
    if (!f) throw new AutonomyError('bundle_file_unsigned', `${name} is not included in the bundle signature (added after signing?)`);
    want.delete(name);
    if (!(f.algorithm in HASH_ALGORITHMS)) throw new AutonomyError('bundle_hash_alg', `${name}: hash algorithm ${f.algorithm} is not accepted`);
    const h = createHash(HASH_ALGORITHMS[f.algorithm as HashAlgorithm]);
    if (isStructured(name)) parsed.set(name, decodeStructured(name, bytes, h));
    else h.update(bytes);
    const got = h.digest('hex');
    if (got !== f.hash.toLowerCase()) throw new AutonomyError('bundle_digest_mismatch', `${name}: digest mismatch (signed ${f.hash}, found ${got}); the file changed after signing`);
  }
  if (want.size > 0) throw new AutonomyError('bundle_file_missing', `signed file${want.size > 1 ? 's' : ''} ${[...want.keys()].join(', ')} not found in the bundle (removed after signing?)`);
  return parsed;
}
