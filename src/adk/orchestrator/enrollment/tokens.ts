// One-time enrollment tokens and label syntax. Only a token's SHA-256 is stored, so a copy of
// the database does not let anyone enroll.
import { randomBytes } from 'node:crypto';
import { AutonomyError } from '../../../common/errors.ts';
import { sha256Hex } from '../../../common/hash.ts';
import type { Labels } from '../types.ts';

const LABEL_KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]{0,62}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^[A-Za-z0-9._/-]{0,63}$/;

/** A fresh token: `aot_` and 32 random bytes in base64url. */
export function newEnrollmentToken(): string {
  return `aot_${randomBytes(32).toString('base64url')}`;
}

/** What the store keeps of a token. */
export function tokenHash(token: string): string {
  return sha256Hex(token);
}

/** Parses `k=v,k2=v2` (empty text: no labels). */
export function parseLabels(text: string, what = 'labels'): Labels {
  const out: Labels = {};
  if (text.trim() === '') return out;
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new AutonomyError('bad_labels', `${what}: ${JSON.stringify(part)} is not key=value`);
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return checkLabels(out, what);
}

/** Validates labels received as JSON. */
export function checkLabels(v: unknown, what = 'labels'): Labels {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new AutonomyError('bad_labels', `${what} must be an object of strings`);
  for (const [k, val] of Object.entries(v)) {
    if (!LABEL_KEY.test(k)) throw new AutonomyError('bad_labels', `${what}: ${JSON.stringify(k)} is not a valid label key`);
    if (typeof val !== 'string' || !LABEL_VALUE.test(val)) throw new AutonomyError('bad_labels', `${what}: the value of ${k} must be a label value (letters, digits, . _ / -)`);
  }
  return v as Labels;
}
