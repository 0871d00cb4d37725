// Shared fixtures: keys, small bundles in memory, hand-made tar archives for hostile input.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';
import type { BundleFiles } from '../../../src/adk/bundle/archive.ts';
import { writeArchive } from '../../../src/adk/bundle/archive.ts';
import { defaultKeyId, algorithmsFor, type TrustedKey } from '../../../src/adk/bundle/keys.ts';
import { signBundle } from '../../../src/adk/bundle/signing.ts';

/** A fresh temp dir. */
export function tempDir(prefix = 'bundle-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** An Ed25519 key pair and the trust root for it. */
export function ed25519(): { privateKey: KeyObject; publicKey: KeyObject; trust: TrustedKey } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey, trust: trusted(publicKey) };
}

/** A trust root for a public key (default id). */
export function trusted(publicKey: KeyObject, id = defaultKeyId(publicKey)): TrustedKey {
  return { id, key: publicKey, algorithms: algorithmsFor(publicKey), source: 'test' };
}

export const POLICY = `package autonomy.authz

default allow := false

allow if input.tool == "read"

deny contains "writes are not allowed" if input.tool == "write"

test_read_allowed if allow with input as {"tool": "read"}

test_write_denied if not allow with input as {"tool": "write"}
`;

/** A small valid bundle's files. */
export function sampleFiles(revision = 'r1', extra: Record<string, string> = {}, sequence?: number): BundleFiles {
  const manifest: Record<string, unknown> = { revision, roots: ['autonomy'] };
  if (sequence !== undefined) manifest['metadata'] = { sequence };
  const files: BundleFiles = new Map([
    ['.manifest', Buffer.from(JSON.stringify(manifest))],
    ['autonomy/authz/policy.rego', Buffer.from(POLICY)],
    ['autonomy/authz/data.json', Buffer.from('{"limits": {"max": 1.0, "tools": ["read", "list"]}}')],
  ]);
  for (const [k, v] of Object.entries(extra)) files.set(k, Buffer.from(v));
  return files;
}

/** Signs files with a key. */
export async function signed(files: BundleFiles, key: KeyObject, opts: { keyId?: string; scope?: string } = {}): Promise<BundleFiles> {
  return (await signBundle(files, key, opts)).files;
}

/** Writes a signed bundle archive to a temp file and returns its path. */
export async function bundleFile(dir: string, name: string, files: BundleFiles, key?: KeyObject): Promise<string> {
  const p = join(dir, name);
  writeFileSync(p, writeArchive(key ? await signed(files, key) : files));
  return p;
}

/** Writes files as a directory tree. */
export function writeTree(dir: string, files: BundleFiles): string {
  for (const [name, bytes] of files) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), bytes);
  }
  return dir;
}

/** A raw tar entry for hostile archives. */
export interface RawEntry {
  path: string;
  type?: 'File' | 'SymbolicLink' | 'Link' | 'Directory' | 'FIFO';
  body?: string | Buffer;
  linkpath?: string;
}

/** A .tar.gz with exactly these entries, no checks. */
export function rawTarGz(entries: readonly RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = typeof e.body === 'string' ? Buffer.from(e.body) : (e.body ?? Buffer.alloc(0));
    const h = new Header({ path: e.path, type: e.type ?? 'File', size: e.type && e.type !== 'File' ? 0 : body.length, mode: 0o644, mtime: new Date(0), ...(e.linkpath ? { linkpath: e.linkpath } : {}) });
    h.encode();
    blocks.push(h.block!);
    if (!e.type || e.type === 'File') {
      blocks.push(body);
      const pad = (512 - (body.length % 512)) % 512;
      if (pad) blocks.push(Buffer.alloc(pad));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}
