// The cost of one durable write on a directory's disk, the yardstick for targets of the form
// "X plus one fdatasync".
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { quantile } from './report.ts';

/** Median time in ms of a `bytes`-byte write + fdatasync in `dir`, over `n` tries. */
export function fdatasyncMs(dir: string, bytes = 300, n = 200): number {
  const file = join(dir, 'fsync-probe');
  const fd = openSync(file, 'w');
  const times: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      writeSync(fd, Buffer.alloc(bytes, i), 0, bytes, i * bytes);
      fdatasyncSync(fd);
      times.push(performance.now() - t0);
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  return quantile(times, 0.5);
}
