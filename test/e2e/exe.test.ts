// `npm run build:exe`: the single executable runs the demo from a directory with no
// node_modules and no source, only the example agent, its policy and the Python SDK.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT, tempDir } from './helpers.ts';

const exec = promisify(execFile);

test('the single executable signs a bundle, runs the demo agent under it and verifies the log, without node_modules', { timeout: 120_000 }, async () => {
  const tmp = tempDir('autonomy-exe-');
  try {
    const out = join(tmp.dir, 'bin');
    await exec(process.execPath, [join(ROOT, 'scripts', 'build-exe.ts'), out], { cwd: ROOT });
    const app = join(tmp.dir, 'app');
    cpSync(join(ROOT, 'examples', 'robot'), join(app, 'examples', 'robot'), { recursive: true });
    cpSync(join(ROOT, 'sdk', 'python', 'autonomyops'), join(app, 'sdk', 'python', 'autonomyops'), { recursive: true });
    assert.equal(existsSync(join(app, 'node_modules')), false);
    const exe = join(out, 'autonomy');
    // A clean environment: no NODE_OPTIONS or npm variables leaking in.
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: tmp.dir };
    // The demo's steps: a signing key, a signed bundle, the agent under `run`, then verify.
    await exec(exe, ['keygen', '--out', 'st/keys', '--name', 'signer'], { cwd: app, env });
    await exec(exe, ['bundle', 'build', 'examples/robot/policy', '-o', 'st/robot.tar.gz', '--revision', 'robot-1', '--sequence', '1', '--signing-key', 'st/keys/signer.key'], { cwd: app, env });
    const run = await exec(exe, ['run', '--policy', 'st/robot.tar.gz', '--trust', 'st/keys/signer.pub', '--state', 'st', '--', 'python3', 'examples/robot/agent.py'], { cwd: app, env, encoding: 'utf8' });
    assert.match(run.stderr, /activated policy robot-1/);
    assert.equal(run.stdout.split('\n').filter((l) => /^\s+DENY\s/.test(l)).length, 4, run.stdout);
    assert.match(run.stdout, /over the 2 m\/s limit/);
    const verify = await exec(exe, ['audit', 'verify', '--state', 'st'], { cwd: app, env, encoding: 'utf8' });
    assert.match(verify.stdout, /^ok: \d+ records/);
  } finally {
    tmp.remove();
  }
});
