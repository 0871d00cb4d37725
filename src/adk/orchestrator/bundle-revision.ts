// The revision of a bundle file, read from its `.manifest` (OPA's layout) without unpacking it.
// The orchestrator treats bundles as opaque bytes; this is only so `bundle push FILE` need not
// be told the revision. (When src/adk/bundle lands, its reader can replace this one.)
import { gunzipSync } from 'node:zlib';
import { AutonomyError } from '../../common/errors.ts';

const BLOCK = 512;

/** The `revision` of the `.manifest` in a .tar.gz (or .tar) bundle, or null if it has none. */
export function manifestRevision(bytes: Buffer): string | null {
  let tar: Buffer;
  try {
    tar = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  } catch (e) {
    throw new AutonomyError('bad_bundle', `not a gzip file: ${(e as Error).message}`, { cause: e });
  }
  for (let at = 0; at + BLOCK <= tar.length;) {
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    const name = cstring(header.subarray(0, 100));
    const prefix = cstring(header.subarray(345, 500));
    const size = parseInt(cstring(header.subarray(124, 136)).trim() || '0', 8);
    if (!Number.isSafeInteger(size) || size < 0) throw new AutonomyError('bad_bundle', `bad tar header at offset ${at}`);
    const full = (prefix ? `${prefix}/${name}` : name).replace(/^\.?\//, '');
    if (full === '.manifest') {
      const text = tar.subarray(at + BLOCK, at + BLOCK + size).toString('utf8');
      let m: unknown;
      try {
        m = JSON.parse(text);
      } catch {
        throw new AutonomyError('bad_bundle', '.manifest is not JSON');
      }
      const rev = (m as { revision?: unknown }).revision;
      return typeof rev === 'string' && rev !== '' ? rev : null;
    }
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return null;
}

function cstring(b: Buffer): string {
  const end = b.indexOf(0);
  return b.subarray(0, end < 0 ? b.length : end).toString('utf8');
}
