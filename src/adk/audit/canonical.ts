// Canonical JSON (RFC 8785, JCS): one byte sequence per value, so hashes of records and of
// arguments are reproducible by anyone holding the same value.
import { AutonomyError } from '../../common/errors.ts';

/** The canonical JSON text of a JSON value; throws `wal_bad_record` for anything not JSON. */
export function canonicalJson(value: unknown, path = '$'): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new AutonomyError('wal_bad_record', `${path}: ${value} is not a JSON number`);
      // ECMAScript's shortest round-trip form, which is what JCS prescribes; -0 becomes 0.
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map((v, i) => canonicalJson(v, `${path}[${i}]`)).join(',')}]`;
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) throw new AutonomyError('wal_bad_record', `${path}: not a plain JSON object`);
      const obj = value as Record<string, unknown>;
      // Default sort compares UTF-16 code units, exactly JCS's key order.
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k], `${path}.${k}`)}`).join(',')}}`;
    }
    default:
      throw new AutonomyError('wal_bad_record', `${path}: a ${typeof value} is not a JSON value`);
  }
}
