// The peer protocol, free of sockets: how a request is signed and how a receiver decides to
// accept it. A request carries five headers; the signature covers a canonical text of method,
// path (with query), body digest, sender, recipient and timestamp, so no part can be changed
// and the request cannot be replayed to another node or, within the freshness window, again.
import type { KeyObject } from 'node:crypto';
import { sha256Hex } from '../common/hash.ts';
import { sign, verify } from '../common/ed25519.ts';
import type { Clock } from './clock.ts';
import { edgeError } from './errors.ts';

export const Header = {
  peer: 'x-edge-peer',
  to: 'x-edge-to',
  timestamp: 'x-edge-timestamp',
  digest: 'x-edge-digest',
  signature: 'x-edge-signature',
} as const;

/** What a signature covers. */
export interface SignedFields {
  method: string;
  path: string;
  /** Hex SHA-256 of the body (of the empty string when there is none). */
  digest: string;
  peer: string;
  to: string;
  timestamp: number;
}

/** The exact bytes signed; versioned so the format can change without ambiguity. */
export function canonical(f: SignedFields): Buffer {
  return Buffer.from(['autonomy-edge-v1', f.method.toUpperCase(), f.path, f.digest, f.peer, f.to, String(f.timestamp)].join('\n'), 'utf8');
}

/** Signs requests from one node; timestamps strictly increase so no two signatures repeat. */
export class RequestSigner {
  readonly #key: KeyObject;
  readonly #id: string;
  readonly #clock: Clock;
  #last = 0;

  constructor(id: string, key: KeyObject, clock: Clock) {
    this.#id = id;
    this.#key = key;
    this.#clock = clock;
  }

  /** The protocol headers for a request to `to`; pass the body's digest if it is already known. */
  headers(method: string, path: string, to: string, body: Uint8Array | string = '', digest: string = sha256Hex(body)): Record<string, string> {
    this.#last = Math.max(this.#clock.now(), this.#last + 1);
    const f: SignedFields = { method, path, digest, peer: this.#id, to, timestamp: this.#last };
    return {
      [Header.peer]: f.peer,
      [Header.to]: f.to,
      [Header.timestamp]: String(f.timestamp),
      [Header.digest]: f.digest,
      [Header.signature]: sign(this.#key, canonical(f)).toString('base64'),
    };
  }
}

/** A request the verifier accepted: who sent it and the body digest it promised. */
export interface Accepted {
  peer: string;
  digest: string;
}

/**
 * Decides whether a request is from a known peer, authentic, fresh and new. Checks run in a
 * fixed order so each failure has one answer: 400 malformed, 403 unknown peer, 401 bad
 * signature or stale, 409 replay; the body is checked later against the digest (422).
 */
export class RequestVerifier {
  readonly #nodeId: string;
  readonly #keys: ReadonlyMap<string, KeyObject>;
  readonly #skewMs: number;
  readonly #clock: Clock;
  /** Signatures seen within the freshness window → when they fall out of it. */
  readonly #seen = new Map<string, number>();

  constructor(nodeId: string, keys: ReadonlyMap<string, KeyObject>, maxSkewMs: number, clock: Clock) {
    this.#nodeId = nodeId;
    this.#keys = keys;
    this.#skewMs = maxSkewMs;
    this.#clock = clock;
  }

  /** Checks the headers of a request; throws a coded edge error when it must be refused. */
  verify(method: string, path: string, headers: Record<string, string | string[] | undefined>): Accepted {
    const get = (name: string): string => {
      const v = headers[name];
      if (typeof v !== 'string' || v === '') throw edgeError('bad_request', `missing header ${name}`);
      return v;
    };
    const peer = get(Header.peer);
    const key = this.#keys.get(peer);
    if (!key) throw edgeError('peer_unknown', `${JSON.stringify(peer)} is not a known peer of ${this.#nodeId}`);
    const to = get(Header.to);
    const digest = get(Header.digest);
    const tsText = get(Header.timestamp);
    const sig = Buffer.from(get(Header.signature), 'base64');
    if (!/^[0-9a-f]{64}$/.test(digest)) throw edgeError('bad_request', `${Header.digest} must be a hex SHA-256`);
    if (!/^\d{1,16}$/.test(tsText)) throw edgeError('bad_request', `${Header.timestamp} must be milliseconds since the epoch`);
    const timestamp = Number(tsText);
    if (!verify(key, canonical({ method, path, digest, peer, to, timestamp }), sig)) {
      throw edgeError('signature_invalid', `the signature of ${method} ${path} does not verify with ${peer}'s key`);
    }
    if (to !== this.#nodeId) throw edgeError('signature_invalid', `the request is addressed to ${JSON.stringify(to)}, this is ${this.#nodeId}`);
    const now = this.#clock.now();
    if (Math.abs(now - timestamp) > this.#skewMs) {
      throw edgeError('request_stale', `the request's timestamp is ${now - timestamp} ms from this node's clock (max_clock_skew ${this.#skewMs} ms)`);
    }
    this.#prune(now);
    const sigKey = sig.toString('base64');
    if (this.#seen.has(sigKey)) throw edgeError('request_replayed', `this exact request from ${peer} was already received`);
    this.#seen.set(sigKey, timestamp + this.#skewMs);
    return { peer, digest };
  }

  /** Throws digest_mismatch unless the body's digest is the signed one. */
  static checkBody(accepted: Accepted, body: Uint8Array, actual: string = sha256Hex(body)): void {
    if (actual !== accepted.digest) throw edgeError('digest_mismatch', `the body hashes to ${actual}, the signed digest is ${accepted.digest}`);
  }

  #prune(now: number): void {
    // Requests older than the window are refused as stale anyway, so their signatures can go.
    // The map is in arrival order, which is nearly expiry order: stop at the first live one,
    // so a check costs O(expired) rather than O(window). A straggler is dropped a little late.
    for (const [sig, until] of this.#seen) {
      if (until >= now) break;
      this.#seen.delete(sig);
    }
  }
}
