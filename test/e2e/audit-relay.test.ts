// Audit uploads through the edge relay, as users run them: a real orchestrator; a node enrolled
// through a route that then goes away, so `autonomy serve --orchestrator` cannot reach it and
// hands its sealed audit to its own edged (`--audit-relay`); that edged relays to the gateway's
// edged; `autonomy node gateway` uploads what arrives. The node's decisions reach `audit query`,
// the orchestrator records which gateway delivered them, and a segment altered at the gateway is
// refused and the gateway flagged, not the node. The node's status reports take the same way, so
// `nodes list` shows its active revision and the node online via the gateway.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { NodeView } from '../../src/adk/orchestrator/index.ts';
import type { AdminEvent, AuditDelivery } from '../../src/adk/orchestrator/types.ts';
import { until } from '../adk/orchestrator/helpers.ts';
import { Cluster } from '../edge/cluster.ts';
import { BIN, EXAMPLE_POLICY, ORCH, orchestratorProcess, post, serve, tempDir } from './helpers.ts';

const exec = promisify(execFile);
const tmp = tempDir('audit-relay-e2e-');
after(() => tmp.remove());

const autonomy = async (...args: string[]): Promise<string> => (await exec(process.execPath, [BIN, ...args], { timeout: 20_000 })).stdout;

/** A TCP forwarder to port: the node's only route to the orchestrator, closed later. */
async function route(port: number): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    const up = connect(port, '127.0.0.1');
    for (const x of [s, up]) {
      sockets.add(x);
      x.on('close', () => sockets.delete(x));
      x.on('error', () => undefined);
    }
    s.pipe(up).pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

test('a node without a route hands its audit to edged; a gateway uploads it; tampering on the way is refused and flagged', { timeout: 120_000 }, async () => {
  const keys = join(tmp.dir, 'keys');
  await autonomy('keygen', '--out', keys, '--name', 'signer');
  const bundle = join(tmp.dir, 'v1.tar.gz');
  await autonomy('bundle', 'build', EXAMPLE_POLICY, '-o', bundle, '--revision', 'relay-1', '--sequence', '1', '--signing-key', join(keys, 'signer.key'));

  const orch = await orchestratorProcess(tmp.dir);
  after(orch.stop);
  const cli = async (...args: string[]): Promise<string> => (await exec(process.execPath, [ORCH, ...args, '--url', orch.url, '--token-file', join(tmp.dir, 'admin.token')], { timeout: 20_000 })).stdout;
  const enroll = async (state: string, url: string): Promise<string> => {
    const token = (await cli('token', 'create', '--labels', 'site=remote', '--expires', '10m')).trim();
    return /^enrolled node ([0-9a-f]{16}) /.exec(await autonomy('node', 'enroll', '--orchestrator', url, '--token', token, '--state', state))![1]!;
  };

  // The node enrolls over a route that then goes away; the gateway reaches the orchestrator.
  const link = await route(Number(new URL(orch.url).port));
  const nodeState = join(tmp.dir, 'node');
  const nodeId = await enroll(nodeState, link.url);
  await link.close();
  const gwState = join(tmp.dir, 'gateway');
  const gwId = await enroll(gwState, orch.url);

  const edge = await Cluster.create([{ id: 'edge-node', peers: ['edge-gw'] }, { id: 'edge-gw', peers: ['edge-node'] }], { backoff: ['100ms', '500ms'], max_retries: 20 });
  after(() => edge.cleanup());
  await edge.start('edge-node');
  await edge.start('edge-gw');

  // Refused configurations: a relay without an orchestrator to relay to; a peer the edge config does not know.
  await assert.rejects(serve(['--state', nodeState, '--policy', bundle, '--trust', join(keys, 'signer.pub'), '--audit-relay', edge.config('edge-node')]), /bad_config: --audit-relay .* needs --orchestrator/);
  await assert.rejects(serve(['--state', nodeState, '--trust', join(keys, 'signer.pub'), '--orchestrator', link.url, '--audit-relay', edge.config('edge-node'), '--audit-relay-to', 'nobody']), /bad_config: --audit-relay-to nobody: not a known peer/);
  await assert.rejects(cli('nodes', 'gateway', gwId), (e: { code?: number; stderr?: string }) => e.code === 2 && /one of --allow or --deny/.test(e.stderr ?? ''));

  await assert.rejects(serve(['--state', nodeState, '--trust', join(keys, 'signer.pub'), '--orchestrator', link.url, '--relay-heartbeat', '1s']), /bad_config: --relay-heartbeat .* needs --audit-relay/);
  // The heartbeat is under the orchestrator's --offline-after (2s), so the node is seen alive through the gateway.
  const node = await serve(['--state', nodeState, '--policy', bundle, '--trust', join(keys, 'signer.pub'), '--orchestrator', link.url, '--audit-relay', edge.config('edge-node'), '--relay-heartbeat', '500ms']);
  after(() => node.stop());
  for (const speed of [1, 3]) await post(`${node.url}/v1/decide`, { tool: 'move', args: { speed } });

  // Not yet allowed to relay: the gateway's uploads are refused (and said so), nothing is taken.
  const gw = spawn(process.execPath, [BIN, 'node', 'gateway', '--state', gwState, '--orchestrator', orch.url, '--edge', edge.config('edge-gw'), '--every', '200ms'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let gwErr = '';
  gw.stderr.on('data', (d: Buffer) => (gwErr += d.toString()));
  after(() => gw.kill('SIGTERM'));
  await until('the gateway is refused', () => /gateway_forbidden/.test(gwErr), 30_000);
  await cli('nodes', 'gateway', gwId, '--allow');

  const query = async (...args: string[]): Promise<{ node: string; tool: string; decision: string }[]> =>
    (await cli('audit', 'query', ...args)).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { node: string; tool: string; decision: string });
  await until('the node\'s decisions reach the orchestrator', async () => {
    const got = await query('--node', nodeId, '--tool', 'move');
    return got.some((r) => r.decision === 'allow') && got.some((r) => r.decision === 'deny');
  }, 60_000);
  assert.match(node.stderr(), /audit and status reports handed to edged/);
  assert.match(node.stderr(), /policy sync failed, retrying: orchestrator_unreachable/, 'the node has no route of its own');
  // Its status report comes the same way: the revision it has active shows in the fleet view, online through the gateway.
  await until('the node\'s status reaches the orchestrator through the gateway', async () =>
    new RegExp(`^${nodeId}\\s+site=remote\\s+-\\s+relay-1\\s+unmanaged\\s+via ${gwId}\\s`, 'm').test(await cli('nodes', 'list')), 60_000);
  const relayedView = (JSON.parse(await cli('nodes', 'list', '--json')) as NodeView[]).find((n) => n.id === nodeId)!;
  assert.equal(relayedView.relay!.via, gwId);
  assert.ok(relayedView.last_seen! < relayedView.relay!.last_seen, 'never heard from directly since it enrolled');
  assert.match(gwErr, new RegExp(`gateway: relaying status reports of node ${nodeId}`));

  // New policy reaches it the other way: the gateway hands the bundle toward it; the node checks it
  // against its own trust keys, activates it and reports back. A bundle its keys do not trust is refused.
  const row = (desired: string, confirmed: string, state: string): RegExp => new RegExp(`^${nodeId}\\s+site=remote\\s+${desired}\\s+${confirmed}\\s+${state}\\s+via ${gwId}\\s`, 'm');
  const v2 = join(tmp.dir, 'v2.tar.gz');
  await autonomy('bundle', 'build', EXAMPLE_POLICY, '-o', v2, '--revision', 'relay-2', '--sequence', '2', '--signing-key', join(keys, 'signer.key'));
  await autonomy('keygen', '--out', keys, '--name', 'stranger');
  const evil = join(tmp.dir, 'evil.tar.gz');
  await autonomy('bundle', 'build', EXAMPLE_POLICY, '-o', evil, '--revision', 'relay-3', '--sequence', '3', '--signing-key', join(keys, 'stranger.key'));
  await cli('bundle', 'push', v2);
  await cli('bundle', 'push', evil);
  await cli('rollback', '--to', 'relay-2', '--selector', 'site=remote');
  await until('the node activates relay-2 through the relay', async () => row('relay-2', 'relay-2', 'in_sync').test(await cli('nodes', 'list')), 60_000);
  assert.match(node.stderr(), /orchestrator: activated revision relay-2/);
  assert.match(gwErr, new RegExp(`gateway: handed revision relay-2 \\(version \\d+\\) toward node ${nodeId} through edge peer edge-node`));
  await cli('rollback', '--to', 'relay-3', '--selector', 'site=remote');
  await until('the node refuses relay-3 and says so through the relay', async () => row('relay-3', 'relay-2', 'failed').test(await cli('nodes', 'list')), 60_000);
  assert.match(node.stderr(), /revision relay-3 not activated, keeping relay-2: .*bundle_key_unknown/);
  const decided = await post(`${node.url}/v1/decide`, { tool: 'move', args: { speed: 1 } });
  assert.equal((decided.json['policy'] as { revision: string }).revision, 'relay-2', 'the node keeps enforcing relay-2');
  const deliveries = JSON.parse(await cli('audit', 'deliveries', '--node', nodeId, '--json')) as AuditDelivery[];
  assert.ok(deliveries.length > 0 && deliveries.every((d) => d.via === gwId), 'every upload came through the gateway');
  assert.match(await cli('audit', 'deliveries', '--node', nodeId), new RegExp(`${nodeId}\\s+1-\\d+\\s+\\S+\\.wal\\s+${gwId}`));

  // A relayed segment altered at the gateway (its edged holds it as any other bytes).
  const held = JSON.parse(edge.edgectl('edge-gw', 'segments', '--json').stdout) as { hash: string; from: string }[];
  const file = join(tmp.dir, 'relayed.bin');
  // An audit envelope, not one of the node's status envelopes.
  const relayed = held.find((s) => s.from === 'edge-node' && edge.edgectl('edge-gw', 'get', s.hash, '-o', file).status === 0 && readFileSync(file).toString('latin1').startsWith('autonomy-audit-relay/v1\n'))!;
  const bytes = readFileSync(file);
  bytes[bytes.length - 20]! ^= 1;
  writeFileSync(file, bytes);
  assert.equal(edge.edgectl('edge-gw', 'put', file).status, 0);
  await until('the altered segment is refused', () => /REFUSED .*relay_tampered/.test(gwErr), 30_000);

  const views = new Map((JSON.parse(await cli('nodes', 'list', '--json')) as NodeView[]).map((n) => [n.id, n]));
  assert.match(views.get(gwId)!.gateway!.flag!, new RegExp(`relayed audit of node ${nodeId}`));
  assert.equal(views.get(nodeId)!.audit_flag, null, 'the node is not blamed for bytes it did not sign');
  await assert.rejects(cli('nodes', 'list'), (e: { code?: number; stdout?: string }) => e.code === 1 && /FLAGGED/.test(e.stdout ?? ''));
  const events = JSON.parse(await cli('audit', 'admin', '--json')) as AdminEvent[];
  assert.ok(events.some((e) => e.action === 'gateway.allow' && e.detail['node'] === gwId));
  assert.ok(events.some((e) => e.action === 'audit.relay_rejected' && e.actor === `gateway:${gwId}`));

  // Pages: the CLI follows the cursor, so small pages give the same answer; the held chain verifies,
  // also once retention has pruned it down to its anchor.
  const whole = await cli('audit', 'query', '--node', nodeId, '--format', 'csv');
  assert.equal(await cli('audit', 'query', '--node', nodeId, '--format', 'csv', '--page-size', '2'), whole);
  assert.match(await cli('audit', 'verify', '--node', nodeId), new RegExp(`${nodeId}\\s+\\d+\\s+genesis\\s+seq \\d+\\s+ok`));
  assert.match(await cli('audit', 'prune', '--before', '2200-01-01T00:00:00Z'), new RegExp(`^pruned \\d+ record\\(s\\) of 1 node\\(s\\): ${nodeId} through seq \\d+`));
  assert.match(await cli('audit', 'verify'), new RegExp(`${nodeId}\\s+0\\s+anchor seq \\d+\\s+seq \\d+\\s+ok`));
  assert.equal(await cli('audit', 'query', '--node', nodeId), '');

  // The gateway stops cleanly; what it uploaded or refused is recorded for its next run.
  const code = new Promise<number | null>((r) => gw.once('exit', r));
  gw.kill('SIGTERM');
  assert.equal(await code, 0);
  assert.ok((JSON.parse(readFileSync(join(gwState, 'gateway-relayed.json'), 'utf8')) as string[]).includes(relayed.hash));
  assert.equal(await node.stop(), 0);
});
