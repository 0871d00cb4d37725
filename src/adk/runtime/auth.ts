// Bearer-token authentication for the HTTP API: one token per runtime, compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh random token (256 bits, base64url). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Checks an Authorization header against the token; digests make the compare length-independent. */
export function checkBearer(header: string | undefined, token: string): boolean {
  if (header === undefined) return false;
  const m = /^Bearer[ \t]+(\S+)\s*$/i.exec(header);
  if (!m) return false;
  return timingSafeEqual(digest(m[1]!), digest(token));
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
