// Operator passwords: scrypt from node:crypto, stored as `scrypt$N$r$p$salt$hash` (base64url) so
// the cost can be raised later without invalidating stored hashes.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { AutonomyError } from '../../../common/errors.ts';

const COST: Required<Pick<ScryptOptions, 'N' | 'r' | 'p'>> = { N: 16384, r: 8, p: 1 };
const KEY_LEN = 32;
/** Shortest password accepted. */
export const MIN_PASSWORD = 12;

function derive(password: string, salt: Buffer, o: typeof COST): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, KEY_LEN, { ...o, maxmem: 64 << 20 }, (e, k) => (e ? reject(e) : resolve(k))));
}

/** The stored form of a password. */
export async function hashPassword(password: string): Promise<string> {
  if (password.length < MIN_PASSWORD) throw new AutonomyError('bad_request', `the password must be at least ${MIN_PASSWORD} characters`);
  const salt = randomBytes(16);
  const key = await derive(password, salt, COST);
  return `scrypt$${COST.N}$${COST.r}$${COST.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** True iff password matches the stored hash (constant-time comparison). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([\w-]+)\$([\w-]+)$/.exec(stored);
  if (!m) return false;
  const want = Buffer.from(m[5]!, 'base64url');
  const got = await derive(password, Buffer.from(m[4]!, 'base64url'), { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) });
  return got.length === want.length && timingSafeEqual(got, want);
}

/** A random password for `operator add` when none is given (printed once). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

/** A hash of a password no one knows: unknown operators cost a login as much as known ones. */
export const DUMMY_HASH = `scrypt$${COST.N}$${COST.r}$${COST.p}$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;
