// Bearer-token authentication for the HTTP API: one token per runtime, compared in constant time.
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh random token (256 bits, base64url). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * A check of Authorization headers against the token; digests make the compare
 * length-independent, and the token's own digest is taken once, not per request.
 */
export function bearerCheck(token: string): (header: string | undefined) => boolean {
  const expected = digest(token);
  return (header) => {
    if (header === undefined) return false;
    const m = /^Bearer[ \t]+(\S+)\s*$/i.exec(header);
    if (!m) return false;
    return timingSafeEqual(digest(m[1]!), expected);
  };
}

/** Checks one Authorization header against the token. */
export function checkBearer(header: string | undefined, token: string): boolean {
  return bearerCheck(token)(header);
}

function digest(s: string): Buffer {
  return hash('sha256', s, 'buffer');
}
