// The verification pipeline every path to an active policy goes through:
// read → verify signature and file digests → load → compile → (run the bundle's tests).
import { createHash } from 'node:crypto';
import { AutonomyError } from '../../common/errors.ts';
import type { Module } from '../policy/ast.ts';
import type { CompiledPolicy } from '../policy/index.ts';
import { readArchive, readBundle, type BundleFiles, type ReadLimits } from './archive.ts';
import type { TrustedKey } from './keys.ts';
import { compileBundle, loadBundle } from './load.ts';
import type { Manifest } from './manifest.ts';
import { runTests, summarise, TestStatus, type TestResult } from './tests-runner.ts';
import { verifyBundle } from './verify.ts';

/** A bundle that verified against a trust root and compiled. */
export interface OpenedBundle {
  readonly files: BundleFiles;
  readonly manifest: Manifest;
  /** Content digest: SHA-256 over every file name and digest, independent of packaging. */
  readonly digest: string;
  readonly keyId: string;
  readonly alg: string;
  readonly policy: CompiledPolicy;
  readonly modules: readonly Module[];
  /** Test results, when tests were run. */
  readonly tests: readonly TestResult[] | undefined;
}

export interface OpenOptions {
  readonly trust: readonly TrustedKey[];
  readonly limits?: ReadLimits;
  readonly scope?: string;
  /** Run test_* rules and refuse the bundle if any fails (default false). */
  readonly runTests?: boolean;
}

/** Reads, verifies and compiles a bundle from a path, or from archive bytes already in memory. */
export async function openBundle(source: string | { bytes: Uint8Array; name: string }, opts: OpenOptions): Promise<OpenedBundle> {
  const files = typeof source === 'string' ? readBundle(source, opts.limits) : readArchive(source.bytes, opts.limits, source.name);
  return openFiles(files, opts);
}

/** The pipeline from files already in memory. */
export async function openFiles(files: BundleFiles, opts: OpenOptions): Promise<OpenedBundle> {
  const verified = await verifyBundle(files, opts.trust, opts.scope === undefined ? {} : { scope: opts.scope });
  const loaded = loadBundle(files, verified.parsed);
  const policy = compileBundle(loaded);
  let tests: TestResult[] | undefined;
  if (opts.runTests) {
    tests = runTests(policy, loaded.modules);
    const s = summarise(tests);
    if (s.FAIL + s.ERROR > 0) {
      const bad = tests.filter((t) => t.status === TestStatus.fail || t.status === TestStatus.error).map((t) => `${t.name} ${t.status}`);
      throw new AutonomyError('bundle_tests_failed', `${s.FAIL + s.ERROR} of ${tests.length} policy tests failed: ${bad.slice(0, 5).join(', ')}${bad.length > 5 ? ', …' : ''}`);
    }
  }
  return { files, manifest: loaded.manifest, digest: contentDigest(files), keyId: verified.keyId, alg: verified.alg, policy, modules: loaded.modules, tests };
}

/** SHA-256 over `name NUL sha256(bytes) LF` for every file in name order. */
export function contentDigest(files: BundleFiles): string {
  const h = createHash('sha256');
  for (const name of [...files.keys()].sort()) {
    h.update(name).update('\0').update(createHash('sha256').update(files.get(name)!).digest('hex')).update('\n');
  }
  return `sha256:${h.digest('hex')}`;
}
