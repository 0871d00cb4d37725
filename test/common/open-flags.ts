// The open flags of files this process holds, read from /proc/self/fdinfo (Linux only): how
// tests check that durable writes go through O_DSYNC descriptors.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Flags of every descriptor this process holds, by the path it points at. */
export function openFlagsByPath(): Map<string, number> {
  const out = new Map<string, number>();
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // closed meanwhile (readdir's own descriptor)
    }
    const m = /^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
    assert.ok(m, `no flags in fdinfo of ${target}`);
    out.set(target, parseInt(m[1]!, 8));
  }
  return out;
}

/** The open flags of the descriptor this process holds on path. */
export function openFlags(path: string): number {
  const flags = openFlagsByPath().get(path);
  if (flags === undefined) throw new Error(`${path} is not open`);
  return flags;
}
