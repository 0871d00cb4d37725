// The writer: recovery on open, group commit, checkpoints, segment cuts (docs/wal.md).
// One flush loop owns the file; every append queued while a batch's durable write is in flight
// joins the next batch, so concurrency, not a timer, sets the batch size.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { AutonomyError } from '../../common/errors.ts';
import { keyId } from '../../common/ed25519.ts';
import { sha256Hex } from '../../common/hash.ts';
import { canonicalJson } from './canonical.ts';
import { checkpointFields, type CheckpointSigner } from './checkpoint.ts';
import { encodeFrames, FrameWriter, MAX_PAYLOAD } from './frame.ts';
import { nodeFs, type WalFile, type WalFs } from './fs-seam.ts';
import { GENESIS_HASH, isCallerKind, payloadText, prepareFields, RecordKind, type AppendInput, type PreparedFields } from './record.ts';
import { compileRedaction, type RedactionConfig, type Redactor } from './redact.ts';
import { pendingPlan } from './quarantine.ts';
import { scanWal } from './scan.ts';
import { acquireLock, listSegments, releaseLock, segmentName } from './segment.ts';

/** Options of openWal; only dir and key are required. */
export interface WalOptions {
  /** The WAL directory (segments); created with mode 0700. */
  dir: string;
  /** The node's Ed25519 private key; checkpoints are signed with it. */
  key: KeyObject;
  /** Cut a segment once it holds this many bytes (default 64 MiB). */
  segmentBytes?: number;
  /** Write a checkpoint after this many records (default 1000). */
  checkpointEvery?: number;
  /** Write a checkpoint this often when records arrived since the last one (default 10 s; 0: never). */
  checkpointIntervalMs?: number;
  /** Appends waiting or in flight beyond which append rejects with wal_backpressure (default 10000). */
  queueLimit?: number;
  redaction?: RedactionConfig;
  fs?: WalFs;
  /** Called after each group commit with its durable write's duration and the records it carried. */
  onFlush?: (seconds: number, records: number) => void;
}

/** Where an appended record landed in the chain. */
export interface AppendResult {
  seq: number;
  hash: string;
}

/** What recovery found when the WAL was opened; also recorded in the run's start record. */
export interface RecoveryNote {
  previousRun: 'none' | 'clean' | 'crashed';
  tornTail: { segment: string; offset: number; bytes: number; problem: string } | null;
  incompleteCut: string | null;
}

/** An open WAL. */
export interface Wal {
  readonly dir: string;
  readonly recovery: RecoveryNote;
  /** The last durable record. */
  head(): AppendResult;
  /** Resolves once the record is durable (written with O_DSYNC, or written and fdatasync'ed). */
  append(input: AppendInput): Promise<AppendResult>;
  /** Writes a checkpoint now if any record is unsealed. */
  checkpoint(): Promise<AppendResult>;
  /** Seals the run (stop + checkpoint), flushes and releases the directory. */
  close(): Promise<void>;
}

interface Entry {
  /** null: a checkpoint request, honoured only if something is unsealed. */
  fields: PreparedFields | null;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

const MAX_BATCH = 4096;
/** Zeros written ahead of the data at a time. */
const PREALLOCATE = 1024 * 1024;

/** Opens (creating if needed) the WAL in opts.dir for append, after recovery. */
export async function openWal(opts: WalOptions): Promise<Wal> {
  const settings = settingsOf(opts);
  const fs = opts.fs ?? nodeFs;
  const { dir } = opts;
  await fs.mkdir(dir, 0o700);
  await acquireLock(fs, dir);
  try {
    if (await pendingPlan(fs, dir)) {
      throw new AutonomyError('wal_quarantine_pending', `${dir}: a quarantine was interrupted; run \`autonomy audit quarantine\` again to finish it`);
    }
    const scan = await scanWal(fs, dir, { publicKey: createPublicKey(opts.key) });
    if (scan.damage) {
      const d = scan.damage;
      throw new AutonomyError('wal_tampered', `${join(dir, d.segment)} at offset ${d.offset}, seq ${d.seq}: ${d.reason}; refusing to append (inspect with \`autonomy audit verify\`, set the damage aside with \`autonomy audit quarantine\`)`);
    }
    const recovery: RecoveryNote = { previousRun: scan.records === 0 ? 'none' : scan.cleanEnd ? 'clean' : 'crashed', tornTail: null, incompleteCut: null };
    if (scan.torn) {
      const f = await fs.openFile(join(dir, scan.torn.segment));
      try {
        await f.truncate(scan.torn.offset);
        await f.datasync();
      } finally {
        await f.close();
      }
      recovery.tornTail = { ...scan.torn };
    }
    if (scan.incompleteCut) {
      await fs.unlink(join(dir, scan.incompleteCut));
      await fs.fsyncDir(dir);
      recovery.incompleteCut = scan.incompleteCut;
    }
    let name = (await listSegments(fs, dir)).at(-1)?.name;
    let file: WalFile;
    if (name === undefined) {
      name = segmentName(1);
      file = await fs.createFile(join(dir, name), 0o600);
      await fs.fsyncDir(dir);
    } else file = await fs.openFile(join(dir, name));
    const head = scan.head;
    const size = head?.segment === name ? head.end : 0;
    const wal = new FileWal(opts, settings, fs, recovery, { file, name, size, allocated: await file.size(), seq: head?.seq ?? 0, hash: head?.hash ?? GENESIS_HASH, epoch: head?.epoch ?? 1 });
    await wal.start();
    return wal;
  } catch (e) {
    await releaseLock(fs, dir);
    throw e;
  }
}

/** The validated options. */
interface Settings {
  segmentBytes: number;
  checkpointEvery: number;
  checkpointIntervalMs: number;
  queueLimit: number;
  redactor: Redactor | null;
}

function settingsOf(opts: WalOptions): Settings {
  const interval = opts.checkpointIntervalMs ?? 10_000;
  if (!(Number.isSafeInteger(interval) && interval >= 0)) throw new AutonomyError('wal_bad_config', `checkpointIntervalMs must be a non-negative integer, not ${interval}`);
  return {
    segmentBytes: positive(opts.segmentBytes ?? 64 * 1024 * 1024, 'segmentBytes'),
    checkpointEvery: positive(opts.checkpointEvery ?? 1000, 'checkpointEvery'),
    checkpointIntervalMs: interval,
    queueLimit: positive(opts.queueLimit ?? 10_000, 'queueLimit'),
    redactor: compileRedaction(opts.redaction),
  };
}

interface Tail {
  file: WalFile;
  name: string;
  /** End of the durable data in the current segment. */
  size: number;
  /** Size of the file: the data, then zeros written ahead of it. */
  allocated: number;
  seq: number;
  hash: string;
  epoch: number;
}

class FileWal implements Wal {
  readonly dir: string;
  readonly recovery: RecoveryNote;
  readonly #fs: WalFs;
  readonly #signer: CheckpointSigner;
  readonly #segmentBytes: number;
  readonly #checkpointEvery: number;
  readonly #queueLimit: number;
  readonly #preallocate: number;
  readonly #redactor: Redactor | null;
  readonly #onFlush: (seconds: number, records: number) => void;
  readonly #timer: NodeJS.Timeout | null;
  #tail: Tail;
  #sinceCheckpoint = 0;
  /** The file may hold bytes of a failed batch past #tail.size. */
  #dirty = false;
  #queue: Entry[] = [];
  readonly #frames = new FrameWriter();
  #inFlight = 0;
  #flushing = false;
  #closed = false;
  // Wall clock at open plus a monotonic offset: nanosecond times that never go backwards in a run.
  readonly #wall0 = BigInt(Date.now()) * 1_000_000n;
  readonly #hr0 = process.hrtime.bigint();

  constructor(opts: WalOptions, settings: Settings, fs: WalFs, recovery: RecoveryNote, tail: Tail) {
    this.dir = opts.dir;
    this.recovery = recovery;
    this.#fs = fs;
    this.#signer = { key: opts.key, keyId: keyId(createPublicKey(opts.key)) };
    this.#segmentBytes = settings.segmentBytes;
    this.#checkpointEvery = settings.checkpointEvery;
    this.#queueLimit = settings.queueLimit;
    this.#preallocate = Math.min(PREALLOCATE, settings.segmentBytes);
    this.#redactor = settings.redactor;
    this.#onFlush = opts.onFlush ?? (() => undefined);
    this.#tail = tail;
    const interval = settings.checkpointIntervalMs;
    this.#timer = interval > 0 ? setInterval(() => this.#timedCheckpoint(), interval).unref() : null;
  }

  /** Writes the run's start record and seals everything before it. */
  async start(): Promise<void> {
    const r = this.recovery;
    const detail: Record<string, unknown> = { previous_run: r.previousRun };
    if (r.tornTail) detail['torn_tail_cut'] = r.tornTail;
    if (r.incompleteCut) detail['incomplete_cut_removed'] = r.incompleteCut;
    const started = this.#enqueue(prepareFields(RecordKind.start, this.#now(), { detail }), false);
    const sealed = this.#enqueue(null);
    try {
      await Promise.all([started, sealed]);
    } catch (e) {
      this.#closed = true;
      if (this.#timer) clearInterval(this.#timer);
      await this.#tail.file.close();
      throw e;
    }
  }

  head(): AppendResult {
    return { seq: this.#tail.seq, hash: this.#tail.hash };
  }

  append(input: AppendInput): Promise<AppendResult> {
    if (this.#closed) return Promise.reject(new AutonomyError('wal_closed', 'the WAL is closed'));
    if (this.#queue.length + this.#inFlight >= this.#queueLimit) {
      return Promise.reject(new AutonomyError('wal_backpressure', `the WAL has ${this.#queueLimit} appends waiting for the disk; refusing more`));
    }
    let fields: PreparedFields;
    try {
      if (typeof input !== 'object' || input === null || !isCallerKind(input.kind)) throw new AutonomyError('wal_bad_record', `a caller may append only decision, policy_activation, rollback or activation_failure records`);
      const { kind, args, ...rest } = input;
      if (args === undefined) fields = prepareFields(kind, this.#now(), rest);
      else {
        const full = canonicalJson(args, 'args');
        const shown = this.#redactor ? this.#redactor(args) : args;
        fields = prepareFields(kind, this.#now(), { ...rest, args: shown, args_hash: sha256Hex(full) }, this.#redactor ? undefined : full);
      }
      // Each UTF-16 unit is at most 3 UTF-8 bytes; the exact size is needed only near the limit.
      const text = fields.head + fields.mid2 + fields.tail;
      if ((text.length + 512) * 3 > MAX_PAYLOAD && Buffer.byteLength(text, 'utf8') + 512 > MAX_PAYLOAD) {
        throw new AutonomyError('wal_bad_record', `the record exceeds the ${MAX_PAYLOAD}-byte limit`);
      }
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#enqueue(fields);
  }

  checkpoint(): Promise<AppendResult> {
    if (this.#closed) return Promise.reject(new AutonomyError('wal_closed', 'the WAL is closed'));
    return this.#enqueue(null);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    try {
      const stopped = this.#enqueue(prepareFields(RecordKind.stop, this.#now(), {}), false);
      const sealed = this.#enqueue(null);
      await Promise.all([stopped, sealed]);
      // At rest a segment holds its data and nothing else.
      await this.#tail.file.truncate(this.#tail.size);
      await this.#tail.file.datasync();
    } finally {
      await this.#tail.file.close();
      await releaseLock(this.#fs, this.dir);
    }
  }

  #now(): string {
    return (this.#wall0 + process.hrtime.bigint() - this.#hr0).toString();
  }

  #timedCheckpoint(): void {
    if (this.#sinceCheckpoint > 0 && !this.#closed) {
      // A timed checkpoint has no caller to reject; say so, and the next append meets the disk too.
      this.#enqueue(null).catch((e: unknown) => process.emitWarning(`timed WAL checkpoint failed: ${(e as Error).message}`, { code: 'wal_io' }));
    }
  }

  /** Queues an entry; flush=false lets a caller queue several that must share one batch. */
  #enqueue(fields: PreparedFields | null, flush = true): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ fields, resolve, reject });
      if (flush && !this.#flushing) void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    try {
      while (this.#queue.length > 0) {
        let batch: Entry[];
        if (this.#queue.length <= MAX_BATCH) {
          batch = this.#queue;
          this.#queue = [];
        } else batch = this.#queue.splice(0, MAX_BATCH);
        this.#inFlight = batch.length;
        await this.#commit(batch);
        this.#inFlight = 0;
      }
    } finally {
      this.#flushing = false;
    }
  }

  /** Writes and syncs one batch; settles every entry in it. Never throws. */
  async #commit(batch: Entry[]): Promise<void> {
    if (this.#sinceCheckpoint === 0 && batch.every((en) => en.fields === null)) {
      // Only checkpoint requests, and nothing unsealed: nothing to write.
      for (const en of batch) en.resolve(this.head());
      return;
    }
    try {
      if (this.#dirty) {
        // Bytes of a failed batch were never acknowledged; drop them before writing after them.
        await this.#tail.file.truncate(this.#tail.size);
        await this.#tail.file.datasync();
        this.#tail.allocated = this.#tail.size;
        this.#dirty = false;
      }
      if (this.#tail.size >= this.#segmentBytes) await this.#cut();
    } catch (e) {
      this.#dirty = true;
      for (const en of batch) en.reject(ioError('the WAL could not prepare its segment', e));
      return;
    }
    const t = this.#tail;
    const w = this.#frames;
    w.reset();
    const results: AppendResult[] = [];
    let seq = t.seq;
    let hash = t.hash;
    let since = this.#sinceCheckpoint;
    let seconds: number | null = null;
    try {
      for (const en of batch) {
        if (en.fields === null && since === 0) {
          results.push({ seq, hash });
          continue;
        }
        seq++;
        const fields = en.fields ?? this.#checkpointFields(t.epoch, seq, hash, false);
        hash = sha256Hex(w.add(payloadText(fields, seq, t.epoch, hash)));
        results.push({ seq, hash });
        since = en.fields === null ? 0 : since + 1;
        if (since >= this.#checkpointEvery) {
          seq++;
          hash = sha256Hex(w.add(payloadText(this.#checkpointFields(t.epoch, seq, hash, false), seq, t.epoch, hash)));
          since = 0;
        }
      }
      const end = t.size + w.bytes().length;
      if (end > t.size) {
        // Zeros written ahead once per chunk, in the same write: the durable writes of the
        // batches that then fill them change no file size, which makes them markedly cheaper.
        const ahead = end > t.allocated ? this.#preallocate : 0;
        if (ahead > 0) w.zeros(ahead);
        this.#dirty = true;
        const t0 = performance.now();
        await t.file.write(w.bytes(), t.size);
        seconds = (performance.now() - t0) / 1000;
        this.#dirty = false;
        t.size = end;
        if (ahead > 0) t.allocated = end + ahead;
      }
    } catch (e) {
      for (const en of batch) en.reject(ioError('the WAL could not make the record durable', e));
      return;
    }
    const records = seq - t.seq;
    t.seq = seq;
    t.hash = hash;
    this.#sinceCheckpoint = since;
    for (let i = 0; i < batch.length; i++) batch[i]!.resolve(results[i]!);
    if (seconds === null) return;
    try {
      this.#onFlush(seconds, records);
    } catch (e) {
      // An observer's failure must not stop the log; say so.
      process.emitWarning(`WAL onFlush callback failed: ${(e as Error).message}`, { code: 'wal_observer' });
    }
  }

  #checkpointFields(epoch: number, seq: number, headHash: string, roll: boolean): PreparedFields {
    return checkpointFields(this.#signer, epoch, seq, headHash, this.#now(), roll);
  }

  /** Cuts the segment: next file first, then the roll checkpoint that points past it (docs/wal.md). */
  async #cut(): Promise<void> {
    const t = this.#tail;
    const name = segmentName(t.seq + 2);
    const path = join(this.dir, name);
    let next: WalFile;
    try {
      next = await this.#fs.createFile(path, 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // Left by an earlier cut that failed before its roll checkpoint: still empty, reuse it.
      next = await this.#fs.openFile(path);
      await next.truncate(0);
    }
    try {
      await this.#fs.fsyncDir(this.dir);
      const seq = t.seq + 1;
      const text = payloadText(this.#checkpointFields(t.epoch, seq, t.hash, true), seq, t.epoch, t.hash);
      const buf = encodeFrames([text]);
      this.#dirty = true;
      await t.file.write(buf, t.size);
      this.#dirty = false;
      // The zeros ahead of the data are of no use in a finished segment.
      await t.file.truncate(t.size + buf.length);
      await t.file.close();
      this.#tail = { file: next, name, size: 0, allocated: 0, seq, hash: sha256Hex(text), epoch: t.epoch };
      this.#sinceCheckpoint = 0;
    } catch (e) {
      await next.close();
      throw e;
    }
  }
}

function positive(n: number, name: string): number {
  if (!(Number.isSafeInteger(n) && n > 0)) throw new AutonomyError('wal_bad_config', `${name} must be a positive integer, not ${n}`);
  return n;
}

function ioError(what: string, cause: unknown): AutonomyError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return new AutonomyError('wal_io', `${what}: ${code ? `${code}: ` : ''}${(cause as Error | undefined)?.message ?? String(cause)}`, { cause });
}
