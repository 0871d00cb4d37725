// The versioned policy store in the state dir. Layout (all owner-only):
//
//   policy/state.json              { active, lkg, activatedAt, activated: [ids…], next }
//   policy/history.jsonl           one ActivationEvent per line, fsynced
//   policy/versions/v000007/       bundle.tar.gz (the verified bytes) + version.json
//   policy/tmp/                    staging; emptied by the next writer
//   policy/lock                    pid of the process changing the store
//
// A version directory is complete before it is renamed into versions/, and state.json is
// replaced atomically afterwards: that replace is the commit point, so a crash anywhere leaves
// either the old or the new version active.
import { chmodSync, existsSync, linkSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { AutonomyError } from '../../common/errors.ts';
import type { ActivationEvent } from './activation-log.ts';
import { appendDurable, ensureDir, fsyncDir, replaceDurable, writeDurable } from './durable.ts';

/** What the store remembers about one version. */
export interface VersionInfo {
  readonly id: string;
  readonly revision: string;
  readonly sequence: number | undefined;
  readonly digest: string;
  readonly keyId: string;
  readonly alg: string;
  readonly entrypoint: string;
  /** When it was first activated (ISO 8601). */
  readonly createdAt: string;
  /** The bundle path it was activated from. */
  readonly source: string;
  /** The version active when it was activated: its last-known-good. */
  readonly previous: string | null;
}

/** The commit record. */
export interface StoreState {
  readonly format: 1;
  readonly active: string | null;
  readonly lkg: string | null;
  /** When the active version became active (ISO 8601). */
  readonly activatedAt: string | null;
  /** Retained versions that activated successfully, oldest first. */
  readonly activated: readonly string[];
  /** The next version number. */
  readonly next: number;
}

const EMPTY: StoreState = { format: 1, active: null, lkg: null, activatedAt: null, activated: [], next: 1 };
export const BUNDLE_FILE = 'bundle.tar.gz';

/** Low-level access to the on-disk layout; policy semantics live in policy-store.ts. */
export class StoreFiles {
  readonly root: string;

  constructor(stateDir: string) {
    this.root = join(stateDir, 'policy');
    ensureDir(stateDir);
    ensureDir(this.root);
    chmodSync(this.root, 0o700);
    ensureDir(join(this.root, 'versions'));
  }

  /** Discards staging left by a crash (it never became a version); only under the lock. */
  private discardStaging(): void {
    rmSync(join(this.root, 'tmp'), { recursive: true, force: true });
    for (const f of readdirSync(this.root)) if (f.startsWith('state.json.tmp')) unlinkSync(join(this.root, f));
  }

  /** The committed state (empty when the store is new). */
  readState(): StoreState {
    const p = join(this.root, 'state.json');
    if (!existsSync(p)) return EMPTY;
    try {
      const s = JSON.parse(readFileSync(p, 'utf8')) as StoreState;
      if (s.format !== 1 || !Array.isArray(s.activated)) throw new Error('unknown format');
      return s;
    } catch (e) {
      throw new AutonomyError('policy_store_corrupt', `${p}: unreadable state (${(e as Error).message})`);
    }
  }

  /** Atomically replaces the state: the commit point of every change. */
  writeState(s: StoreState): void {
    replaceDurable(join(this.root, 'state.json'), `${JSON.stringify(s, null, 2)}\n`);
  }

  versionDir(id: string): string {
    return join(this.root, 'versions', id);
  }

  /** Metadata of a version, or undefined if it is gone or unreadable. */
  readVersion(id: string): VersionInfo | undefined {
    try {
      return JSON.parse(readFileSync(join(this.versionDir(id), 'version.json'), 'utf8')) as VersionInfo;
    } catch {
      return undefined;
    }
  }

  /** The stored bundle bytes of a version. */
  readBundleBytes(id: string): Buffer {
    try {
      return readFileSync(join(this.versionDir(id), BUNDLE_FILE));
    } catch {
      throw new AutonomyError('policy_version_missing', `version ${id}: ${BUNDLE_FILE} is missing from the store`);
    }
  }

  /** Writes a complete version directory in staging, then renames it into versions/. */
  stageVersion(info: VersionInfo, bundle: Uint8Array, afterStaged: () => void): void {
    const tmp = join(this.root, 'tmp', info.id);
    ensureDir(tmp);
    writeDurable(join(tmp, BUNDLE_FILE), bundle);
    writeDurable(join(tmp, 'version.json'), `${JSON.stringify(info, null, 2)}\n`);
    fsyncDir(tmp);
    afterStaged();
    const dest = this.versionDir(info.id);
    // A leftover from a crash between rename and commit: never referenced, safe to replace.
    rmSync(dest, { recursive: true, force: true });
    renameSync(tmp, dest);
    fsyncDir(join(this.root, 'versions'));
    fsyncDir(join(this.root, 'tmp'));
  }

  /** Ids of every version directory present. */
  listVersionDirs(): string[] {
    return readdirSync(join(this.root, 'versions')).filter((d) => /^v\d+$/.test(d)).sort();
  }

  /** Deletes a version directory (never the active or LKG one: the caller checks). */
  removeVersion(id: string): void {
    rmSync(this.versionDir(id), { recursive: true, force: true });
  }

  /** Appends an event to history.jsonl, durably. */
  appendHistory(e: ActivationEvent): void {
    appendDurable(join(this.root, 'history.jsonl'), `${JSON.stringify(e)}\n`);
  }

  /** Every recorded event, oldest first; a torn last line (crash mid-append) is skipped. */
  readHistory(): ActivationEvent[] {
    const p = join(this.root, 'history.jsonl');
    if (!existsSync(p)) return [];
    const out: ActivationEvent[] = [];
    for (const line of readFileSync(p, 'utf8').split('\n')) {
      if (line === '') continue;
      try {
        out.push(JSON.parse(line) as ActivationEvent);
      } catch {
        // Only the last line can be torn; anything else unparsable is skipped the same way.
      }
    }
    return out;
  }

  /** Takes the store lock; a lock left by a dead process is broken. */
  lock(): () => void {
    const p = join(this.root, 'lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeDurable(`${p}.${process.pid}`, `${process.pid}\n`);
        try {
          // link() fails if the lock exists: an atomic test-and-set of a complete file.
          linkSync(`${p}.${process.pid}`, p);
        } finally {
          rmSync(`${p}.${process.pid}`, { force: true });
        }
        // Readers (status, loadActive) never touch staging: a writer may be using it.
        this.discardStaging();
        return () => rmSync(p, { force: true });
      } catch (e) {
        if ((e as { code?: string }).code !== 'EEXIST') throw e;
        const holder = Number.parseInt(readFileSync(p, 'utf8'), 10);
        if (Number.isInteger(holder) && holder !== process.pid && alive(holder)) {
          throw new AutonomyError('policy_store_busy', `the policy store is being changed by process ${holder}`);
        }
        rmSync(p, { force: true });
      }
    }
    throw new AutonomyError('policy_store_busy', 'could not take the policy store lock');
  }
}


function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}
