// MCP's stdio framing: one JSON-RPC message per line. Splits a byte stream into lines under a
// size limit, so a peer that never sends a newline cannot make the proxy buffer without end;
// an oversized line is discarded up to its newline and reported with a prefix of its bytes.

/** What the reader hands on: a whole line (without its newline) or the news that one was too big. */
export type Frame = { kind: 'line'; bytes: Buffer } | { kind: 'oversized'; prefix: Buffer; limit: number };

/** How much of an oversized line is kept to find its id. */
const PREFIX_BYTES = 64 * 1024;

/** Splits chunks into newline-delimited frames; a line over maxBytes becomes one 'oversized' frame. */
export class LineReader {
  readonly #maxBytes: number;
  readonly #emit: (f: Frame) => void;
  #parts: Buffer[] = [];
  #size = 0;
  /** Non-null while the rest of an oversized line is being thrown away. */
  #discarding: Buffer | null = null;

  constructor(maxBytes: number, emit: (f: Frame) => void) {
    this.#maxBytes = maxBytes;
    this.#emit = emit;
  }

  /** Feeds a chunk; emits every frame it completes. */
  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl;
      this.#take(chunk.subarray(start, end));
      if (nl === -1) return;
      this.#finish();
      start = nl + 1;
    }
  }

  /** True when bytes of an unfinished line are buffered (the stream ended mid-message). */
  get partial(): boolean {
    return this.#size > 0 || this.#discarding !== null;
  }

  #take(piece: Buffer): void {
    if (piece.length === 0 || this.#discarding !== null) return;
    if (this.#size + piece.length > this.#maxBytes) {
      const head = Buffer.concat([...this.#parts, piece]);
      this.#discarding = head.subarray(0, Math.min(PREFIX_BYTES, head.length));
      this.#parts = [];
      this.#size = 0;
      return;
    }
    this.#parts.push(piece);
    this.#size += piece.length;
  }

  #finish(): void {
    if (this.#discarding !== null) {
      const prefix = this.#discarding;
      this.#discarding = null;
      this.#emit({ kind: 'oversized', prefix, limit: this.#maxBytes });
      return;
    }
    const bytes = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts);
    this.#parts = [];
    this.#size = 0;
    // A bare "\r" left by CRLF framing and blank lines carry no message.
    const trimmed = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.subarray(0, -1) : bytes;
    if (trimmed.length > 0) this.#emit({ kind: 'line', bytes: trimmed });
  }
}

/**
 * The top-level "id" of a (possibly cut-off) JSON-RPC message, read from its first bytes without
 * parsing them as a whole, so an oversized request can still be answered to the right id.
 */
export function scanTopLevelId(prefix: Buffer): string | number | null {
  const text = prefix.toString('utf8');
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      const end = stringEnd(text, i);
      if (end === -1) return null;
      if (depth === 1 && text.slice(i, end + 1) === '"id"') {
        const m = /^\s*:\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|"(?:[^"\\]|\\.)*")/.exec(text.slice(end + 1, end + 300));
        if (m) return JSON.parse(m[1]!) as string | number;
      }
      i = end + 1;
      continue;
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    i++;
  }
  return null;
}

/** Index of the quote closing the string opening at `start`, or -1 if cut off. */
function stringEnd(text: string, start: number): number {
  for (let j = start + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x5c) j++;
    else if (c === 0x22) return j;
  }
  return -1;
}
