// `autonomy bundle build`: a source directory → a (signed) .tar.gz. The policy must compile; the
// manifest gets the revision and sequence asked for.
import type { KeyObject } from 'node:crypto';
import { AutonomyError } from '../../common/errors.ts';
import { readBundle, writeArchive, type BundleFiles } from './archive.ts';
import { parseStructured } from './hashing.ts';
import { compileBundle, loadBundle } from './load.ts';
import { MANIFEST_FILE, type Manifest } from './manifest.ts';
import { contentDigest } from './open.ts';
import { signBundle, SIGNATURES_FILE } from './signing.ts';

export interface BuildOptions {
  readonly revision?: string;
  readonly sequence?: number;
  readonly signingKey?: KeyObject;
  readonly keyId?: string;
}

export interface Built {
  readonly archive: Buffer;
  readonly files: BundleFiles;
  readonly manifest: Manifest;
  readonly digest: string;
  readonly signed: { keyId: string; alg: string } | undefined;
}

/** Builds a bundle from a directory; dot-directories (.git …) and an old signature are left out. */
export async function buildBundle(src: string, opts: BuildOptions = {}): Promise<Built> {
  let files: BundleFiles = new Map();
  for (const [name, bytes] of readBundle(src)) {
    if (name === SIGNATURES_FILE || name.split('/').slice(0, -1).some((seg) => seg.startsWith('.'))) continue;
    files.set(name, bytes);
  }
  const manifestDoc = files.has(MANIFEST_FILE) ? (parseStructured(MANIFEST_FILE, files.get(MANIFEST_FILE)!) as Record<string, unknown>) : {};
  if (typeof manifestDoc !== 'object' || manifestDoc === null || Array.isArray(manifestDoc)) throw new AutonomyError('bundle_manifest_invalid', `${MANIFEST_FILE}: must be a JSON object`);
  if (opts.revision !== undefined || opts.sequence !== undefined || !files.has(MANIFEST_FILE)) {
    const m: Record<string, unknown> = { ...manifestDoc };
    if (opts.revision !== undefined) m['revision'] = opts.revision;
    if (opts.sequence !== undefined) m['metadata'] = { ...((m['metadata'] as Record<string, unknown> | undefined) ?? {}), sequence: opts.sequence };
    files.set(MANIFEST_FILE, Buffer.from(`${JSON.stringify(m, null, 2)}\n`));
  }
  const loaded = loadBundle(files);
  if (loaded.manifest.revision === '') throw new AutonomyError('bundle_manifest_invalid', 'the bundle has no revision: set one in .manifest or pass --revision');
  compileBundle(loaded);
  let signed: Built['signed'];
  if (opts.signingKey) {
    const s = await signBundle(files, opts.signingKey, opts.keyId === undefined ? {} : { keyId: opts.keyId });
    files = s.files;
    signed = { keyId: s.keyId, alg: s.alg };
  }
  return { archive: writeArchive(files), files, manifest: loaded.manifest, digest: contentDigest(files), signed };
}
