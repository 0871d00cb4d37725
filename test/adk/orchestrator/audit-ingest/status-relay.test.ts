// Status reports through the edge relay: a node without a route hands its report to edged in an
// envelope it signs, with its report sequence; an allowed gateway delivers it. The orchestrator
// applies a report only if its sequence is above the last applied (direct or relayed), so a
// replayed or reordered old report never overwrites a newer one, and blames the gateway for
// bytes the node did not sign. The other way, the gateway hands a node's desired bundle toward it
// (only for nodes reporting through it), the node activates it as a download, and rollouts count
// relayed reports as contact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPrivateKey } from 'node:crypto';
import { NODE_KEY, walDir } from '../../../../src/adk/audit/index.ts';
import { generateKeyPair, loadOrCreateKey } from '../../../../src/common/ed25519.ts';
import { NodeClient, type NodeView } from '../../../../src/adk/orchestrator/index.ts';
import { EdgeHandoff, type EdgeControl } from '../../../../src/adk/orchestrator/agent/edge-handoff.ts';
import { GatewayUploader } from '../../../../src/adk/orchestrator/agent/gateway-uploader.ts';
import { encodeDesiredEnvelope, encodeStatusEnvelope } from '../../../../src/adk/orchestrator/audit-ingest/relay-envelope.ts';
import type { StatusReport } from '../../../../src/adk/orchestrator/agent/node-client.ts';
import type { AdminEvent } from '../../../../src/adk/orchestrator/types.ts';
import { NodeAgent } from '../../../../src/adk/runtime/node-agent.ts';
import type { RolloutStatus } from '../../../../src/adk/orchestrator/service.ts';
import { orchestrator, tempDir, until } from '../helpers.ts';

type Admin = Awaited<ReturnType<typeof orchestrator>>['admin'];

async function enrolledNode(url: string, admin: Admin, state: string, labels: Record<string, string> = { env: 'relay' }): Promise<NodeClient> {
  const { token } = await admin.json<{ token: string }>('POST', '/v1/admin/tokens', { labels });
  return (await NodeClient.enroll(url, loadOrCreateKey(state, NODE_KEY), token)).client;
}

async function gateway(url: string, admin: Admin, allow = true): Promise<NodeClient> {
  const g = await enrolledNode(url, admin, tempDir('orch-gw-'));
  if (allow) await admin.json('POST', `/v1/admin/nodes/${g.nodeId}/gateway`, { allow: true });
  return g;
}

async function view(admin: Admin, id: string): Promise<NodeView> {
  return (await admin.json<NodeView[]>('GET', '/v1/admin/nodes')).find((n) => n.id === id)!;
}

const ok = (rev: string): StatusReport => ({ active_revision: rev, status: 'ok' });

// Stand-ins for the control API of two edged (the relay between them is tested in test/edge).
/** Two edged stand-ins joined as the relay joins them: what the node puts reaches the gateway, what the gateway addresses to the node reaches it. */
function edgePair(): { nodeEdge: EdgeControl; gwEdge: EdgeControl; put: (bytes: Buffer) => void; held: () => number } {
  const nodeHeld = new Map<string, { bytes: Buffer; from: string }>();
  const gwHeld = new Map<string, { bytes: Buffer; from: string }>();
  const hash = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
  const control = (mine: Map<string, { bytes: Buffer; from: string }>, peer: Map<string, { bytes: Buffer; from: string }>, myId: string): EdgeControl => ({
    call: async (method, path, body) => {
      if (method === 'POST') {
        mine.set(hash(body!), { bytes: Buffer.from(body!), from: 'local' });
        peer.set(hash(body!), { bytes: Buffer.from(body!), from: myId });
      }
      const m = /^\/v1\/local\/segments\/([0-9a-f]{64})$/.exec(path);
      return { status: 200, body: m ? mine.get(m[1]!)!.bytes : Buffer.from(JSON.stringify([...mine].map(([h, s]) => ({ hash: h, from: s.from })))) };
    },
  });
  return { nodeEdge: control(nodeHeld, gwHeld, 'edge-node'), gwEdge: control(gwHeld, nodeHeld, 'edge-gw'), put: (bytes) => nodeHeld.set(hash(bytes), { bytes, from: 'edge-gw' }), held: () => gwHeld.size };
}

test('relayed reports: signed by the node, ordered by its sequence with direct ones, only through an allowed gateway; the fleet view sees the node via it', async () => {
  // The orchestrator's clock can be moved ahead (within the 60 s signature window) to let the node's direct contact go stale.
  let ahead = 0;
  const { orch, admin } = await orchestrator(undefined, { offlineAfterMs: 3000, now: () => Date.now() + ahead });
  const state = tempDir('orch-node-');
  const node = await enrolledNode(orch.url, admin, state);
  const key = loadOrCreateKey(state, NODE_KEY);
  const env = (seq: number, r: StatusReport): Buffer => encodeStatusEnvelope(key, node.nodeId, seq, Buffer.from(JSON.stringify(r)));

  const stranger = await gateway(orch.url, admin, false);
  await assert.rejects(stranger.relayStatus(env(10, ok('v1'))), { code: 'gateway_forbidden' });
  assert.equal((await view(admin, node.nodeId)).confirmed, null, 'nothing applied from a gateway that is not allowed');

  const gw = await gateway(orch.url, admin);
  await assert.rejects(gw.relayStatus(Buffer.from('not an envelope')), { code: 'bad_request' });
  ahead = 10_000;
  assert.deepEqual(await gw.relayStatus(env(10, ok('v1'))), { node: node.nodeId, seq: 10, applied: true });
  let v = await view(admin, node.nodeId);
  assert.equal(v.confirmed, 'v1');
  assert.equal(v.online, true, 'heard from through the gateway');
  assert.equal(v.online_via, gw.nodeId);
  assert.equal(v.relay!.via, gw.nodeId);
  assert.ok(v.last_seen! < v.relay!.last_seen, 'the relay does not count as direct contact');

  // Replayed, then reordered: the old report is delivered but never overwrites the newer one.
  assert.equal((await gw.relayStatus(env(10, ok('v1')))).applied, false);
  assert.equal((await gw.relayStatus(env(30, { active_revision: 'v1', status: 'failed', failed_revision: 'v3', error: 'bundle_key_unknown' }))).applied, true);
  assert.equal((await gw.relayStatus(env(20, ok('v2')))).applied, false);
  v = await view(admin, node.nodeId);
  assert.equal(v.confirmed, 'v1');

  // Direct reports carry the same sequence: the two paths cannot undo each other.
  await assert.rejects(node.report({ ...ok('v0'), seq: -1 }), { code: 'bad_request' });
  assert.equal((await node.report({ ...ok('v0'), seq: 25 })).applied, false);
  assert.equal((await node.report({ ...ok('v3'), seq: 40 })).applied, true);
  assert.equal((await gw.relayStatus(env(35, ok('v2')))).applied, false);
  v = await view(admin, node.nodeId);
  assert.equal(v.confirmed, 'v3');
  assert.equal(v.online_via, null, 'heard from directly again');

  // A report the node did not sign (another key, or bytes changed after signing): refused, the gateway is flagged, not the node.
  const forger = createPrivateKey(generateKeyPair().privatePem);
  await assert.rejects(gw.relayStatus(encodeStatusEnvelope(forger, node.nodeId, 50, Buffer.from(JSON.stringify(ok('evil'))))),
    (e: Error & { code: string }) => e.code === 'relay_tampered' && /signature does not verify/.test(e.message));
  const altered = env(51, ok('v4'));
  altered[altered.length - 4]! ^= 1;
  await assert.rejects(gw.relayStatus(altered), (e: Error & { code: string }) => e.code === 'relay_tampered' && /the node signed/.test(e.message));
  v = await view(admin, node.nodeId);
  assert.equal(v.confirmed, 'v3');
  assert.equal(v.audit_flag, null);
  assert.match((await view(admin, gw.nodeId)).gateway!.flag!, new RegExp(`relayed status report of node ${node.nodeId} \\(seq 51\\)`));
  const events = (await admin.json<AdminEvent[]>('GET', '/v1/admin/events')).filter((e) => e.action === 'audit.relay_rejected');
  assert.deepEqual(events.map((e) => [e.actor, e.detail['seq']]), [[`gateway:${gw.nodeId}`, 50], [`gateway:${gw.nodeId}`, 51]]);
});

test('the node agent hands its status to edged on change and as a heartbeat; the gateway delivers it; sequences survive a clock going back', async () => {
  const { orch, admin } = await orchestrator();
  const state = tempDir('orch-node-');
  const node = await enrolledNode(orch.url, admin, state);
  const { nodeEdge, gwEdge, held } = edgePair();
  // The last run used sequences far ahead of the clock (its clock was ahead then): they go on from there.
  const from = Date.now() + 3_600_000;
  const seqs: number[] = [];
  const agent = (heartbeatMs: number, seqFrom: number): NodeAgent => new NodeAgent({
    client: node, activate: async () => undefined, active: 'v1', walDir: walDir(state), seal: async () => undefined, say: () => undefined,
    statusRelay: new EdgeHandoff(loadOrCreateKey(state, NODE_KEY), node.nodeId, nodeEdge), reportSeqFrom: seqFrom, onReportSeq: (s) => seqs.push(s), relayHeartbeatMs: heartbeatMs,
  });
  const quiet = agent(3_600_000, from);
  assert.equal(await quiet.relayStatusOnce(), true);
  assert.equal(await quiet.relayStatusOnce(), false, 'unchanged and no heartbeat due: nothing handed');
  // A restarted node, with what the last run recorded, beating at every round.
  const beating = agent(0, seqs.at(-1)!);
  assert.equal(await beating.relayStatusOnce(), true);
  assert.equal(await beating.relayStatusOnce(), true);
  assert.equal(held(), 3);
  assert.deepEqual(seqs, [from + 1, from + 2, from + 3], 'sequences go on from the recorded one, not from the clock');

  const gw = await gateway(orch.url, admin);
  const said: string[] = [];
  const up = new GatewayUploader({ client: gw, edge: gwEdge, say: (l) => said.push(l) });
  const round = await up.syncOnce();
  // Delivered oldest first, so each is newer than the last applied.
  assert.deepEqual(round, { uploaded: 3, accepted: 0, reported: 3, handed: 0, refused: 0, waiting: 0 });
  assert.deepEqual(said, [`gateway: relaying status reports of node ${node.nodeId}`]);
  const v = await view(admin, node.nodeId);
  assert.equal(v.confirmed, 'v1');
  assert.equal(v.relay!.via, gw.nodeId);
  assert.equal((await up.syncOnce()).uploaded, 0, 'each envelope is delivered once');
});

test('desired state through the relay: the gateway hands a node\'s desired bundle toward it, only for nodes reporting through it; the node checks it and reports back', async () => {
  const { orch, admin } = await orchestrator();
  const state = tempDir('orch-node-');
  const node = await enrolledNode(orch.url, admin, state);
  const gw = await gateway(orch.url, admin);
  const other = await gateway(orch.url, admin);
  await admin.send('POST', '/v1/admin/bundles?revision=v2', Buffer.from('bundle v2'));
  await admin.json('POST', '/v1/admin/rollback', { selector: { env: 'relay' }, revision: 'v2' });
  await assert.rejects(gw.gatewayDesired(node.nodeId), { code: 'forbidden' }, 'the node does not report through it yet');

  const { nodeEdge, gwEdge, put } = edgePair();
  const handoff = new EdgeHandoff(loadOrCreateKey(state, NODE_KEY), node.nodeId, nodeEdge);
  const activated: [string, string][] = [];
  const said: string[] = [];
  const agent = new NodeAgent({
    client: node, active: 'v1', walDir: walDir(state), seal: async () => undefined, say: (l) => said.push(l), statusRelay: handoff, desiredRelay: handoff,
    activate: async (revision, bytes) => void activated.push([revision, bytes.toString()]),
  });
  const up = new GatewayUploader({ client: gw, edge: gwEdge, say: () => undefined });
  assert.equal(await agent.relayStatusOnce(), true);
  assert.deepEqual(await up.syncOnce(), { uploaded: 1, accepted: 0, reported: 1, handed: 1, refused: 0, waiting: 0 });
  await assert.rejects(other.gatewayDesired(node.nodeId), { code: 'forbidden' }, 'only the gateway its reports come through');
  await assert.rejects(gw.gatewayBundle(node.nodeId, 'v3', null), { code: 'forbidden' }, 'only the node\'s own revisions');

  assert.equal(await agent.relayDesiredOnce(), true);
  assert.deepEqual(activated, [['v2', 'bundle v2']]);
  assert.equal(await agent.relayDesiredOnce(), false, 'nothing newer');
  assert.equal(await agent.relayStatusOnce(), true, 'the new outcome goes back at once');
  assert.deepEqual(await up.syncOnce(), { uploaded: 1, accepted: 0, reported: 1, handed: 0, refused: 0, waiting: 0 });
  const v = await view(admin, node.nodeId);
  assert.equal(v.confirmed, 'v2');
  assert.equal(v.state, 'in_sync');

  // Bytes changed on the way (or a bundle the node's keys refuse): not activated, reported as failed; an envelope for another node is not looked at.
  put(encodeDesiredEnvelope({ node: other.nodeId, revision: 'v9', digest: 'x', version: 99 }, Buffer.from('not for it')));
  put(encodeDesiredEnvelope({ node: node.nodeId, revision: 'v3', digest: createHash('sha256').update('bundle v3').digest('hex'), version: 50 }, Buffer.from('bundle v3 altered')));
  assert.equal(await agent.relayDesiredOnce(), true);
  assert.equal(activated.length, 1);
  assert.match(said.at(-1)!, /revision v3 not activated, keeping v2: .*bundle_digest/);
  assert.equal(await agent.relayStatusOnce(), true, 'the refusal is reported');
  assert.equal((await up.syncOnce()).reported, 1);
  assert.equal((await view(admin, node.nodeId)).confirmed, 'v2');

  // The node reaches the orchestrator directly again: its former gateway may no longer read for it.
  assert.deepEqual(await node.report({ active_revision: 'v2', status: 'ok', seq: Date.now() + 60_000 }), { applied: true });
  await assert.rejects(gw.gatewayDesired(node.nodeId), { code: 'forbidden' }, 'it was heard from directly since');
  await assert.rejects(gw.gatewayBundle(node.nodeId, 'v2', null), { code: 'forbidden' });
  assert.equal((await view(admin, node.nodeId)).online_via, null);
});

/**
 * A rollout of v2 over one node (v1 active) that was last heard from directly 10 s ago (offline
 * after 3 s), with its agent and an allowed gateway joined by the edge stand-ins. acts: whether
 * the agent acts on the desired state it is handed.
 */
async function relayedRollout(rollout: Record<string, unknown>, acts: boolean): Promise<{ agent: NodeAgent; up: GatewayUploader; status: () => Promise<RolloutStatus>; admin: Admin; node: NodeClient; gw: NodeClient }> {
  let ahead = 0;
  const { orch, admin } = await orchestrator(undefined, { offlineAfterMs: 3000, now: () => Date.now() + ahead });
  const state = tempDir('orch-node-');
  const node = await enrolledNode(orch.url, admin, state, { site: 'remote' });
  const gw = await gateway(orch.url, admin);
  await admin.send('POST', '/v1/admin/bundles?revision=v2', Buffer.from('bundle v2'));
  ahead = 10_000;
  const r = await admin.json<RolloutStatus>('POST', '/v1/admin/rollouts', { revision: 'v2', selector: { site: 'remote' }, phases: '100%', max_failures: 0, ...rollout });
  const { nodeEdge, gwEdge } = edgePair();
  const handoff = new EdgeHandoff(loadOrCreateKey(state, NODE_KEY), node.nodeId, nodeEdge);
  const agent = new NodeAgent({
    client: node, active: 'v1', walDir: walDir(state), seal: async () => undefined, say: () => undefined, statusRelay: handoff, desiredRelay: acts ? handoff : null,
    activate: async () => undefined, relayHeartbeatMs: 100,
  });
  const up = new GatewayUploader({ client: gw, edge: gwEdge, say: () => undefined });
  return { agent, up, status: () => admin.json<RolloutStatus>('GET', `/v1/admin/rollouts/${r.id}`), admin, node, gw };
}

test('a rollout reaches a node heard from only through a gateway: its relayed reports count as contact', async () => {
  const { agent, up, status } = await relayedRollout({}, true);
  assert.equal((await status()).targets[0]!.online, false, 'not heard from directly since it enrolled');
  // The rounds each side runs on its own, interleaved.
  await until('the rollout completes through the relay', async () => {
    await agent.relayDesiredOnce();
    await agent.relayStatusOnce();
    await up.syncOnce();
    return (await status()).state === 'completed';
  });
  const done = await status();
  assert.equal(done.targets[0]!.confirmed, 'v2');
  assert.equal(done.targets[0]!.online, true);
  assert.equal(agent.active, 'v2');
});

test('a node alive only through a gateway is held to the phase timeout, as a node online directly is', async () => {
  // It reports through the gateway but never acts on what it is handed.
  const { agent, up, status, admin, node, gw } = await relayedRollout({ phase_timeout_ms: 200 }, false);
  await until('the rollout halts on the timed-out node', async () => {
    await agent.relayStatusOnce();
    await up.syncOnce();
    return (await status()).state === 'halted';
  });
  assert.equal((await view(admin, node.nodeId)).online_via, gw.nodeId);
});
