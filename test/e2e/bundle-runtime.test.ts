// The runtime on signed bundles (INV-05 meets INV-01): a signed bundle activates and decides; an
// unsigned one or one signed by an untrusted key is refused and every decision denies
// no_valid_policy; a policy past --max-age denies policy_stale; a restart keeps the active policy.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BIN, EXAMPLE_POLICY, post, serve, tempDir, TOKEN } from './helpers.ts';

const tmp = tempDir();
const keys = join(tmp.dir, 'keys');
const signed = join(tmp.dir, 'signed.tar.gz');
const unsigned = join(tmp.dir, 'unsigned.tar.gz');
let n = 0;
const state = (): string => join(tmp.dir, `state-${++n}`);

function autonomy(...args: string[]): void {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
}

before(() => {
  autonomy('keygen', '--out', keys, '--name', 'signer');
  autonomy('keygen', '--out', keys, '--name', 'stranger');
  autonomy('bundle', 'build', EXAMPLE_POLICY, '-o', signed, '--revision', 'robot-7', '--sequence', '7', '--signing-key', join(keys, 'signer.key'));
  autonomy('bundle', 'build', EXAMPLE_POLICY, '-o', unsigned, '--revision', 'robot-8', '--sequence', '8');
});
after(() => tmp.remove());

test('a signed bundle activates and decides; a restart without --policy keeps it', async () => {
  const dir = state();
  const s = await serve(['--policy', signed, '--trust', join(keys, 'signer.pub'), '--state', dir]);
  try {
    assert.match(s.stderr(), /activated policy robot-7/);
    const r = await post(`${s.url}/v1/decide`, { tool: 'move', args: { speed: 3 } });
    assert.equal(r.json['decision'], 'deny');
    assert.match((r.json['reasons'] as string[])[0]!, /over the 2 m\/s limit/);
    assert.doesNotMatch(JSON.stringify(r.json['reasons']), /dev_mode/);
    const p = (await (await fetch(`${s.url}/v1/policy`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { result: { revision: string; signed: boolean } };
    assert.deepEqual([p.result.revision, p.result.signed], ['robot-7', true]);
  } finally {
    assert.equal(await s.stop(), 0);
  }
  const again = await serve(['--trust', join(keys, 'signer.pub'), '--state', dir]);
  try {
    assert.equal((await post(`${again.url}/v1/decide`, { tool: 'scan' })).json['decision'], 'allow');
  } finally {
    await again.stop();
  }
});

for (const [name, bundle, key] of [
  ['an unsigned bundle', unsigned, 'signer.pub'],
  ['a bundle signed by an untrusted key', signed, 'stranger.pub'],
] as const) {
  test(`${name} is refused: every decision denies no_valid_policy`, async () => {
    const s = await serve(['--policy', bundle, '--trust', join(keys, key), '--state', state()]);
    try {
      assert.match(s.stderr(), /REFUSED/);
      const r = await post(`${s.url}/v1/decide`, { tool: 'scan' });
      assert.deepEqual([r.json['decision'], r.json['reasons']], ['deny', ['no_valid_policy']]);
      assert.equal((await fetch(`${s.url}/health`)).status, 503);
    } finally {
      await s.stop();
    }
  });
}

test('fail closed: a policy past --max-age → deny policy_stale', async () => {
  const s = await serve(['--policy', signed, '--trust', join(keys, 'signer.pub'), '--max-age', '1ms', '--state', state()]);
  try {
    await new Promise((r) => setTimeout(r, 10));
    const r = await post(`${s.url}/v1/decide`, { tool: 'scan' });
    assert.deepEqual([r.json['decision'], r.json['reasons']], ['deny', ['policy_stale']]);
  } finally {
    await s.stop();
  }
});
