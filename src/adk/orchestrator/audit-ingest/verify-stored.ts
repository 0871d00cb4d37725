// Re-verifies the records the orchestrator holds for a node, as `audit verify` asks: the hash
// chain from the node's anchor (the last record pruned by retention, or the genesis) to its head,
// each record's hash, and every checkpoint signature against the node's enrolled key, with the
// WAL's own chain rules (chainProblem). Segment names are not kept, so only the cut rule is
// applied at a segment boundary: the record after a roll starts a new segment.
import type { KeyObject } from 'node:crypto';
import { keyId } from '../../../common/ed25519.ts';
import { sha256Hex } from '../../../common/hash.ts';
import { isRoll } from '../../audit/checkpoint.ts';
import { decodeRecord, GENESIS_HASH, type WalRecord } from '../../audit/record.ts';
import { chainProblem } from '../../audit/scan.ts';
import type { AuditAnchor, StoredRecord } from '../types.ts';

/** Walks a node's stored records in seq order; the first problem stops it. */
export class StoredChain {
  readonly #key: KeyObject;
  readonly #kid: string;
  #prev: WalRecord | null;
  #prevHash: string;
  /** Records checked so far. */
  count = 0;
  problem: string | null = null;

  constructor(anchor: AuditAnchor | null, key: KeyObject) {
    this.#key = key;
    this.#kid = keyId(key);
    this.#prev = anchor ? decodeRecord(anchor.record) : null;
    this.#prevHash = anchor?.hash ?? GENESIS_HASH;
  }

  /** The hash of the last record checked (the anchor's, or the genesis, before any). */
  get lastHash(): string {
    return this.#prevHash;
  }

  /** Checks the next record; returns false (and sets problem) at the first one that breaks the chain. */
  push(r: StoredRecord): boolean {
    if (this.problem !== null) return false;
    let rec: WalRecord;
    try {
      rec = decodeRecord(r.record);
    } catch (e) {
      this.problem = `seq ${r.seq}: ${(e as Error).message}`;
      return false;
    }
    if (sha256Hex(r.record) !== r.hash) {
      this.problem = `seq ${r.seq}: the stored hash is not the hash of the stored record`;
      return false;
    }
    const cut = this.#prev !== null && isRoll(this.#prev) ? { name: 'the next segment', firstSeq: rec.seq } : null;
    const p = chainProblem(rec, this.#prev, this.#prevHash, cut, this.#kid, this.#key);
    if (p) {
      this.problem = `seq ${r.seq}: ${p[0]}: ${p[1]}`;
      return false;
    }
    this.#prev = rec;
    this.#prevHash = r.hash;
    this.count++;
    return true;
  }
}
