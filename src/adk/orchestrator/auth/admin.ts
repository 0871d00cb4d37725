// The bootstrap admin credential: one bearer token shared by every replica. With it, named
// operators (accounts.ts) are created, who then use their own passwords and tokens.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AutonomyError } from '../../../common/errors.ts';
import { sha256Hex } from '../../../common/hash.ts';

/** A fresh admin token (32 random bytes, base64url). */
export function newAdminToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Reads the admin token from file, creating it (mode 0600) on first use. */
export function loadOrCreateAdminToken(file: string): string {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${newAdminToken()}\n`, { mode: 0o600, flag: 'wx' });
  }
  const token = readFileSync(file, 'utf8').trim();
  if (token.length < 16) throw new AutonomyError('admin_token_invalid', `${file}: the admin token must be at least 16 characters`);
  return token;
}

/** A checker of `Authorization: Bearer …` headers in constant time. */
export function adminChecker(token: string): (header: string | undefined) => void {
  const want = Buffer.from(sha256Hex(token), 'hex');
  return (header) => {
    const m = header ? /^Bearer\s+(\S+)$/.exec(header) : null;
    // Comparing digests keeps the comparison constant-time whatever the presented length.
    if (!m || !timingSafeEqual(Buffer.from(sha256Hex(m[1]!), 'hex'), want)) {
      throw new AutonomyError('unauthorized', 'admin endpoints need `Authorization: Bearer <admin token>`');
    }
  };
}
