// The work behind the bundle CLI commands: keygen, bundle build/verify/inspect, test, and
// policy activate/status/history/rollback. Each returns its exit code.
import { readFileSync, renameSync, statSync } from 'node:fs';
import { parseDuration } from '../../common/duration.ts';
import { AutonomyError, ExitCode, isAutonomyError } from '../../common/errors.ts';
import { keyId, loadPublicKey, writeKeyPair } from '../../common/ed25519.ts';
import { loadPaths } from '../policy/loader.ts';
import { compile } from '../policy/index.ts';
import { parseModule } from '../policy/parser.ts';
import { openNodeWal } from '../audit/index.ts';
import { readBundle } from './archive.ts';
import { buildBundle } from './build.ts';
import { writeDurable } from './durable.ts';
import { loadSigningKey, loadTrust } from './keys.ts';
import { compileBundle, loadBundle } from './load.ts';
import { ORDERINGS, type OrderingName } from './manifest.ts';
import { openFiles } from './open.ts';
import { openPolicyStore, type PolicyStore, type StoreStatus } from './policy-store.ts';
import { SIGNATURES_FILE } from './signing.ts';
import { formatReport, runTests, summarise } from './tests-runner.ts';
import { walActivationLog } from './wal-log.ts';
import type { ActivationEvent } from './activation-log.ts';

const out = (s: string): boolean => process.stdout.write(s);
const err = (s: string): boolean => process.stderr.write(s);

/** Errors about the input itself (exit 2); every other bundle failure is a negative answer (exit 1). */
const USAGE_CODES = new Set(['bundle_not_found', 'key_not_found', 'key_invalid', 'key_exists', 'usage_error', 'load_error', 'bundle_no_trust', 'policy_store_busy', 'policy_store_corrupt']);

/** Prints a refusal and returns exit 1, or rethrows input errors for the top level (exit 2). */
function negative(e: unknown, what: string): number {
  if (!isAutonomyError(e) || USAGE_CODES.has(e.code)) throw e;
  err(`autonomy: ${what}: ${e.toString()}\n`);
  return ExitCode.negative;
}

/** `autonomy keygen --out DIR [--name NAME]` */
export function runKeygen(o: { out: string; name: string }): number {
  const { privatePath, publicPath } = writeKeyPair(o.out, o.name);
  const id = keyId(loadPublicKey(readFileSync(publicPath, 'utf8'), publicPath));
  out(`wrote ${privatePath} (private, 0600) and ${publicPath}\nkey id: ${id}\n`);
  return ExitCode.ok;
}

/** `autonomy bundle build SRC -o FILE` */
export async function runBuild(src: string, o: { output: string; revision?: string; sequence?: string; signingKey?: string; keyId?: string }): Promise<number> {
  const sequence = o.sequence === undefined ? undefined : parseSequence(o.sequence);
  const built = await buildBundle(src, {
    ...(o.revision !== undefined ? { revision: o.revision } : {}),
    ...(sequence !== undefined ? { sequence } : {}),
    ...(o.signingKey !== undefined ? { signingKey: loadSigningKey(o.signingKey) } : {}),
    ...(o.keyId !== undefined ? { keyId: o.keyId } : {}),
  });
  const tmp = `${o.output}.tmp-${process.pid}`;
  writeDurable(tmp, built.archive, 0o644);
  renameSync(tmp, o.output);
  out(`built ${o.output}: revision ${built.manifest.revision}${built.manifest.sequence !== undefined ? ` (sequence ${built.manifest.sequence})` : ''}, ${built.files.size} files, ${built.archive.length} bytes\n`);
  out(`digest: ${built.digest}\n`);
  if (built.signed) out(`signed: key ${built.signed.keyId} (${built.signed.alg})\n`);
  else err('autonomy: warning: the bundle is NOT signed (no --signing-key); it will not activate\n');
  return ExitCode.ok;
}

/** `autonomy bundle verify FILE --trust KEY…` */
export async function runVerify(file: string, o: { trust: string[]; scope?: string; runTests?: boolean }): Promise<number> {
  const trust = loadTrust(o.trust);
  try {
    // A hostile archive (links, '..', a bomb) is a bundle that does not verify: exit 1.
    const files = readBundle(file);
    const b = await openFiles(files, { trust, runTests: o.runTests ?? false, ...(o.scope !== undefined ? { scope: o.scope } : {}) });
    out(`verified ${file}: revision ${b.manifest.revision}, signed by ${b.keyId} (${b.alg}), ${b.files.size - 1} files, entrypoint ${b.manifest.entrypoint}\n`);
    out(`digest: ${b.digest}\n`);
    if (b.tests) out(formatReport(b.tests, false));
    return ExitCode.ok;
  } catch (e) {
    return negative(e, `${file} does not verify`);
  }
}

/** `autonomy bundle inspect FILE`: what the bundle holds, without verifying anything. */
export function runInspect(file: string, o: { json?: boolean }): number {
  const files = readBundle(file);
  const loaded = loadBundle(files);
  const sig = files.get(SIGNATURES_FILE);
  let signature: Record<string, unknown> | undefined;
  if (sig) {
    try {
      const token = (JSON.parse(sig.toString('utf8')) as { signatures: string[] }).signatures[0]!;
      const [h, p] = token.split('.');
      const header = JSON.parse(Buffer.from(h!, 'base64url').toString('utf8')) as Record<string, unknown>;
      const payload = JSON.parse(Buffer.from(p!, 'base64url').toString('utf8')) as Record<string, unknown>;
      signature = { alg: header['alg'], kid: header['kid'] ?? payload['keyid'], files: (payload['files'] as unknown[]).length, ...(payload['scope'] !== undefined ? { scope: payload['scope'] } : {}) };
    } catch {
      signature = { malformed: true };
    }
  }
  const m = loaded.manifest;
  const listing = [...files.keys()].sort().map((name) => ({ name, size: files.get(name)!.length }));
  if (o.json) {
    out(`${JSON.stringify({ revision: m.revision, roots: m.roots, entrypoint: m.entrypoint, sequence: m.sequence, metadata: m.metadata, files: listing, signature: signature ?? null }, null, 2)}\n`);
    return ExitCode.ok;
  }
  out(`revision:   ${m.revision || '(none)'}\n`);
  if (m.sequence !== undefined) out(`sequence:   ${m.sequence}\n`);
  out(`roots:      ${m.roots.map((r) => (r === '' ? '(all of data)' : r)).join(', ')}\n`);
  out(`entrypoint: ${m.entrypoint}\n`);
  out(`modules:    ${loaded.sources.length}\n`);
  out(`signature:  ${signature ? (signature['malformed'] ? 'malformed' : `${String(signature['alg'])}, key ${String(signature['kid'] ?? '(none named)')}, ${String(signature['files'])} files listed`) : 'none (unsigned)'} — not verified; use 'autonomy bundle verify'\n`);
  out('files:\n');
  for (const f of listing) out(`  ${String(f.size).padStart(10)}  ${f.name}\n`);
  return ExitCode.ok;
}

/** `autonomy test PATH… [-v]`: runs test_* rules; exit 1 when any fails. */
export function runTestCommand(paths: string[], o: { verbose?: boolean }): number {
  let modules;
  let policy;
  if (paths.length === 1 && statSync(paths[0]!, { throwIfNoEntry: false })?.isFile() && /\.(tar\.gz|tgz)$/.test(paths[0]!)) {
    // A built bundle: test what it holds (its signature is not the question here).
    const loaded = loadBundle(readBundle(paths[0]!));
    modules = loaded.modules;
    policy = compileBundle(loaded);
  } else {
    const loaded = loadPaths(paths);
    modules = loaded.sources.map((s) => parseModule(s.text, s.file));
    policy = compile(loaded.sources, loaded.data);
  }
  const results = runTests(policy, modules);
  out(formatReport(results, o.verbose ?? false));
  const s = summarise(results);
  return s.FAIL + s.ERROR > 0 ? ExitCode.negative : ExitCode.ok;
}

interface StoreOpts {
  state: string;
  trust?: string[];
  ordering?: string;
  maxAge?: string;
}

/** Opens the store with the node's WAL as its activation log; closes the WAL after f. */
async function withStore<T>(o: StoreOpts, f: (store: PolicyStore) => Promise<T>): Promise<T> {
  const ordering = o.ordering ?? 'sequence-revision';
  if (!(ordering in ORDERINGS)) throw usage(`unknown ordering ${ordering}: use ${Object.keys(ORDERINGS).join(', ')}`);
  const wal = await openNodeWal(o.state);
  try {
    const store = openPolicyStore({
      dir: o.state,
      trust: loadTrust(o.trust ?? []),
      ordering: ordering as OrderingName,
      log: walActivationLog(wal),
      ...(o.maxAge !== undefined ? { maxAgeMs: parseDuration(o.maxAge, '--max-age', 'usage_error') } : {}),
    });
    return await f(store);
  } finally {
    await wal.close();
  }
}

/** `autonomy policy activate FILE --trust KEY…` */
export async function runActivate(file: string, o: StoreOpts): Promise<number> {
  requireTrust(o);
  return withStore(o, async (store) => {
    try {
      const r = await store.activate(file);
      if (r.unchanged) out(`already active: revision ${r.revision} (${r.version})\n`);
      else out(`activated revision ${r.revision} as ${r.version}${r.from ? `; previous ${r.from.revision} (${r.from.version}) is now the last-known-good` : ''}\n`);
      out(`digest: ${r.digest}\n`);
      if (r.tests) out(`tests: ${r.tests.PASS} passed${r.tests.SKIPPED ? `, ${r.tests.SKIPPED} skipped` : ''}\n`);
      return ExitCode.ok;
    } catch (e) {
      return negative(e, `refused ${file}; the active policy is unchanged`);
    }
  });
}

/** `autonomy policy rollback [--to REVISION]` */
export async function runRollback(o: StoreOpts & { to?: string }): Promise<number> {
  requireTrust(o);
  return withStore(o, async (store) => {
    try {
      const r = await store.rollback(o.to);
      out(`rolled back to revision ${r.revision} (${r.version})${r.from ? ` from ${r.from.revision} (${r.from.version})` : ''}\ndigest: ${r.digest}\n`);
      return ExitCode.ok;
    } catch (e) {
      return negative(e, 'rollback refused; the active policy is unchanged');
    }
  });
}

/** `autonomy policy status`: exit 1 when no version is active (or it fails to verify). */
export async function runStatus(o: StoreOpts & { json?: boolean }): Promise<number> {
  const verify = (o.trust ?? []).length > 0;
  const store = openPolicyStore({ dir: o.state, trust: verify ? loadTrust(o.trust!) : [], ...(o.maxAge !== undefined ? { maxAgeMs: parseDuration(o.maxAge, '--max-age', 'usage_error') } : {}) });
  const s = await store.status({ verify });
  if (o.json) out(`${JSON.stringify(s, null, 2)}\n`);
  else printStatus(s, verify);
  return s.active && s.active.verified !== false ? ExitCode.ok : ExitCode.negative;
}

function printStatus(s: StoreStatus, verified: boolean): void {
  const line = (label: string, v: StoreStatus['active']): string => {
    if (!v) return `${label}none\n`;
    const check = v.verified === undefined ? '' : v.verified ? ', signature verified' : `, FAILS VERIFICATION: ${v.verifyError}`;
    return `${label}${v.revision} (${v.id}${v.sequence !== undefined ? `, sequence ${v.sequence}` : ''}), key ${v.keyId}${check}\n`;
  };
  out(line('active: ', s.active));
  if (s.active) {
    out(`  digest:     ${s.active.digest}\n  entrypoint: ${s.active.entrypoint}\n  since:      ${s.activatedAt}${s.ageMs !== undefined ? ` (${formatAge(s.ageMs)} ago)` : ''}${s.stale ? ' — STALE' : ''}\n`);
  }
  out(line('last-known-good: ', s.lkg));
  out(`versions kept: ${s.versions.map((v) => `${v.id}=${v.revision}`).join(', ') || 'none'}\n`);
  if (!verified) out('(pass --trust to re-verify the stored versions)\n');
}

/** `autonomy policy history` */
export function runHistory(o: StoreOpts & { json?: boolean }): number {
  const events = openPolicyStore({ dir: o.state, trust: [] }).history();
  if (o.json) {
    out(`${JSON.stringify(events, null, 2)}\n`);
    return ExitCode.ok;
  }
  if (events.length === 0) out('no activations yet\n');
  for (const e of events) out(`${formatEvent(e)}\n`);
  return ExitCode.ok;
}

function formatEvent(e: ActivationEvent): string {
  const rev = e.revision !== undefined ? ` ${e.revision}` : '';
  const ver = e.version ? ` (${e.version})` : '';
  const from = e.from ? ` from ${e.from.revision} (${e.from.version})` : '';
  const why = e.code ? `: ${e.code}: ${e.reason ?? ''}` : e.reason ? `: ${e.reason}` : '';
  return `${e.at}  ${e.type.padEnd(8)}${rev}${ver}${from}${e.digest ? ` ${e.digest.slice(0, 19)}…` : ''}${why}`;
}

function requireTrust(o: StoreOpts): void {
  if (!o.trust || o.trust.length === 0) throw usage('give at least one --trust KEY: only bundles signed by a trusted key activate');
}

function parseSequence(s: string): number {
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n < 0) throw usage(`--sequence must be a non-negative integer, got ${s}`);
  return n;
}


function formatAge(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : s < 172800 ? `${Math.round(s / 3600)}h` : `${Math.round(s / 86400)}d`;
}

function usage(msg: string): AutonomyError {
  return new AutonomyError('usage_error', msg);
}
