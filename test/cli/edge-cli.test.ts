// edged and edgectl as a user runs them: help, keygen, config errors, no daemon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { loadPrivateKey, loadPublicKey } from '../../src/common/ed25519.ts';

const bin = resolve(import.meta.dirname, '..', '..', 'bin');
const run = (prog: string, ...args: string[]) => spawnSync(process.execPath, [join(bin, `${prog}.js`), ...args], { encoding: 'utf8' });

test('every command answers --help', () => {
  for (const args of [['edged', '--help'], ['edgectl', '--help'], ['edgectl', 'put', '--help'], ['edgectl', 'get', '--help'], ['edgectl', 'status', '--help'], ['edgectl', 'segments', '--help'], ['edgectl', 'peers', '--help'], ['edgectl', 'keygen', '--help'], ['edgectl', 'deadletter', '--help'], ['edgectl', 'deadletter', 'list', '--help'], ['edgectl', 'deadletter', 'retry', '--help'], ['edgectl', 'deadletter', 'purge', '--help']]) {
    const r = run(args[0]!, ...args.slice(1));
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /Usage: /);
  }
  assert.match(run('edgectl', '--help').stdout, /deadletter/);
});

test('edgectl keygen writes a usable Ed25519 pair, private key 0600, and never overwrites it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-keygen-'));
  const r = run('edgectl', 'keygen', '--out', dir, '--name', 'n1');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(statSync(join(dir, 'n1.key')).mode & 0o777, 0o600);
  loadPrivateKey(readFileSync(join(dir, 'n1.key'), 'utf8'));
  loadPublicKey(readFileSync(join(dir, 'n1.pub'), 'utf8'));
  const again = run('edgectl', 'keygen', '--out', dir, '--name', 'n1');
  assert.equal(again.status, 2);
  assert.match(again.stderr, /key_exists/);
});

test('an invalid config: exit 2, the field named, no stack trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-badconf-'));
  run('edgectl', 'keygen', '--out', dir, '--name', 'k');
  const file = join(dir, 'edge.yaml');
  writeFileSync(file, 'node_id: a\nroot: ./s\nlisten: 127.0.0.1:0\ndisk_ceiling_bytes: 1MiB\nmax_retries: 2\nbackoff: [1s, never]\nretention: forever\nkey_file: k.key\nknown_peers: []\n');
  for (const r of [run('edged', '--config', file), run('edgectl', '--config', file, 'status')]) {
    assert.equal(r.status, 2);
    assert.match(r.stderr, /config_invalid: .*edge\.yaml: backoff\[1\]: expected a duration/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  const missing = run('edged');
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--config/);
});

test('edgectl without a running daemon says so: exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-nodaemon-'));
  run('edgectl', 'keygen', '--out', dir, '--name', 'k');
  const file = join(dir, 'edge.yaml');
  writeFileSync(file, 'node_id: a\nroot: ./s\nlisten: 127.0.0.1:9\ndisk_ceiling_bytes: 1MiB\nmax_retries: 2\nbackoff: [1s]\nretention: forever\nkey_file: k.key\nknown_peers: []\n');
  const r = run('edgectl', '--config', file, 'status');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /edged_unreachable: cannot reach edged at http:\/\/127\.0\.0\.1:9/);
  const noConfig = run('edgectl', 'status');
  assert.equal(noConfig.status, 2);
  assert.match(noConfig.stderr, /needs --config/);
});
