// The node agent as users run it: a real `autonomy-orchestrator serve` on SQLite, two real
// `autonomy serve --orchestrator URL` nodes enrolled with `autonomy node enroll`. A signed bundle
// rolls out and decisions follow it; one signed by a key the nodes do not trust is refused by
// the nodes themselves and halts the rollout; the nodes' audit reaches the orchestrator; and the
// nodes keep enforcing when the orchestrator is gone.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { NodeView, RolloutStatus } from '../../src/adk/orchestrator/index.ts';
import { until } from '../adk/orchestrator/helpers.ts';
import { BIN, EXAMPLE_POLICY, ORCH, orchestratorProcess, post, serve, tempDir, TOKEN, type Served } from './helpers.ts';

const exec = promisify(execFile);
const tmp = tempDir('node-agent-e2e-');
after(() => tmp.remove());

const autonomy = async (...args: string[]): Promise<string> => (await exec(process.execPath, [BIN, ...args], { timeout: 20_000 })).stdout;

const policyOf = async (s: Served): Promise<string | null> => {
  const r = (await (await fetch(`${s.url}/v1/policy`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { result?: { revision?: string } };
  return r.result?.revision ?? null;
};
const decide = async (s: Served, speed: number): Promise<unknown> => (await post(`${s.url}/v1/decide`, { tool: 'move', args: { speed } })).json['decision'];

test('two real nodes follow a rollout, refuse an untrusted bundle, upload their audit, survive the orchestrator', { timeout: 90_000 }, async () => {
  const keys = join(tmp.dir, 'keys');
  await autonomy('keygen', '--out', keys, '--name', 'signer');
  await autonomy('keygen', '--out', keys, '--name', 'stranger');
  // v2 raises the speed limit, so a decision tells which revision is enforcing.
  const fast = join(tmp.dir, 'fast');
  cpSync(EXAMPLE_POLICY, fast, { recursive: true });
  writeFileSync(join(fast, 'robot', 'data.json'), JSON.stringify({ tools: ['move', 'scan'], max_speed: 5, workspace: '/workspace/' }));
  const b = (name: string): string => join(tmp.dir, `${name}.tar.gz`);
  await autonomy('bundle', 'build', EXAMPLE_POLICY, '-o', b('v1'), '--revision', 'fleet-1', '--sequence', '1', '--signing-key', join(keys, 'signer.key'));
  await autonomy('bundle', 'build', fast, '-o', b('v2'), '--revision', 'fleet-2', '--sequence', '2', '--signing-key', join(keys, 'signer.key'));
  await autonomy('bundle', 'build', fast, '-o', b('evil'), '--revision', 'fleet-3', '--sequence', '3', '--signing-key', join(keys, 'stranger.key'));

  const orch = await orchestratorProcess(tmp.dir);
  after(orch.stop);
  const cli = async (...args: string[]): Promise<string> => (await exec(process.execPath, [ORCH, ...args, '--url', orch.url, '--token-file', join(tmp.dir, 'admin.token')], { timeout: 20_000 })).stdout;
  const rollout = async (rev: string): Promise<string> => (await cli('rollout', 'create', '--bundle', rev, '--selector', 'env=e2e', '--phases', '1,100%', '--max-failures', '0')).trim();
  const status = async (id: string): Promise<RolloutStatus> => JSON.parse(await cli('rollout', 'status', id, '--json')) as RolloutStatus;

  // Enroll and start two nodes; they trust only the signer's key.
  const nodes: Served[] = [];
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) {
    const state = join(tmp.dir, `node-${i}`);
    const token = (await cli('token', 'create', '--labels', 'env=e2e', '--expires', '10m')).trim();
    const m = /^enrolled node ([0-9a-f]{16}) with /.exec(await autonomy('node', 'enroll', '--orchestrator', orch.url, '--token', token, '--state', state));
    assert.ok(m, 'enroll prints the node id');
    ids.push(m[1]!);
    const s = await serve(['--state', state, '--trust', join(keys, 'signer.pub'), '--orchestrator', orch.url]);
    after(() => s.stop());
    nodes.push(s);
  }
  // Enrolling again with the same key is a no-op (the token stays unused); an unknown token is refused (exit 2).
  const again = await cli('token', 'create', '--labels', 'env=e2e', '--expires', '10m');
  assert.match(await autonomy('node', 'enroll', '--orchestrator', orch.url, '--token', again.trim(), '--state', join(tmp.dir, 'node-0')), new RegExp(`^already enrolled: node ${ids[0]!} `));
  await assert.rejects(autonomy('node', 'enroll', '--orchestrator', orch.url, '--token', 'aot_unknown', '--state', join(tmp.dir, 'other')), (e: { code?: number; stderr?: string }) => e.code === 2 && /token_invalid/.test(e.stderr ?? ''));
  // Not enrolled: refused at start with exit 2, before serving anything.
  await assert.rejects(serve(['--state', join(tmp.dir, 'stray'), '--trust', join(keys, 'signer.pub'), '--orchestrator', orch.url]), /not_enrolled/);

  // Signed bundles roll out: both nodes confirm, serve each, and decide by it (v2 allows speed 3).
  const fleetOn = async (revision: string, speed3: string): Promise<void> => {
    for (const s of nodes) {
      assert.equal(await policyOf(s), revision);
      assert.equal(await decide(s, 3), speed3);
    }
  };
  for (const [file, revision, speed3] of [['v1', 'fleet-1', 'deny'], ['v2', 'fleet-2', 'allow']] as const) {
    await cli('bundle', 'push', b(file));
    const r = await rollout(revision);
    await until(`${revision} rollout completed`, async () => (await status(r)).state === 'completed', 20_000);
    await fleetOn(revision, speed3);
  }

  // Signed by a key the nodes do not trust: the canary refuses it, the rollout halts, nothing changes.
  await cli('bundle', 'push', b('evil'));
  const r3 = await rollout('fleet-3');
  await until('fleet-3 rollout halted', async () => (await status(r3)).state === 'halted', 20_000);
  const s3 = await status(r3);
  assert.equal(s3.counts['waiting'], 1, 'the second phase was never touched');
  for (const s of nodes) assert.equal(await policyOf(s), 'fleet-2');
  const failed = s3.targets.filter((t) => t.error !== null);
  assert.equal(failed.length, 1, 'the canary reported a failure');
  assert.match(failed[0]!.error!, /signature|trust/i, 'the node says why it refused');
  await until('fleet confirmed on fleet-2', async () => (JSON.parse(await cli('nodes', 'list', '--json')) as NodeView[]).every((v) => v.confirmed === 'fleet-2'), 10_000);
  assert.equal(nodes.filter((s) => /revision fleet-3 not activated, keeping fleet-2/.test(s.stderr())).length, 1, 'the canary says it kept fleet-2');

  // The nodes' decisions reach the orchestrator's audit log.
  await until('audit uploaded', async () => {
    const lines = (await cli('audit', 'query', '--tool', 'move')).trim().split('\n').filter(Boolean);
    return ids.every((id) => lines.some((l) => l.includes(`"node":"${id}"`) && l.includes('"decision":"allow"')));
  }, 20_000);
  for (let i = 0; i < 2; i++) assert.match(readFileSync(join(tmp.dir, `node-${i}`, 'orchestrator-upload.json'), 'utf8'), /"offset":[1-9]/, 'where uploads resume after a restart');

  // A fleet rollback to an older revision: the nodes go back to the version they still hold,
  // found by content even when the push named it other than its manifest does.
  await cli('bundle', 'push', b('v1'), '--revision', 'fleet-1-again');
  await cli('rollback', '--selector', 'env=e2e', '--to', 'fleet-1-again');
  await until('fleet back on fleet-1', async () => (JSON.parse(await cli('nodes', 'list', '--json')) as NodeView[]).every((v) => v.confirmed === 'fleet-1-again'), 10_000);
  await fleetOn('fleet-1', 'deny');

  // The orchestrator goes away: the nodes keep deciding by their last valid policy.
  orch.stop();
  await new Promise((r) => setTimeout(r, 500));
  for (const s of nodes) {
    assert.equal(await decide(s, 3), 'deny');
    assert.equal(await decide(s, 1), 'allow');
    assert.equal(await policyOf(s), 'fleet-1');
  }
  for (const s of nodes) assert.equal(await s.stop(), 0);

  // A node restarted while the orchestrator is still down starts and enforces its last policy.
  assert.match(readFileSync(join(tmp.dir, 'node-0', 'orchestrator-active.json'), 'utf8'), /"revision":"fleet-1-again"/);
  const restarted = await serve(['--state', join(tmp.dir, 'node-0'), '--trust', join(keys, 'signer.pub'), '--orchestrator', orch.url]);
  after(() => restarted.stop());
  assert.equal(await policyOf(restarted), 'fleet-1');
  assert.equal(await decide(restarted, 3), 'deny');
  await until('the outage is reported', () => /policy sync failed, retrying: orchestrator_unreachable/.test(restarted.stderr()), 5000);
  assert.equal(await restarted.stop(), 0);
});
