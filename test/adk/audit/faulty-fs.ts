// A file-system seam for tests: counts durable writes, holds writes at a gate, injects ENOSPC / EIO.
import { nodeFs, type WalFile, type WalFs } from '../../../src/adk/audit/fs-seam.ts';

/**
 * A fault to inject into every matching operation until cleared. `sync` fails the step that
 * makes bytes durable: a write's bytes land in the file but the write fails, as an O_DSYNC
 * write whose flush fails does, and datasync fails.
 */
export interface Fault {
  op: 'write' | 'sync' | 'truncate' | 'createFile';
  code: 'ENOSPC' | 'EIO';
  /** For write: bytes actually written before the error, as a full disk does. */
  partial?: number;
}

/** The instrumented seam and its controls. */
export interface FaultyFs extends WalFs {
  fault: Fault | null;
  /** Durable writes (each is a write + fdatasync), one per group commit. */
  writes: number;
  /** When set, every write waits for this promise first. */
  gate: Promise<void> | null;
  /** When set, renames fail with EIO once this many have succeeded: an interruption. */
  renamesBeforeFailure: number | null;
}

function errno(code: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`${code}: injected fault`);
  e.code = code;
  return e;
}

/** Wraps the real file system. */
export function faultyFs(): FaultyFs {
  const self: FaultyFs = {
    ...nodeFs,
    fault: null,
    writes: 0,
    gate: null,
    renamesBeforeFailure: null,
    rename: async (from, to) => {
      if (self.renamesBeforeFailure !== null && self.renamesBeforeFailure-- <= 0) throw errno('EIO');
      await nodeFs.rename(from, to);
    },
    openFile: async (path) => wrap(await nodeFs.openFile(path)),
    createFile: async (path, mode) => {
      if (self.fault?.op === 'createFile') throw errno(self.fault.code);
      return wrap(await nodeFs.createFile(path, mode));
    },
  };
  const wrap = (f: WalFile): WalFile => ({
    async write(buf, position) {
      if (self.gate) await self.gate;
      self.writes++;
      const fault = self.fault;
      if (fault?.op === 'write') {
        if (fault.partial) await f.write(buf.subarray(0, Math.min(fault.partial, buf.length)), position);
        throw errno(fault.code);
      }
      await f.write(buf, position);
      if (fault?.op === 'sync') throw errno(fault.code);
    },
    async datasync() {
      if (self.fault?.op === 'sync') throw errno(self.fault.code);
      await f.datasync();
    },
    async truncate(len) {
      if (self.fault?.op === 'truncate') throw errno(self.fault.code);
      await f.truncate(len);
    },
    size: () => f.size(),
    close: () => f.close(),
  });
  return self;
}
