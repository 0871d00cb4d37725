import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openPolicyStore, type ActivationEvent, type PolicyStoreOptions } from '../../../src/adk/bundle/index.ts';
import { bundleFile, ed25519, rawTarGz, sampleFiles, tempDir } from './helpers.ts';

const key = ed25519();

function store(dir: string, extra: Partial<PolicyStoreOptions> = {}) {
  return openPolicyStore({ dir, trust: [key.trust], ...extra });
}

async function setup(): Promise<{ dir: string; work: string }> {
  return { dir: tempDir('store-'), work: tempDir('work-') };
}

test('activate, status, history; the store is owner-only', async () => {
  const { dir, work } = await setup();
  const s = store(dir);
  const r = await s.activate(await bundleFile(work, 'b1.tar.gz', sampleFiles('1.0.0'), key.privateKey));
  assert.equal(r.revision, '1.0.0');
  assert.equal(r.version, 'v000001');
  assert.deepEqual(r.tests, { PASS: 2, FAIL: 0, ERROR: 0, SKIPPED: 0 });
  const st = await s.status({ verify: true });
  assert.equal(st.active?.revision, '1.0.0');
  assert.equal(st.active?.verified, true);
  assert.equal(st.lkg, undefined);
  assert.equal(statSync(join(dir, 'policy')).mode & 0o777, 0o700);
  assert.equal(statSync(join(dir, 'policy', 'versions', 'v000001', 'bundle.tar.gz')).mode & 0o777, 0o600);
  assert.deepEqual(s.history().map((e) => [e.type, e.revision]), [['activate', '1.0.0']]);
});

test('a second activation makes the first the last-known-good; rollback returns to it', async () => {
  const { dir, work } = await setup();
  const s = store(dir);
  await s.activate(await bundleFile(work, 'b1.tar.gz', sampleFiles('1.0.0'), key.privateKey));
  const r2 = await s.activate(await bundleFile(work, 'b2.tar.gz', sampleFiles('1.1.0'), key.privateKey));
  assert.equal(r2.from?.revision, '1.0.0');
  assert.equal((await s.status()).lkg?.revision, '1.0.0');
  const rb = await s.rollback();
  assert.equal(rb.revision, '1.0.0');
  assert.equal(rb.from?.revision, '1.1.0');
  const st = await s.status();
  assert.equal(st.active?.revision, '1.0.0');
  assert.equal(st.lkg, undefined, 'the rolled-back-from version is not a last-known-good');
  await assert.rejects(s.rollback(), { code: 'policy_no_rollback_target' });
  // --to any kept revision, or a kept version's content digest (what a node finds by).
  const to11 = await s.rollback('1.1.0');
  assert.equal(to11.revision, '1.1.0');
  assert.equal((await s.rollback(rb.digest)).version, rb.version);
  assert.equal((await s.rollback(to11.digest)).revision, '1.1.0');
  assert.deepEqual(s.history().map((e) => e.type), ['activate', 'activate', 'rollback', 'rollback', 'rollback', 'rollback']);
});

test('every bad bundle is refused, recorded, and leaves the active policy as it was', async () => {
  const { dir, work } = await setup();
  const events: ActivationEvent[] = [];
  const s = store(dir, { log: { record: (e) => void events.push(e) } });
  await s.activate(await bundleFile(work, 'good.tar.gz', sampleFiles('1.0.0'), key.privateKey));
  const other = ed25519();
  const bad: [string, string, string][] = [
    ['unsigned.tar.gz', await bundleFile(work, 'unsigned.tar.gz', sampleFiles('2.0.0')), 'bundle_unsigned'],
    ['wrong-key.tar.gz', await bundleFile(work, 'wrong-key.tar.gz', sampleFiles('2.0.0'), other.privateKey), 'bundle_key_unknown'],
    ['broken.tar.gz', await bundleFile(work, 'broken.tar.gz', sampleFiles('2.0.0', { 'autonomy/authz/x.rego': 'package autonomy.authz\nallow if {' }), key.privateKey), 'rego_parse_error'],
    ['failing.tar.gz', await bundleFile(work, 'failing.tar.gz', sampleFiles('2.0.0', { 'autonomy/authz/t_test.rego': 'package autonomy.authz\ntest_x if false\n' }), key.privateKey), 'bundle_tests_failed'],
    ['overlap.tar.gz', await bundleFile(work, 'overlap.tar.gz', sampleFiles('2.0.0', { '.manifest': '{"revision":"2.0.0","roots":["autonomy","autonomy/authz"]}' }), key.privateKey), 'bundle_roots_overlap'],
    ['slip.tar.gz', join(work, 'slip.tar.gz'), 'bundle_unsafe_path'],
    ['bomb.tar.gz', join(work, 'bomb.tar.gz'), 'bundle_too_large'],
  ];
  writeFileSync(join(work, 'slip.tar.gz'), rawTarGz([{ path: '../../escape.rego', body: 'package x' }]));
  writeFileSync(join(work, 'bomb.tar.gz'), rawTarGz([{ path: 'data.json', body: Buffer.alloc(9 * 1024 * 1024, 0x20) }]));
  const limited = store(dir, { log: { record: (e) => void events.push(e) }, limits: { maxBytes: 8 * 1024 * 1024 } });
  for (const [name, path, code] of bad) {
    await assert.rejects(limited.activate(path), { code }, name);
    const st = await s.status({ verify: true });
    assert.equal(st.active?.revision, '1.0.0', name);
    assert.equal(st.active?.verified, true, name);
  }
  const refusals = events.filter((e) => e.type === 'refuse');
  assert.deepEqual(refusals.map((e) => e.code), bad.map((b) => b[2]));
  assert.equal(refusals[0]!.revision, '2.0.0');
  assert.match(refusals[0]!.digest!, /^sha256:[0-9a-f]{64}$/);
  assert.equal(refusals[0]!.from?.revision, '1.0.0');
  const active = await s.loadActive();
  assert.ok(active.ok);
  assert.equal(active.revision, '1.0.0');
});

test('anti-downgrade: older by sequence, then by revision, is refused unless rolled back explicitly', async () => {
  const { dir, work } = await setup();
  const s = store(dir);
  await s.activate(await bundleFile(work, 'b5.tar.gz', sampleFiles('2024-05', {}, 5), key.privateKey));
  // Sequence decides even when the revision string sorts later.
  await assert.rejects(s.activate(await bundleFile(work, 'b4.tar.gz', sampleFiles('2024-09', {}, 4), key.privateKey)), { code: 'bundle_downgrade', message: /sequence 4.*sequence 5/ });
  // Same sequence: the revision string decides.
  await assert.rejects(s.activate(await bundleFile(work, 'b5a.tar.gz', sampleFiles('2024-04', {}, 5), key.privateKey)), { code: 'bundle_downgrade' });
  await s.activate(await bundleFile(work, 'b6.tar.gz', sampleFiles('2024-01', {}, 6), key.privateKey));
  // A rollback may go back; it is recorded as one.
  const rb = await s.rollback('2024-05');
  assert.equal(rb.revision, '2024-05');
  assert.deepEqual(s.history().map((e) => [e.type, e.code]), [['activate', undefined], ['refuse', 'bundle_downgrade'], ['refuse', 'bundle_downgrade'], ['activate', undefined], ['rollback', undefined]]);
  // Without sequences, the revision string orders.
  const { dir: dir2 } = await setup();
  const s2 = store(dir2);
  await s2.activate(await bundleFile(work, 'rb.tar.gz', sampleFiles('b'), key.privateKey));
  await assert.rejects(s2.activate(await bundleFile(work, 'ra.tar.gz', sampleFiles('a'), key.privateKey)), { code: 'bundle_downgrade' });
  // The ordering is configurable.
  await store(dir2, { ordering: 'none' }).activate(join(work, 'ra.tar.gz'));
});

test('activating the active bundle again changes nothing', async () => {
  const { dir, work } = await setup();
  const s = store(dir);
  const p = await bundleFile(work, 'b.tar.gz', sampleFiles('1'), key.privateKey);
  await s.activate(p);
  const again = await s.activate(p);
  assert.equal(again.unchanged, true);
  assert.equal((await s.status()).versions.length, 1);
});

test('the store keeps the last 10 versions, never dropping the active or the last-known-good', async () => {
  const { dir, work } = await setup();
  const s = store(dir);
  for (let i = 1; i <= 13; i++) await s.activate(await bundleFile(work, `b${i}.tar.gz`, sampleFiles(`r${String(i).padStart(2, '0')}`), key.privateKey));
  const st = await s.status();
  assert.equal(st.versions.length, 10);
  assert.equal(st.versions[0]!.revision, 'r04');
  assert.equal(st.active?.revision, 'r13');
  assert.equal(st.lkg?.revision, 'r12');
  await assert.rejects(s.rollback('r02'), { code: 'policy_no_rollback_target' });
});

test('a directory bundle activates too (stored as an archive)', async () => {
  const { dir, work } = await setup();
  const { writeTree } = await import('./helpers.ts');
  const { signed } = await import('./helpers.ts');
  const src = writeTree(join(work, 'tree'), await signed(sampleFiles('d1'), key.privateKey));
  const r = await store(dir).activate(src);
  assert.equal(r.revision, 'd1');
  const loaded = await store(dir).loadActive();
  assert.ok(loaded.ok && loaded.digest === r.digest);
});

test('loadActive re-verifies from disk: tampered active → LKG; both bad → no_valid_policy', async () => {
  const { dir, work } = await setup();
  const s = store(dir);
  await s.activate(await bundleFile(work, 'b1.tar.gz', sampleFiles('1'), key.privateKey));
  await s.activate(await bundleFile(work, 'b2.tar.gz', sampleFiles('2'), key.privateKey));
  let a = await s.loadActive();
  assert.ok(a.ok);
  assert.equal(a.revision, '2');
  assert.equal(a.source, 'active');
  assert.equal(a.policy.evalRule(`${a.entrypoint}.allow`, { tool: 'read' }), true);
  // Replace the active version's bundle with one signed by another key.
  const evil = ed25519();
  writeFileSync(join(dir, 'policy', 'versions', 'v000002', 'bundle.tar.gz'), readFileSync(await bundleFile(work, 'evil.tar.gz', sampleFiles('2'), evil.privateKey)));
  a = await s.loadActive();
  assert.ok(a.ok);
  assert.equal(a.source, 'lkg');
  assert.equal(a.revision, '1');
  assert.match(a.fallbackReason!, /active version v000002.*bundle_key_unknown|not a trusted key/);
  assert.equal(s.history().at(-1)!.type, 'fallback');
  // Corrupt the LKG too: nothing verifies, so the caller must deny everything.
  writeFileSync(join(dir, 'policy', 'versions', 'v000001', 'bundle.tar.gz'), Buffer.from('garbage'));
  a = await s.loadActive();
  assert.equal(a.ok, false);
  assert.ok(!a.ok && a.error === 'no_valid_policy');
  assert.match(!a.ok ? a.reason : '', /v000002.*v000001/);
});

test('a stored bundle swapped for another validly signed one is detected by its digest', async () => {
  const { dir, work } = await setup();
  const s = store(dir);
  await s.activate(await bundleFile(work, 'b1.tar.gz', sampleFiles('1'), key.privateKey));
  writeFileSync(join(dir, 'policy', 'versions', 'v000001', 'bundle.tar.gz'), readFileSync(await bundleFile(work, 'other.tar.gz', sampleFiles('1', { 'autonomy/authz/x.rego': 'package autonomy.authz\nallow if true\n' }), key.privateKey)));
  const a = await s.loadActive();
  assert.ok(!a.ok);
  assert.match(!a.ok ? a.reason : '', /differs from the recorded/);
});

test('trust roots removed since activation: nothing verifies at load', async () => {
  const { dir, work } = await setup();
  await store(dir).activate(await bundleFile(work, 'b1.tar.gz', sampleFiles('1'), key.privateKey));
  const a = await openPolicyStore({ dir, trust: [ed25519().trust] }).loadActive();
  assert.ok(!a.ok && a.error === 'no_valid_policy');
});

test('an empty store has no valid policy', async () => {
  const a = await store(tempDir()).loadActive();
  assert.deepEqual(a, { ok: false, error: 'no_valid_policy', reason: 'no policy has been activated' });
});

test('max policy age: stale is reported; with on_stale deny, nothing is usable', async () => {
  const { dir, work } = await setup();
  let now = new Date('2026-01-01T00:00:00Z');
  const clock = () => now;
  await store(dir, { now: clock }).activate(await bundleFile(work, 'b1.tar.gz', sampleFiles('1'), key.privateKey));
  now = new Date('2026-01-01T02:00:00Z');
  const warn = await store(dir, { now: clock, maxAgeMs: 3_600_000 }).loadActive();
  assert.ok(warn.ok && warn.stale);
  assert.equal((await store(dir, { now: clock, maxAgeMs: 3_600_000 }).status()).stale, true);
  const fresh = await store(dir, { now: clock, maxAgeMs: 3 * 3_600_000 }).loadActive();
  assert.ok(fresh.ok && !fresh.stale);
  const deny = await store(dir, { now: clock, maxAgeMs: 3_600_000, onStale: 'deny' }).loadActive();
  assert.ok(!deny.ok && deny.error === 'policy_stale');
});

test('a second writer is refused while the lock is held by a live process', async () => {
  const { dir, work } = await setup();
  const s = store(dir);
  await s.activate(await bundleFile(work, 'b1.tar.gz', sampleFiles('1'), key.privateKey));
  writeFileSync(join(dir, 'policy', 'lock'), `${process.ppid}\n`);
  await assert.rejects(s.activate(await bundleFile(work, 'b2.tar.gz', sampleFiles('2'), key.privateKey)), { code: 'policy_store_busy' });
  // A lock left by a dead process is broken.
  writeFileSync(join(dir, 'policy', 'lock'), '999999999\n');
  await s.activate(join(work, 'b2.tar.gz'));
});

test('staging left by a crash is discarded by the next writer, never by a reader', async () => {
  const { dir, work } = await setup();
  const s = store(dir);
  await s.activate(await bundleFile(work, 'b1.tar.gz', sampleFiles('1'), key.privateKey));
  const { mkdirSync, existsSync } = await import('node:fs');
  mkdirSync(join(dir, 'policy', 'tmp', 'v000009'), { recursive: true });
  writeFileSync(join(dir, 'policy', 'state.json.tmp-1'), 'torn');
  await store(dir).status();
  await store(dir).loadActive();
  assert.ok(existsSync(join(dir, 'policy', 'tmp', 'v000009')), 'a reader leaves staging alone');
  await s.activate(await bundleFile(work, 'b2.tar.gz', sampleFiles('2'), key.privateKey));
  assert.ok(!existsSync(join(dir, 'policy', 'tmp', 'v000009')));
  assert.ok(!existsSync(join(dir, 'policy', 'state.json.tmp-1')));
  assert.equal((await s.status()).active?.revision, '2');
});
