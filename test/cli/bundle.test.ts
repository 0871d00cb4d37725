// The bundle workflow as a user runs it: real `autonomy` processes, real files, real WAL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readRecords, walDir, type HashedRecord } from '../../src/adk/audit/index.ts';
import { POLICY, tempDir } from '../adk/bundle/helpers.ts';

const bin = resolve(import.meta.dirname, '..', '..', 'bin', 'autonomy.js');

function cli(cwd: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, AUTONOMY_STATE_DIR: join(cwd, 'state') } });
}

function source(dir: string, allowTool = 'read'): string {
  mkdirSync(join(dir, 'autonomy', 'authz'), { recursive: true });
  writeFileSync(join(dir, 'autonomy', 'authz', 'policy.rego'), POLICY.replace('input.tool == "read"', `input.tool == "${allowTool}"`).replace('{"tool": "read"}', `{"tool": "${allowTool}"}`));
  writeFileSync(join(dir, 'autonomy', 'authz', 'data.json'), '{"owners": ["ops"]}');
  writeFileSync(join(dir, '.manifest'), '{"roots": ["autonomy"]}');
  return dir;
}

test('every bundle command answers --help', () => {
  for (const args of [['keygen'], ['bundle'], ['bundle', 'build'], ['bundle', 'verify'], ['bundle', 'inspect'], ['test'], ['policy'], ['policy', 'activate'], ['policy', 'status'], ['policy', 'history'], ['policy', 'rollback']]) {
    const r = spawnSync(process.execPath, [bin, ...args, '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 0, args.join(' '));
    assert.match(r.stdout, /Usage: autonomy/, args.join(' '));
  }
});

test('author → test → build+sign → inspect → verify → activate → status → rollback → history, recorded in the WAL', async () => {
  const cwd = tempDir('cli-bundle-');
  let r = cli(cwd, 'keygen', '--out', 'keys');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /key id: [0-9a-f]{16}/);
  source(join(cwd, 'src'));

  r = cli(cwd, 'test', 'src', '-v');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /data\.autonomy\.authz\.test_read_allowed: PASS/);
  assert.match(r.stdout, /PASS: 2\/2/);

  r = cli(cwd, 'bundle', 'build', 'src', '-o', 'v1.tar.gz', '--revision', '1.0.0', '--sequence', '1', '--signing-key', 'keys/bundle.key');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /signed: key [0-9a-f]{16} \(EdDSA\)/);

  r = cli(cwd, 'bundle', 'inspect', 'v1.tar.gz');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /revision: +1\.0\.0/);
  assert.match(r.stdout, /signature: +EdDSA/);

  r = cli(cwd, 'bundle', 'verify', 'v1.tar.gz', '--trust', 'keys/bundle.pub');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^verified v1\.tar\.gz: revision 1\.0\.0/);

  r = cli(cwd, 'policy', 'activate', 'v1.tar.gz', '--trust', 'keys/bundle.pub');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /activated revision 1\.0\.0 as v000001/);

  source(join(cwd, 'src'), 'list');
  assert.equal(cli(cwd, 'bundle', 'build', 'src', '-o', 'v2.tar.gz', '--revision', '1.1.0', '--sequence', '2', '--signing-key', 'keys/bundle.key').status, 0);
  r = cli(cwd, 'policy', 'activate', 'v2.tar.gz', '--trust', 'keys/bundle.pub');
  assert.equal(r.status, 0, r.stderr);

  // Downgrade refused: exit 1, the reason on stderr, the active policy unchanged.
  r = cli(cwd, 'policy', 'activate', 'v1.tar.gz', '--trust', 'keys/bundle.pub');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^autonomy: refused v1\.tar\.gz; the active policy is unchanged: bundle_downgrade: /);

  r = cli(cwd, 'policy', 'status', '--trust', 'keys/bundle.pub');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^active: 1\.1\.0 \(v000002, sequence 2\), key [0-9a-f]+, signature verified/);
  assert.match(r.stdout, /last-known-good: 1\.0\.0 \(v000001/);

  r = cli(cwd, 'policy', 'rollback', '--trust', 'keys/bundle.pub');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /rolled back to revision 1\.0\.0 \(v000001\) from 1\.1\.0 \(v000002\)/);

  r = cli(cwd, 'policy', 'history');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.deepEqual(lines.map((l) => l.split(/\s+/)[1]), ['activate', 'activate', 'refuse', 'rollback']);

  const records: HashedRecord[] = [];
  await readRecords(walDir(join(cwd, 'state')), (rec) => records.push(rec));
  const policyRecords = records.filter((x) => x.kind === 'policy_activation' || x.kind === 'rollback' || x.kind === 'activation_failure');
  assert.deepEqual(policyRecords.map((x) => [x.kind, x.revision]), [['policy_activation', '1.0.0'], ['policy_activation', '1.1.0'], ['activation_failure', '1.0.0'], ['rollback', '1.0.0']]);
  for (const x of policyRecords) assert.match(x.digest!, /^sha256:[0-9a-f]{64}$/);
  assert.equal(policyRecords[2]!.detail?.['code'], 'bundle_downgrade');
});

test('exit codes: 1 for a bundle that does not verify or tests that fail, 2 for bad usage', () => {
  const cwd = tempDir('cli-bundle-');
  cli(cwd, 'keygen', '--out', 'keys');
  cli(cwd, 'keygen', '--out', 'other');
  source(join(cwd, 'src'));
  assert.equal(cli(cwd, 'bundle', 'build', 'src', '-o', 'b.tar.gz', '--revision', '1', '--signing-key', 'keys/bundle.key').status, 0);
  let r = cli(cwd, 'bundle', 'verify', 'b.tar.gz', '--trust', 'other/bundle.pub');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /bundle_key_unknown/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  r = cli(cwd, 'bundle', 'verify', 'missing.tar.gz', '--trust', 'keys/bundle.pub');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /bundle_not_found/);
  r = cli(cwd, 'policy', 'activate', 'b.tar.gz');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--trust/);
  // Unsigned build: warned, and it will not activate.
  r = cli(cwd, 'bundle', 'build', 'src', '-o', 'u.tar.gz', '--revision', '1');
  assert.equal(r.status, 0);
  assert.match(r.stderr, /NOT signed/);
  r = cli(cwd, 'policy', 'activate', 'u.tar.gz', '--trust', 'keys/bundle.pub');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /bundle_unsigned/);
  // No policy active yet: status says so with exit 1.
  r = cli(cwd, 'policy', 'status');
  assert.equal(r.status, 1);
  assert.match(r.stdout, /^active: none/);
  // Failing tests: exit 1 and the failure listed.
  writeFileSync(join(cwd, 'src', 'autonomy', 'authz', 'bad_test.rego'), 'package autonomy.authz\n\ntest_everything_allowed if allow with input as {"tool": "rm"}\n');
  r = cli(cwd, 'test', 'src');
  assert.equal(r.status, 1);
  assert.match(r.stdout, /data\.autonomy\.authz\.test_everything_allowed: FAIL/);
  assert.match(r.stdout, /FAIL: 1\/3/);
  // A build whose policy does not compile fails with a location.
  writeFileSync(join(cwd, 'src', 'autonomy', 'authz', 'broken.rego'), 'package autonomy.authz\n\nallow if {\n');
  r = cli(cwd, 'bundle', 'build', 'src', '-o', 'x.tar.gz', '--revision', '2');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /autonomy\/authz\/broken\.rego:\d+:\d+: rego_parse_error/);
});
