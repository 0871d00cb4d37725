// `npm run demo` as a new user runs it: allowed calls, the two headline denies, a verified log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, tempDir } from './helpers.ts';

test('the demo: a signed bundle; 5 allowed, 4 denied (speed, workspace twice, allow-list), then audit verify ok', () => {
  const state = tempDir();
  try {
    const r = spawnSync(process.execPath, [join(ROOT, 'examples', 'robot', 'demo.ts')], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, AUTONOMY_DEMO_STATE: state.dir } });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines.filter((l) => /^\s+ALLOW\s/.test(l)).length, 5, r.stdout);
    assert.equal(lines.filter((l) => /^\s+DENY\s/.test(l)).length, 4, r.stdout);
    assert.match(r.stdout, /DENY\s+move\s.*over the 2 m\/s limit/);
    assert.match(r.stdout, /DENY\s+write_file\s.*\/etc\/robot.conf.*outside the workspace/);
    assert.match(r.stdout, /ok: \d+ records, seq 1\.\.\d+/);
    assert.match(r.stdout, /signatures: checked/);
    // A signed bundle, keys made on first run; no --dev anywhere.
    assert.match(r.stdout, /first run: making a signing key/);
    assert.match(r.stderr, /activated policy robot-\d+/);
    assert.doesNotMatch(r.stdout + r.stderr, /DEV MODE|--dev/);
  } finally {
    state.remove();
  }
});
