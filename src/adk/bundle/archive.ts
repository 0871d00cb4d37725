// Reading a bundle (a directory or a .tar.gz) into memory, and writing one. Nothing is ever
// extracted by an entry's name: entries become (normalised name → bytes) pairs, and every name
// that could escape the bundle, every link and every duplicate is refused.
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Header, Parser, Pax } from 'tar';
import { AutonomyError } from '../../common/errors.ts';

/** A bundle's files: normalised relative name ('a/b/data.json') → content. */
export type BundleFiles = Map<string, Buffer>;

/** Limits that protect against archive bombs. */
export interface ReadLimits {
  /** Maximum total uncompressed size (default 512 MiB). */
  readonly maxBytes?: number;
  /** Maximum number of entries (default 20 000). */
  readonly maxEntries?: number;
}

const DEFAULT_MAX_BYTES = 512 * 1024 * 1024;
const DEFAULT_MAX_ENTRIES = 20_000;

/** Reads a bundle from a directory or a .tar.gz file. */
export function readBundle(path: string, limits: ReadLimits = {}): BundleFiles {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new AutonomyError('bundle_not_found', `${path}: no such file or directory`);
  }
  return st.isDirectory() ? readDirectory(path, limits) : readArchive(readFileSync(path), limits, path);
}

/** Reads a gzipped tar archive held in memory. */
export function readArchive(gz: Uint8Array, limits: ReadLimits = {}, source = 'bundle'): BundleFiles {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxEntries = limits.maxEntries ?? DEFAULT_MAX_ENTRIES;
  let tarBytes: Buffer;
  try {
    // maxOutputLength stops a gzip bomb before it is inflated, not after.
    tarBytes = gunzipSync(gz, { maxOutputLength: maxBytes });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw new AutonomyError('bundle_too_large', `${source}: decompresses to more than ${maxBytes} bytes`);
    }
    throw new AutonomyError('bundle_archive_invalid', `${source}: not a gzip file: ${(e as Error).message}`);
  }
  // tar's parser would transparently inflate a nested gzip stream, outside our size limit.
  if (tarBytes[0] === 0x1f && tarBytes[1] === 0x8b) throw new AutonomyError('bundle_archive_invalid', `${source}: nested gzip stream`);
  const files: BundleFiles = new Map();
  let failure: AutonomyError | undefined;
  let entries = 0;
  const fail = (e: AutonomyError): void => {
    failure ??= e;
  };
  // Decides whether an entry is kept: its bundle name, or undefined (skipped or refused).
  const accept = (type: string, raw: string): string | undefined => {
    if (++entries > maxEntries) throw new AutonomyError('bundle_too_large', `${source}: more than ${maxEntries} entries`);
    if (type === 'Directory') {
      checkName(raw, source);
      return undefined;
    }
    if (type === 'SymbolicLink' || type === 'Link') {
      throw new AutonomyError('bundle_link_entry', `${source}: entry ${JSON.stringify(raw)} is a ${type === 'Link' ? 'hard' : 'symbolic'} link; bundles hold regular files only`);
    }
    if (type !== 'File' && type !== 'OldFile' && type !== 'ContiguousFile') {
      throw new AutonomyError('bundle_archive_invalid', `${source}: entry ${JSON.stringify(raw)} has unsupported type ${type}`);
    }
    const name = checkName(raw, source);
    if (files.has(name) || pending.has(name)) throw new AutonomyError('bundle_duplicate_entry', `${source}: entry ${JSON.stringify(name)} appears more than once`);
    return name;
  };
  // Names whose content has not fully arrived: one left at the end means a truncated archive.
  const pending = new Set<string>();
  const parser = new Parser({ strict: true });
  parser.on('entry', (entry) => {
    let name: string | undefined;
    if (!failure) {
      try {
        name = accept(entry.type, String(entry.path));
      } catch (e) {
        fail(e as AutonomyError);
      }
    }
    if (name === undefined) {
      entry.resume();
      return;
    }
    const key = name;
    pending.add(key);
    const chunks: Buffer[] = [];
    entry.on('data', (c: Buffer) => chunks.push(c));
    entry.on('end', () => {
      pending.delete(key);
      files.set(key, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
  });
  parser.on('warn', (code: string, message: string | Error) => {
    fail(new AutonomyError('bundle_archive_invalid', `${source}: ${code}: ${message instanceof Error ? message.message : message}`));
  });
  parser.on('error', (e: Error) => fail(new AutonomyError('bundle_archive_invalid', `${source}: ${e.message}`)));
  parser.write(tarBytes);
  parser.end();
  if (failure) throw failure;
  if (pending.size > 0) throw new AutonomyError('bundle_archive_invalid', `${source}: truncated archive (${[...pending].join(', ')} incomplete)`);
  return files;
}

/**
 * Normalises an entry name to a bundle-relative path. A leading '/' is OPA's own convention for
 * the bundle root (`opa build` writes '/data.json'), so one is accepted; './' prefixes too.
 * Anything that could address a file outside the bundle is refused.
 */
export function checkName(raw: string, source = 'bundle'): string {
  const bad = (why: string): AutonomyError => new AutonomyError('bundle_unsafe_path', `${source}: entry ${JSON.stringify(raw)} ${why}`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\\]/.test(raw)) throw bad('contains a control character or a backslash');
  if (/^[A-Za-z]:/.test(raw)) throw bad('is an absolute Windows path');
  if (raw.startsWith('//')) throw bad('is an absolute path');
  let name = raw.startsWith('/') ? raw.slice(1) : raw;
  while (name.startsWith('./')) name = name.slice(2);
  if (name.endsWith('/')) name = name.slice(0, -1);
  if (name === '' || name === '.') return '';
  for (const seg of name.split('/')) {
    if (seg === '..') throw bad("contains '..'");
    if (seg === '' || seg === '.') throw bad('is not a normalised path');
  }
  return name;
}

function readDirectory(root: string, limits: ReadLimits): BundleFiles {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxEntries = limits.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const files: BundleFiles = new Map();
  let total = 0;
  const visit = (dir: string, prefix: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      const name = prefix + e.name;
      const st = lstatSync(p);
      if (st.isSymbolicLink()) throw new AutonomyError('bundle_link_entry', `${root}: ${name} is a symbolic link; bundles hold regular files only`);
      if (st.isDirectory()) visit(p, `${name}/`);
      else if (st.isFile()) {
        total += st.size;
        if (total > maxBytes) throw new AutonomyError('bundle_too_large', `${root}: more than ${maxBytes} bytes`);
        if (files.size >= maxEntries) throw new AutonomyError('bundle_too_large', `${root}: more than ${maxEntries} files`);
        files.set(name, readFileSync(p));
      } else throw new AutonomyError('bundle_archive_invalid', `${root}: ${name} is not a regular file`);
    }
  };
  visit(root, '');
  return files;
}

/** A deterministic .tar.gz of files: sorted names, mode 0644, mtime 0, no owner names. */
export function writeArchive(files: BundleFiles): Buffer {
  const blocks: Buffer[] = [];
  for (const name of [...files.keys()].sort()) {
    const body = files.get(name)!;
    const fields = { path: name, mode: 0o644, size: body.length, mtime: new Date(0), type: 'File' as const, uid: 0, gid: 0, uname: '', gname: '' };
    const h = new Header(fields);
    h.encode();
    if (h.needPax) blocks.push(new Pax({ ...fields, path: name }).encode());
    blocks.push(h.block!);
    blocks.push(body);
    const pad = (512 - (body.length % 512)) % 512;
    if (pad > 0) blocks.push(Buffer.alloc(pad));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}
