// Durable file operations: write-then-fsync, atomic replace by rename, directory fsync. A crash
// at any point leaves either the old or the new file, never a torn one.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Creates dir (and parents) with owner-only permissions. */
export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** Writes data to a new file and fsyncs it. */
export function writeDurable(path: string, data: Uint8Array | string, mode = 0o600): void {
  const fd = openSync(path, 'w', mode);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsyncs a directory so renames and creations inside it survive a crash. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Atomically replaces path with data: temp file, fsync, rename, fsync the directory. */
export function replaceDurable(path: string, data: Uint8Array | string, mode = 0o600): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeDurable(tmp, data, mode);
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

/** Appends one line and fsyncs. */
export function appendDurable(path: string, line: string): void {
  const fd = openSync(path, 'a', 0o600);
  try {
    writeSync(fd, line);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
