// The file-system operations the WAL uses, behind one small interface so tests can inject
// ENOSPC, EIO or damage without touching the real disk's behaviour.
import { open, mkdir, readdir, readFile, rename, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { constants } from 'node:fs';

/** An open segment file. Writes are positional: the WAL tracks its own end of file. */
export interface WalFile {
  /**
   * Writes all of buf at position (looping over short writes) and resolves once it is durable,
   * as write + fdatasync would: a group commit is one call, so one thread-pool round trip.
   */
  write(buf: Uint8Array, position: number): Promise<void>;
  /** Makes a truncation durable (writes are already). */
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

/** The directory and file operations of the WAL. */
export interface WalFs {
  mkdir(path: string, mode: number): Promise<void>;
  /** File names in a directory; [] if it does not exist. */
  readdir(path: string): Promise<string[]>;
  readFile(path: string): Promise<Buffer>;
  /** The bytes of a file from offset to its end. */
  readFrom(path: string, offset: number): Promise<Buffer>;
  /** Opens an existing file for reading and writing. */
  openFile(path: string): Promise<WalFile>;
  /** Creates a new file (failing if it exists) with the given mode and opens it. */
  createFile(path: string, mode: number): Promise<WalFile>;
  writeFile(path: string, data: Uint8Array | string, mode: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Makes a directory's entries (new files, renames, removals) durable. */
  fsyncDir(path: string): Promise<void>;
}

// Files are opened O_DSYNC where the platform has it: each write returns only once its data
// (and the file size, if it grew) is on stable storage, exactly what a following fdatasync
// would ensure, without a second trip through libuv's thread pool.
const DSYNC = constants.O_DSYNC ?? 0;

class NodeFile implements WalFile {
  readonly #fh: FileHandle;
  constructor(fh: FileHandle) {
    this.#fh = fh;
  }
  async write(buf: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < buf.length) {
      const { bytesWritten } = await this.#fh.write(buf, done, buf.length - done, position + done);
      done += bytesWritten;
    }
    if (DSYNC === 0) await this.#fh.datasync();
  }
  datasync(): Promise<void> {
    return this.#fh.datasync();
  }
  truncate(length: number): Promise<void> {
    return this.#fh.truncate(length);
  }
  async size(): Promise<number> {
    return (await this.#fh.stat()).size;
  }
  close(): Promise<void> {
    return this.#fh.close();
  }
}

/** The real file system. */
export const nodeFs: WalFs = {
  async mkdir(path, mode) {
    await mkdir(path, { recursive: true, mode });
  },
  async readdir(path) {
    try {
      return await readdir(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  },
  readFile: (path) => readFile(path),
  async readFrom(path, offset) {
    const fh = await open(path, 'r');
    try {
      const size = (await fh.stat()).size;
      const buf = Buffer.allocUnsafe(Math.max(0, size - offset));
      let done = 0;
      while (done < buf.length) {
        const { bytesRead } = await fh.read(buf, done, buf.length - done, offset + done);
        if (bytesRead === 0) break; // truncated meanwhile (a closing writer drops its zeros)
        done += bytesRead;
      }
      return buf.subarray(0, done);
    } finally {
      await fh.close();
    }
  },
  openFile: async (path) => new NodeFile(await open(path, constants.O_RDWR | DSYNC)),
  createFile: async (path, mode) => new NodeFile(await open(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | DSYNC, mode)),
  async writeFile(path, data, mode) {
    await writeFile(path, data, { mode });
  },
  rename: (from, to) => rename(from, to),
  unlink: (path) => unlink(path),
  async fsyncDir(path) {
    const fh = await open(path, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
};
