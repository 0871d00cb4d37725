// Checkpoints: an Ed25519 signature by the node key over the head they seal (docs/wal.md).
import type { KeyObject } from 'node:crypto';
import { sign, verify } from '../../common/ed25519.ts';
import { prepareFields, RecordKind, type PreparedFields, type WalRecord } from './record.ts';

/** The exact bytes a checkpoint's signature covers. */
export function checkpointMessage(epoch: number, headSeq: number, headHash: string, time: string): Buffer {
  return Buffer.from(`autonomy-wal-checkpoint/v1\n${epoch}\n${headSeq}\n${headHash}\n${time}`, 'utf8');
}

/** A signer bound to a node key. */
export interface CheckpointSigner {
  key: KeyObject;
  keyId: string;
}

/** The fields of the checkpoint at seq, sealing the head (seq - 1, headHash); roll marks a segment cut. */
export function checkpointFields(s: CheckpointSigner, epoch: number, seq: number, headHash: string, time: string, roll = false): PreparedFields {
  const signature = sign(s.key, checkpointMessage(epoch, seq - 1, headHash, time)).toString('base64');
  const detail: Record<string, unknown> = { key_id: s.keyId, signature };
  if (roll) detail['roll'] = true;
  return prepareFields(RecordKind.checkpoint, time, { detail });
}

/** Why a checkpoint record does not verify against the key, or null if it does. */
export function checkpointProblem(rec: WalRecord, publicKey: KeyObject, publicKeyId: string): string | null {
  const d = rec.detail ?? {};
  if (d['key_id'] !== publicKeyId) return `checkpoint seq ${rec.seq} is signed by key ${String(d['key_id'])}, not ${publicKeyId}`;
  const sig = typeof d['signature'] === 'string' ? Buffer.from(d['signature'], 'base64') : Buffer.alloc(0);
  if (!verify(publicKey, checkpointMessage(rec.epoch, rec.seq - 1, rec.prev_hash, rec.time), sig)) return `checkpoint seq ${rec.seq}: signature does not verify`;
  return null;
}

/** True for a checkpoint that cuts its segment. */
export function isRoll(r: WalRecord): boolean {
  return r.kind === RecordKind.checkpoint && r.detail?.['roll'] === true;
}
