// Uploads a node's WAL to the orchestrator as it grows: every sealed record (up to the last
// checkpoint), segment by segment, from where the last upload stopped. Safe against a live
// writer: it reads only whole frames up to a checkpoint, and the orchestrator ignores repeats,
// so a restart that starts over from the first segment costs bandwidth, never correctness.
// Meant for the runtime's node agent; used by the simulation and the tests.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeFrames, frameSize } from '../../audit/frame.ts';
import { nodeFs } from '../../audit/fs-seam.ts';
import { decodeRecord, RecordKind } from '../../audit/record.ts';
import { listSegments } from '../../audit/segment.ts';

/** Where sealed WAL bytes go: the orchestrator (NodeClient), or the local edged for a gateway to upload. */
export interface AuditSink {
  uploadAudit(segment: string, offset: number, bytes: Buffer): Promise<{ accepted: number }>;
}

/** Where the next upload starts. */
export interface UploadPosition {
  segment: string;
  offset: number;
}

/** Uploads the sealed part of a WAL directory, remembering how far it got. */
export class AuditUploader {
  readonly #client: AuditSink;
  readonly #dir: string;
  #pos: UploadPosition | null;

  constructor(client: AuditSink, walDir: string, from: UploadPosition | null = null) {
    this.#client = client;
    this.#dir = walDir;
    this.#pos = from;
  }

  /** How far uploads have gone (null: nothing yet). */
  get position(): UploadPosition | null {
    return this.#pos;
  }

  /** Uploads every sealed record not yet uploaded; returns how many the orchestrator accepted. */
  async sync(): Promise<number> {
    let accepted = 0;
    const segments = await listSegments(nodeFs, this.#dir);
    for (const seg of segments) {
      if (this.#pos && seg.name < this.#pos.segment) continue;
      const start = this.#pos?.segment === seg.name ? this.#pos.offset : 0;
      const bytes = (await readFile(join(this.#dir, seg.name))).subarray(start);
      // Only whole frames count (decodeFrames stops at a frame being written), and only up
      // to the last checkpoint: the orchestrator takes sealed records only.
      let end = 0;
      for (const f of decodeFrames(bytes).frames) {
        if (decodeRecord(f.payload.toString('utf8')).kind === RecordKind.checkpoint) end = f.offset + frameSize(f.payload.length);
      }
      if (end > 0) {
        accepted += (await this.#client.uploadAudit(seg.name, start, bytes.subarray(0, end))).accepted;
        this.#pos = { segment: seg.name, offset: start + end };
      }
      // Only the last segment may end unsealed (records being written); anywhere else the rest
      // could not be uploaded in order, so stop here rather than skip it.
      if (end < bytes.length) break;
    }
    return accepted;
  }
}
