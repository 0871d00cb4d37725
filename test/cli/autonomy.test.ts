// The autonomy program as a user runs it: a real process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const bin = resolve(import.meta.dirname, '..', '..', 'bin', 'autonomy.js');
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

test('autonomy --help prints the command tree and exits 0', () => {
  const r = run('--help');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /Usage: autonomy/);
  assert.match(r.stdout, /version/);
});

test('autonomy version prints the package version', () => {
  const r = run('version');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^autonomy \d+\.\d+\.\d+\n$/);
});

test('an unknown command is a usage error: exit 2, message on stderr, no stack trace', () => {
  const r = run('no-such-command');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('autonomy node enroll and node gateway answer --help; a gateway that is not enrolled is refused (exit 2)', () => {
  for (const cmd of ['enroll', 'gateway']) {
    const r = run('node', cmd, '--help');
    assert.equal(r.status, 0, cmd);
    assert.match(r.stdout, new RegExp(`^Usage: autonomy node ${cmd} `));
  }
  const stray = run('node', 'gateway', '--orchestrator', 'http://127.0.0.1:9', '--edge', 'missing.yaml', '--state', resolve(import.meta.dirname, 'no-such-state'));
  assert.equal(stray.status, 2);
  assert.match(stray.stderr, /not_enrolled/);
  assert.doesNotMatch(stray.stderr, /\n\s+at /);
});
