// The orchestrator as users run it: real `autonomy-orchestrator serve` processes (two replicas
// on one PostgreSQL database when a server is available, else one on SQLite), the real CLI for
// every admin step, and simulated node agents speaking real signed HTTP.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { openNodeWal, walDir, NODE_KEY } from '../../src/adk/audit/index.ts';
import { loadOrCreateKey } from '../../src/common/ed25519.ts';
import { AdminClient, SimAgent } from '../../src/adk/orchestrator/index.ts';
import type { NodeView, RolloutStatus } from '../../src/adk/orchestrator/index.ts';
import { signRequest } from '../../src/adk/orchestrator/auth/signature.ts';
import { decision } from '../adk/audit/helpers-data.ts';
import { STORE_KINDS, tempDir, until } from '../adk/orchestrator/helpers.ts';
import { ORCHESTRATOR_BIN as bin, serveOrchestrator } from './orchestrator-serve.ts';

const exec = promisify(execFile);

/** A .tar.gz holding files (ustar headers written by hand: enough for a bundle). */
function tarGz(files: Record<string, string>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, text] of Object.entries(files)) {
    const body = Buffer.from(text);
    const h = Buffer.alloc(512);
    h.write(name, 0);
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
    h.write('00000000000\0', 136);
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\0' + '00', 257);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

for (const kind of STORE_KINDS) {
  describe(`e2e: autonomy-orchestrator on ${kind.name}${kind.name === 'postgres' ? ' (two replicas)' : ''}`, { skip: kind.skip }, () => {
    test('enroll, phased rollout, bad bundle halted and rolled back, offline rollback, tampered audit, node isolation', { timeout: 60_000 }, async () => {
      const dir = tempDir('orch-e2e-');
      const tokenFile = join(dir, 'admin.token');
      const db = await kind.db();
      const replicas = [await serveOrchestrator(db, tokenFile, dir)];
      if (kind.name === 'postgres') replicas.push(await serveOrchestrator(db, tokenFile, dir));
      const urls = replicas.map((r) => r.url);
      let turn = 0;
      /** Runs the CLI against the replicas in turn; returns stdout. */
      const cli = async (...args: string[]): Promise<string> => {
        const url = urls[turn++ % urls.length]!;
        const r = await exec(process.execPath, [bin, ...args, '--url', url, '--token-file', tokenFile], { cwd: dir });
        return r.stdout;
      };
      // Polling goes over HTTP: a CLI process per poll would only burn CPU. Each command is run
      // through the CLI at least once below.
      const token = readFileSync(tokenFile, 'utf8').trim();
      const admins = urls.map((u) => new AdminClient(u, token));
      const nodes = async (): Promise<NodeView[]> => admins[turn++ % admins.length]!.json<NodeView[]>('GET', '/v1/admin/nodes');
      const status = async (id: string): Promise<RolloutStatus> => admins[turn++ % admins.length]!.json<RolloutStatus>('GET', `/v1/admin/rollouts/${id}`);

      // Enroll 6 nodes, each with its own token and key, spread over the replicas.
      const agents: SimAgent[] = [];
      const states: string[] = [];
      for (let i = 0; i < 6; i++) {
        const token = (await cli('token', 'create', '--labels', 'env=prod,site=lab', '--expires', '10m')).trim();
        const state = tempDir('orch-e2e-node-');
        const a = await SimAgent.enroll(urls[i % urls.length]!, loadOrCreateKey(state, NODE_KEY), token, {
          waitMs: 1000, retryMs: 50, activate: (rev) => {
            if (rev === 'bad') throw new Error('bundle tests failed');
          },
        });
        a.start();
        agents.push(a);
        states.push(state);
      }
      after(() => Promise.all(agents.map((a) => a.stop())));
      assert.equal((JSON.parse(await cli('nodes', 'list', '--json')) as NodeView[]).length, 6);
      assert.match(await cli('nodes', 'list'), /^NODE +LABELS +DESIRED +CONFIRMED +STATE +ONLINE +LAST SEEN +AUDIT +ERROR\n/);

      // Bundles: the revision comes from the .manifest inside the tarball.
      writeFileSync(join(dir, 'v1.tar.gz'), tarGz({ '.manifest': JSON.stringify({ revision: 'v1', roots: ['autonomy'] }), 'autonomy/authz.rego': 'package autonomy.authz\n' }));
      writeFileSync(join(dir, 'bad.tar.gz'), tarGz({ '.manifest': JSON.stringify({ revision: 'bad' }), 'autonomy/authz.rego': 'package autonomy.authz\n# fails its tests\n' }));
      assert.match(await cli('bundle', 'push', join(dir, 'v1.tar.gz')), /^pushed: v1 sha256:[0-9a-f]{64}/);
      assert.match(await cli('bundle', 'push', join(dir, 'bad.tar.gz')), /^pushed: bad /);

      const r1 = (await cli('rollout', 'create', '--bundle', 'v1', '--selector', 'env=prod', '--phases', '1,50%,100%', '--max-failures', '0')).trim();
      await until('v1 rollout completed', async () => (await status(r1)).state === 'completed', 20_000);
      await until('fleet on v1', async () => (await nodes()).every((n) => n.state === 'in_sync' && n.confirmed === 'v1'), 10_000);
      assert.match(await cli('rollout', 'status', r1), new RegExp(`^rollout ${r1}: completed\\n`));

      // A bundle that fails activation everywhere: halted within the budget, touched nodes back on v1.
      const r2 = (await cli('rollout', 'create', '--bundle', 'bad', '--selector', 'env=prod', '--phases', '1,50%,100%', '--max-failures', '1')).trim();
      await until('bad rollout halted', async () => (await status(r2)).state === 'halted', 20_000);
      const s2 = JSON.parse(await cli('rollout', 'status', r2, '--json')) as RolloutStatus;
      // 6 nodes: phases reach 1, 3, 6. The canary fails (within budget 1); phase 2 fails → halt.
      assert.equal(s2.counts['waiting'], 3, 'the last phase was never touched');
      assert.equal(s2.counts['rolled_back'], 3);
      await until('fleet back on v1', async () => (await nodes()).every((n) => n.desired === 'v1' && n.confirmed === 'v1'), 10_000);

      // A node is offline while a rollback to v1 → … is ordered; it converges on reconnect.
      await cli('rollback', '--selector', 'site=lab', '--to', 'v1'); // no-op for the fleet
      const offline = agents[5]!;
      await offline.stop();
      assert.match(await cli('bundle', 'push', join(dir, 'v1.tar.gz'), '--revision', 'v0'), /^pushed: v0 /);
      await until('the stopped node seen offline', async () => (await nodes()).some((n) => n.id === offline.client.nodeId && !n.online), 10_000);
      assert.match(await cli('rollback', '--selector', 'env=prod', '--to', 'v0'), /^rollback to v0: 6 node\(s\)/);
      await until('online nodes on v0', () => agents.slice(0, 5).every((a) => a.active === 'v0'), 10_000);
      const pending = JSON.parse(await cli('nodes', 'list', '--pending', '--json')) as NodeView[];
      assert.deepEqual(pending.map((n) => [n.id, n.desired, n.confirmed, n.online]), [[offline.client.nodeId, 'v0', 'v1', false]]);
      offline.start();
      await until('reconnected node on v0', async () => (await nodes()).every((n) => n.confirmed === 'v0'), 10_000);

      // Audit: a node uploads its sealed WAL; a tampered copy from another node is rejected and flagged.
      const w = await openNodeWal(states[0]!, { checkpointIntervalMs: 0 });
      for (let i = 0; i < 12; i++) await w.append(decision(i));
      await w.close();
      const seg = readdirSync(walDir(states[0]!)).filter((f) => f.endsWith('.wal'))[0]!;
      const bytes = readFileSync(join(walDir(states[0]!), seg));
      const up = await agents[0]!.client.uploadAudit(seg, 0, bytes);
      assert.ok(up.accepted > 12);
      const w1 = await openNodeWal(states[1]!, { checkpointIntervalMs: 0 });
      for (let i = 0; i < 4; i++) await w1.append(decision(i));
      await w1.close();
      const seg1 = readFileSync(join(walDir(states[1]!), seg));
      const tampered = Buffer.from(seg1);
      tampered[tampered.length - 100]! ^= 0x20;
      await assert.rejects(agents[1]!.client.uploadAudit(seg, 0, tampered), { code: 'audit_tampered' });
      const flagged = (await nodes()).find((n) => n.id === agents[1]!.client.nodeId)!;
      assert.ok(flagged.audit_flag);
      const csv = await cli('audit', 'query', '--node', agents[0]!.client.nodeId, '--tool', 'shell.exec', '--decision', 'deny', '--format', 'csv');
      assert.equal(csv.trim().split('\n').length, 1 + 1, csv); // header + decision(0) (i=0 is the only shell.exec deny below 12)
      const jsonl = (await cli('audit', 'query', '--decision', 'deny')).trim().split('\n');
      assert.equal(jsonl.length, 3); // i = 0, 4, 8
      assert.match(await cli('audit', 'admin'), /audit\.rejected/);

      // A node cannot read another node's state: its key does not sign for another id.
      const key1 = loadOrCreateKey(states[1]!, NODE_KEY);
      const res = await fetch(`${urls[0]}/v1/node/desired`, { headers: signRequest(key1, agents[0]!.client.nodeId, 'GET', '/v1/node/desired', Buffer.alloc(0), Date.now()) });
      assert.equal(res.status, 401);

      // A clean shutdown on SIGTERM.
      for (const r of replicas) {
        const exited = new Promise<number | null>((res) => r.proc.once('exit', (c) => res(c)));
        r.proc.kill('SIGTERM');
        assert.equal(await exited, 0);
      }
    });
  });
}

test('every autonomy-orchestrator command answers --help', async () => {
  const cmds = [['serve'], ['token', 'create'], ['bundle', 'push'], ['bundle', 'list'], ['rollout', 'create'], ['rollout', 'status'], ['rollout', 'list'], ['rollout', 'pause'], ['rollout', 'resume'], ['rollout', 'abort'], ['rollback'], ['nodes', 'list'], ['nodes', 'gateway'], ['audit', 'query'], ['audit', 'prune'], ['audit', 'verify'], ['audit', 'deliveries'], ['audit', 'admin']];
  await Promise.all(cmds.map(async (c) => {
    const r = await exec(process.execPath, [bin, ...c, '--help']);
    assert.match(r.stdout, /^Usage: autonomy-orchestrator /, c.join(' '));
  }));
  const bad = await exec(process.execPath, [bin, 'nodes', 'list', '--url', 'http://127.0.0.1:9', '--token', 'x']).catch((e: { code: number; stderr: string }) => e);
  assert.equal((bad as { code: number }).code, 2);
  assert.match((bad as { stderr: string }).stderr, /orchestrator_unreachable: cannot reach http:\/\/127\.0\.0\.1:9/);
  assert.doesNotMatch((bad as { stderr: string }).stderr, /\n\s+at /);
});
