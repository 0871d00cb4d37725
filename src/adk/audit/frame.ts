// Frame codec (docs/wal.md, "Framing"): [u32 length][u32 CRC-32C of length+payload][payload]
// [zero padding to 8]. The decoder is pure: it is fed a segment's bytes and says where each
// frame is, and whether the first bad frame is a torn tail or damage.
import { AutonomyError } from '../../common/errors.ts';
import { crc32c } from './crc32c.ts';

export const HEADER_BYTES = 8;
export const ALIGN = 8;
export const MAX_PAYLOAD = 16 * 1024 * 1024;

/** Bytes a frame with a payload of `len` bytes takes on disk. */
export function frameSize(len: number): number {
  return HEADER_BYTES + len + ((ALIGN - (len % ALIGN)) % ALIGN);
}

/** Writes the header for the payload already at buf[at+8, at+8+len) and zeroes its padding; returns the frame's size. */
function sealFrame(buf: Buffer, at: number, len: number): number {
  buf.writeUInt32LE(len, at);
  const crc = crc32c(buf, crc32c(buf, 0, at, at + 4), at + HEADER_BYTES, at + HEADER_BYTES + len);
  buf.writeUInt32LE(crc, at + 4);
  const size = frameSize(len);
  buf.fill(0, at + HEADER_BYTES + len, at + size);
  return size;
}

/**
 * Accumulates frames in one reusable buffer so a batch goes to disk in a single write; the
 * group-commit loop resets it between batches instead of allocating.
 */
export class FrameWriter {
  #buf: Buffer;
  #len = 0;

  constructor(initialBytes = 1 << 20) {
    this.#buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Forgets the frames written so far. */
  reset(): void {
    this.#len = 0;
  }

  /** Appends a frame for text and returns its payload bytes (valid until the next add or reset). */
  add(text: string): Buffer {
    // A UTF-16 code unit takes at most 3 UTF-8 bytes.
    this.#reserve(HEADER_BYTES + text.length * 3 + ALIGN);
    const at = this.#len;
    const len = this.#buf.write(text, at + HEADER_BYTES, 'utf8');
    if (len > MAX_PAYLOAD) throw new AutonomyError('wal_bad_record', `a record of ${len} bytes exceeds the ${MAX_PAYLOAD}-byte limit`);
    this.#len += sealFrame(this.#buf, at, len);
    return this.#buf.subarray(at + HEADER_BYTES, at + HEADER_BYTES + len);
  }

  /** Appends n zero bytes after the frames: space written ahead of the data (docs/wal.md). */
  zeros(n: number): void {
    this.#reserve(n);
    this.#buf.fill(0, this.#len, this.#len + n);
    this.#len += n;
  }

  #reserve(room: number): void {
    if (this.#len + room <= this.#buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#len + room));
    this.#buf.copy(bigger, 0, 0, this.#len);
    this.#buf = bigger;
  }

  /** The bytes written since the last reset. */
  bytes(): Buffer {
    return this.#buf.subarray(0, this.#len);
  }
}

/** One buffer holding a frame for each payload text. */
export function encodeFrames(texts: readonly string[]): Buffer {
  const w = new FrameWriter(texts.reduce((n, t) => n + t.length * 3 + HEADER_BYTES + ALIGN, 0));
  for (const t of texts) w.add(t);
  return w.bytes();
}

/** One intact frame: where it starts and its payload bytes (a view into the segment). */
export interface Frame {
  offset: number;
  payload: Buffer;
}

/** Why a frame could not be read. */
export type FrameProblem = 'short_header' | 'short_payload' | 'bad_length' | 'crc_mismatch' | 'bad_padding';

/** The first frame that could not be read, and whether it can be a torn tail. */
export interface FrameDamage {
  offset: number;
  problem: FrameProblem;
  /** True iff no intact frame starts at any aligned offset after it (the damage reaches EOF). */
  atTail: boolean;
}

/** Checks the frame at `at`; returns its payload length or the problem. */
export function checkFrame(buf: Buffer, at: number): number | FrameProblem {
  if (buf.length - at < HEADER_BYTES) return 'short_header';
  const len = buf.readUInt32LE(at);
  if (len === 0 || len > MAX_PAYLOAD) return 'bad_length';
  if (at + frameSize(len) > buf.length) return 'short_payload';
  const crc = crc32c(buf, crc32c(buf, 0, at, at + 4), at + HEADER_BYTES, at + HEADER_BYTES + len);
  if (crc !== buf.readUInt32LE(at + 4)) return 'crc_mismatch';
  for (let i = at + HEADER_BYTES + len; i < at + frameSize(len); i++) if (buf[i] !== 0) return 'bad_padding';
  return len;
}

/**
 * Reads every frame of a segment up to the first damaged one. Zero bytes from a frame boundary
 * to the end are space the writer preallocated, not damage; `end` is where the data stops.
 */
export function decodeFrames(buf: Buffer): { frames: Frame[]; damage: FrameDamage | null; end: number } {
  const frames: Frame[] = [];
  let at = 0;
  while (at < buf.length) {
    const r = checkFrame(buf, at);
    if (typeof r === 'string') {
      if (zeroFrom(buf, at)) break;
      return { frames, damage: { offset: at, problem: r, atTail: !intactFrameAfter(buf, at) }, end: at };
    }
    frames.push({ offset: at, payload: buf.subarray(at + HEADER_BYTES, at + HEADER_BYTES + r) });
    at += frameSize(r);
  }
  return { frames, damage: null, end: at };
}

const ZEROS = Buffer.alloc(64 * 1024);

/** True iff every byte of buf from `at` on is zero. */
function zeroFrom(buf: Buffer, at: number): boolean {
  for (let p = at; p < buf.length; p += ZEROS.length) {
    const end = Math.min(buf.length, p + ZEROS.length);
    if (buf.compare(ZEROS, 0, end - p, p, end) !== 0) return false;
  }
  return true;
}

// A torn write only ever damages the end of what was being written; an intact frame further on
// means the damage is in the middle (a flipped byte, a corrupted length), never a torn tail.
function intactFrameAfter(buf: Buffer, at: number): boolean {
  for (let p = at + ALIGN; p + HEADER_BYTES <= buf.length; p += ALIGN) {
    if (typeof checkFrame(buf, p) === 'number') return true;
  }
  return false;
}
