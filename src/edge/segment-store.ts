// Content-addressed segment storage. SegmentStore owns the rules (verify against the address
// before acknowledging, idempotent repeats, the disk ceiling checked at write time); a Blobs
// backend owns only the bytes, in memory for tests or in files for the daemon.
import { closeSync, constants, createReadStream, fsyncSync, mkdirSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { sha256Hex } from '../common/hash.ts';
import { edgeError } from './errors.ts';
import { GroupSync } from './group-sync.ts';

/** Where the bytes live; implementations need not check anything. */
export interface Blobs {
  /** Every stored blob with its size, in no particular order. */
  list(): { hash: string; size: number }[];
  /** Makes bytes durable under hash; when it returns, a crash cannot lose them. */
  write(hash: string, bytes: Uint8Array): Promise<void>;
  /** The blob's bytes; size is what list() or write() reported, so no stat is needed. */
  read(hash: string, size: number): Promise<Buffer>;
  /** The blob's bytes as a stream; a missing blob is an error event. */
  stream(hash: string): Readable;
  remove(hash: string): Promise<void>;
}

/** True iff s is a lowercase hex SHA-256. */
export function isHash(s: string): boolean {
  return /^[0-9a-f]{64}$/.test(s);
}

/** The outcome of a put: newly stored, or already there (a repeat delivery). */
export type PutOutcome = 'stored' | 'exists';

/** Recently stored segments kept in memory for their deliveries: at most this many bytes... */
const RECENT_BYTES = 32 * 1024 * 1024;
/** ...of segments up to this size (larger ones are streamed from their file). */
const RECENT_SEGMENT_BYTES = 1024 * 1024;

/** Segments by SHA-256, under a ceiling on the bytes they occupy. */
export class SegmentStore {
  readonly ceilingBytes: number;
  readonly #blobs: Blobs;
  readonly #sizes = new Map<string, number>();
  #used = 0;
  // Bytes promised to writes in progress, so concurrent writes cannot jointly pass the ceiling.
  #reserved = 0;
  readonly #writing = new Map<string, Promise<PutOutcome>>();
  // A segment is usually relayed soon after it is stored; reading it back costs three
  // thread-pool round trips (open, read, close), measured as the sender's largest share of a
  // delivery. The bytes kept are a copy of the ones verified against the address, so a caller
  // reusing its buffer cannot change them; oldest leave first.
  readonly #recent = new Map<string, Buffer>();
  #recentBytes = 0;

  constructor(blobs: Blobs, ceilingBytes: number) {
    this.#blobs = blobs;
    this.ceilingBytes = ceilingBytes;
    for (const { hash, size } of blobs.list()) {
      this.#sizes.set(hash, size);
      this.#used += size;
    }
  }

  /** Bytes held by stored segments. */
  usedBytes(): number {
    return this.#used;
  }

  has(hash: string): boolean {
    return this.#sizes.has(hash);
  }

  /** How many segments are stored. */
  count(): number {
    return this.#sizes.size;
  }

  size(hash: string): number | undefined {
    return this.#sizes.get(hash);
  }

  /** Every stored segment, sorted by hash. */
  list(): { hash: string; size: number }[] {
    return [...this.#sizes].map(([hash, size]) => ({ hash, size })).sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  }

  /** Refuses a write of n bytes that would pass the ceiling; lets callers fail before reading a body. */
  checkRoom(n: number): void {
    if (this.#used + this.#reserved + n > this.ceilingBytes) {
      throw edgeError('disk_ceiling', `storing ${n} bytes would exceed disk_ceiling_bytes (${this.ceilingBytes}; ${this.#used} stored, ${this.#reserved} being written); deliver or purge segments, or raise the ceiling`);
    }
  }

  /**
   * Stores bytes under hash after checking that they hash to it; resolves once durable.
   * A repeat of a stored segment is 'exists' and writes nothing. A caller that hashed the
   * bytes as they arrived passes that digest instead of paying for a second pass.
   */
  async put(hash: string, bytes: Uint8Array, digest: string = sha256Hex(bytes)): Promise<PutOutcome> {
    if (!isHash(hash)) throw edgeError('bad_request', `${JSON.stringify(hash)} is not a SHA-256 hex digest`);
    if (digest !== hash) throw edgeError('digest_mismatch', `the bytes hash to ${digest}, not to their address ${hash}`);
    if (this.#sizes.has(hash)) return 'exists';
    const pending = this.#writing.get(hash);
    if (pending) return pending.then(() => 'exists');
    this.checkRoom(bytes.length);
    this.#reserved += bytes.length;
    const write = this.#blobs.write(hash, bytes).then(() => {
      this.#sizes.set(hash, bytes.length);
      this.#used += bytes.length;
      this.#remember(hash, bytes);
      return 'stored' as const;
    }).finally(() => {
      this.#reserved -= bytes.length;
      this.#writing.delete(hash);
    });
    this.#writing.set(hash, write);
    return write;
  }

  /** The segment's bytes, checked against its address (a corrupted file is never served). */
  async get(hash: string): Promise<Buffer> {
    const bytes = await this.read(hash);
    if (sha256Hex(bytes) !== hash) throw edgeError('segment_corrupt', `the stored bytes of ${hash} no longer match their address`);
    return bytes;
  }

  /**
   * The segment's bytes as stored, unchecked: for the relay, whose receiver verifies them
   * against the address anyway (a damaged file is refused there as digest_mismatch). A recent
   * segment's bytes come from memory and are shared: callers must not modify them.
   */
  async read(hash: string): Promise<Buffer> {
    const size = this.#sizes.get(hash);
    if (size === undefined) throw edgeError('segment_not_found', `no segment ${hash}`);
    return this.#recent.get(hash) ?? this.#blobs.read(hash, size);
  }

  #remember(hash: string, bytes: Uint8Array): void {
    if (bytes.length > RECENT_SEGMENT_BYTES) return;
    this.#recent.set(hash, Buffer.from(bytes));
    this.#recentBytes += bytes.length;
    for (const [h, b] of this.#recent) {
      if (this.#recentBytes <= RECENT_BYTES) break;
      this.#recent.delete(h);
      this.#recentBytes -= b.length;
    }
  }

  #forget(hash: string): void {
    const b = this.#recent.get(hash);
    if (!b) return;
    this.#recent.delete(hash);
    this.#recentBytes -= b.length;
  }

  /** The segment as a stream of its bytes, unchecked, for the relay (see read). */
  stream(hash: string): { stream: Readable; length: number } {
    const length = this.#sizes.get(hash);
    if (length === undefined) throw edgeError('segment_not_found', `no segment ${hash}`);
    return { stream: this.#blobs.stream(hash), length };
  }

  /** Deletes a segment; a missing one is not an error (removal is idempotent). */
  async remove(hash: string): Promise<void> {
    const size = this.#sizes.get(hash);
    if (size === undefined) return;
    this.#forget(hash);
    await this.#blobs.remove(hash);
    this.#sizes.delete(hash);
    this.#used -= size;
  }
}

/** Blobs in memory, for tests. */
export class MemoryBlobs implements Blobs {
  readonly map = new Map<string, Buffer>();
  list(): { hash: string; size: number }[] {
    return [...this.map].map(([hash, b]) => ({ hash, size: b.length }));
  }
  async write(hash: string, bytes: Uint8Array): Promise<void> {
    this.map.set(hash, Buffer.from(bytes));
  }
  async read(hash: string): Promise<Buffer> {
    const b = this.map.get(hash);
    if (!b) throw edgeError('segment_not_found', `no segment ${hash}`);
    return b;
  }
  stream(hash: string): Readable {
    const b = this.map.get(hash);
    return b ? Readable.from([b]) : new Readable({ read() { this.destroy(edgeError('segment_not_found', `no segment ${hash}`)); } });
  }
  async remove(hash: string): Promise<void> {
    this.map.delete(hash);
  }
}

/** Temp files kept created and open ahead of need, at most. */
const MAX_SPARES = 8;
const DSYNC = constants.O_DSYNC ?? 0;
const SPARE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | DSYNC;

/**
 * Blobs as files: DIR/segments/HASH, written to DIR/tmp first, fsynced, renamed into place and
 * the directory fsynced, so a file under segments/ is always complete. One flat directory, so
 * that concurrent writes share one directory fsync (group commit).
 */
export class FileBlobs implements Blobs {
  readonly #segments: string;
  readonly #tmp: string;
  #counter = 0;
  // Creating a file waits on the file system's journal, which the fsyncs of other writes keep
  // busy (measured: the slowest step of a delivery); a write takes a temp file created earlier
  // and leaves one for the next.
  #spares: Promise<{ path: string; fh: FileHandle }>[] = [];
  #dir: FileHandle | null = null;
  readonly #dirSync = new GroupSync(async () => {
    this.#dir ??= await open(this.#segments, 'r');
    await this.#dir.sync();
  });

  constructor(root: string) {
    this.#segments = join(root, 'segments');
    this.#tmp = join(root, 'tmp');
    mkdirSync(this.#segments, { recursive: true });
    // Leftover temp files are writes that never completed, hence never acknowledged.
    rmSync(this.#tmp, { recursive: true, force: true });
    mkdirSync(this.#tmp, { recursive: true });
  }

  #path(hash: string): string {
    return join(this.#segments, hash);
  }

  list(): { hash: string; size: number }[] {
    return readdirSync(this.#segments).filter(isHash).map((hash) => ({ hash, size: statSync(this.#path(hash)).size }));
  }

  #spare(): Promise<{ path: string; fh: FileHandle }> {
    // The temp name needs only to be unique within this process and root.
    const path = join(this.#tmp, `${process.pid}.${this.#counter++}`);
    // O_DSYNC: each write returns once its data and the file's size are on stable storage, as
    // write + fdatasync would, in one thread-pool round trip instead of two (docs/edge.md).
    const spare = open(path, SPARE_FLAGS, 0o644).then((fh) => ({ path, fh }));
    // A spare that could not be created fails the write that takes it, not the process.
    spare.catch(() => undefined);
    return spare;
  }

  async write(hash: string, bytes: Uint8Array): Promise<void> {
    const taken = this.#spares.shift() ?? this.#spare();
    if (this.#spares.length < MAX_SPARES) this.#spares.push(this.#spare());
    // Asynchronous throughout: a large write can be throttled by the kernel's dirty-page
    // limits, and even a rename can wait on the journal; the event loop keeps serving meanwhile.
    const { path: tmp, fh } = await taken;
    try {
      await fh.writeFile(bytes);
      if (DSYNC === 0) await fh.datasync();
    } catch (e) {
      await fh.close();
      throw e;
    }
    // Once synced, closing changes nothing on disk: it runs beside the rename.
    await Promise.all([fh.close(), rename(tmp, this.#path(hash))]);
    await this.#dirSync.request();
  }

  async read(hash: string, size: number): Promise<Buffer> {
    let fh: FileHandle;
    try {
      fh = await open(this.#path(hash), 'r');
    } catch (e) {
      throw edgeError('segment_not_found', `segment ${hash} is missing from ${this.#segments}`, e);
    }
    try {
      // One read of the known size, rather than readFile's stat and 512 KiB chunks.
      const buf = Buffer.allocUnsafe(size);
      let off = 0;
      while (off < size) {
        const { bytesRead } = await fh.read(buf, off, size - off, off);
        if (bytesRead === 0) throw edgeError('segment_corrupt', `segment ${hash} is shorter than its ${size} bytes`);
        off += bytesRead;
      }
      return buf;
    } finally {
      await fh.close();
    }
  }

  stream(hash: string): Readable {
    // 1 MiB reads: few thread-pool round trips, and no buffer of the whole segment.
    return createReadStream(this.#path(hash), { highWaterMark: 1024 * 1024 });
  }

  async remove(hash: string): Promise<void> {
    try {
      await unlink(this.#path(hash));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    await this.#dirSync.request();
  }

  async close(): Promise<void> {
    const spares = this.#spares;
    this.#spares = [];
    for (const s of await Promise.allSettled(spares)) {
      if (s.status === 'fulfilled') {
        await s.value.fh.close();
        await unlink(s.value.path);
      }
    }
    await this.#dirSync.idle();
    await this.#dir?.close();
    this.#dir = null;
  }
}

/** fsyncs a directory so a rename or unlink in it is durable. */
export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
