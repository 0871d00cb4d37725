// `autonomy run -- CMD`: the child finds the runtime through its environment, signals reach it,
// its exit code is ours, and the WAL is sealed and verifiable afterwards.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BIN, EXAMPLE_POLICY, tempDir } from './helpers.ts';

const tmp = tempDir();
after(() => tmp.remove());
const CHILD = join(import.meta.dirname, 'fixtures', 'signal_child.py');
let n = 0;

function runArgs(state: string, ...cmd: string[]): string[] {
  return [BIN, 'run', '--dev', '--policy', EXAMPLE_POLICY, '--state', state, '--', ...cmd];
}

test('the exit code of the child is the exit code of autonomy run; a missing command is 127', () => {
  const state = join(tmp.dir, `s${++n}`);
  for (const code of [0, 1, 7]) {
    const r = spawnSync(process.execPath, runArgs(state, 'python3', '-c', `import sys; sys.exit(${code})`), { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, code, r.stderr);
  }
  const missing = spawnSync(process.execPath, runArgs(state, 'no-such-command-xyz'), { encoding: 'utf8', timeout: 20_000 });
  assert.equal(missing.status, 127);
  assert.match(missing.stderr, /command not found/);
  const usage = spawnSync(process.execPath, [BIN, 'run', '--dev', '--policy', EXAMPLE_POLICY, '--state', state], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(usage.status, 2);
});

for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  test(`${sig} to autonomy run reaches the child; the WAL is sealed and verifies`, async () => {
    const state = join(tmp.dir, `s${++n}`);
    const p = spawn(process.execPath, runArgs(state, 'python3', CHILD), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const exited = new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`child never reported: ${out} ${err}`)), 20_000);
      p.stdout.setEncoding('utf8').on('data', (c: string) => {
        out += c;
        if (out.includes('\n')) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    const report = JSON.parse(out.split('\n')[0]!) as { url: string; token_len: number; decision: string; seq: number };
    assert.match(report.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(report.token_len >= 32);
    assert.equal(report.decision, 'allow');
    p.kill(sig);
    const code = await exited;
    assert.equal(code, { SIGTERM: 43, SIGINT: 42, SIGHUP: 41 }[sig], out + err);
    assert.match(out, new RegExp(`got ${sig}`));
    const v = spawnSync(process.execPath, [BIN, 'audit', 'verify', '--state', state], { encoding: 'utf8', timeout: 15_000 });
    assert.equal(v.status, 0, v.stdout);
    // The run was sealed: its last record is covered by a signed checkpoint.
    assert.doesNotMatch(v.stdout, /not yet sealed/);
  });
}

test('a child killed by a signal: autonomy run exits 128 + the signal number', () => {
  const state = join(tmp.dir, `s${++n}`);
  const r = spawnSync(process.execPath, runArgs(state, 'python3', '-c', 'import os, signal; os.kill(os.getpid(), signal.SIGKILL)'), { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 128 + 9);
});
