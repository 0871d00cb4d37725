// The API over real loopback HTTP with simulated agents: enrollment and authentication, phased
// rollout, halting a bad bundle, rollback reaching an offline node, the fleet view, admin log.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { request } from 'node:http';
import { generateKeyPair } from '../../../../src/common/ed25519.ts';
import { signRequest } from '../../../../src/adk/orchestrator/auth/signature.ts';
import { NodeClient, type NodeView, type RolloutStatus } from '../../../../src/adk/orchestrator/index.ts';
import type { AdminEvent } from '../../../../src/adk/orchestrator/types.ts';
import { orchestrator, simFleet, STORE_KINDS, until } from '../helpers.ts';

const newKey = () => createPrivateKey(generateKeyPair().privatePem);
const bad = (rev: string) => {
  if (rev === 'bad') throw new Error('bundle tests failed: test_deny_shell');
};

for (const kind of STORE_KINDS) {
  describe(`api (${kind.name})`, { skip: kind.skip }, () => {
    test('enrollment is one-time; admin and node credentials are checked; a node reads only its own state', async () => {
      const { orch, admin } = await orchestrator(kind);
      const { token } = await admin.json<{ token: string }>('POST', '/v1/admin/tokens', { labels: { env: 'lab' }, expires_in_ms: 60_000 });
      const aKey = newKey();
      const a = await NodeClient.enroll(orch.url, aKey, token);
      assert.deepEqual(a.labels, { env: 'lab' });
      await assert.rejects(NodeClient.enroll(orch.url, newKey(), token), { code: 'token_invalid' });

      const noAdmin = await fetch(`${orch.url}/v1/admin/nodes`);
      assert.equal(noAdmin.status, 401);
      assert.deepEqual(await noAdmin.json(), { error: { code: 'unauthorized', message: 'admin endpoints need `Authorization: Bearer <admin token>`' } });
      assert.equal((await fetch(`${orch.url}/v1/admin/nodes`, { headers: { authorization: 'Bearer nope' } })).status, 401);

      // Node B signs as node A: its key does not verify for A.
      const { token: t2 } = await admin.json<{ token: string }>('POST', '/v1/admin/tokens', {});
      const bKey = newKey();
      const b = await NodeClient.enroll(orch.url, bKey, t2);
      const impostor = await fetch(`${orch.url}/v1/node/desired`, { headers: signRequest(bKey, a.client.nodeId, 'GET', '/v1/node/desired', Buffer.alloc(0), Date.now()) });
      assert.equal(impostor.status, 401);
      assert.equal(((await impostor.json()) as { error: { code: string } }).error.code, 'signature_invalid');
      // A's own key does work, so it is the signature, not the request, that was refused.
      const own = await fetch(`${orch.url}/v1/node/desired`, { headers: signRequest(aKey, a.client.nodeId, 'GET', '/v1/node/desired', Buffer.alloc(0), Date.now()) });
      assert.equal(own.status, 200);
      // A node credential opens no admin endpoint, and an unenrolled key nothing.
      await assert.rejects(b.client.raw('GET', '/v1/admin/nodes'), { code: 'unauthorized' });
      await assert.rejects(new NodeClient(orch.url, newKey()).desired(), { code: 'signature_invalid' });
      // A signature outside the replay window is refused.
      const stale = await fetch(`${orch.url}/v1/node/desired`, { headers: { 'x-autonomy-node': a.client.nodeId, 'x-autonomy-time': '1000', 'x-autonomy-signature': 'AAAA' } });
      assert.equal(((await stale.json()) as { error: { code: string } }).error.code, 'signature_expired');

      await admin.send('POST', '/v1/admin/bundles?revision=v1', Buffer.from('bundle v1'));
      await admin.send('POST', '/v1/admin/bundles?revision=secret', Buffer.from('bundle for others'));
      await admin.json('POST', '/v1/admin/rollback', { selector: { env: 'lab' }, revision: 'v1' });
      assert.equal((await a.client.desired()).state!.revision, 'v1');
      assert.equal((await b.client.desired()).state!.revision, null);
      assert.deepEqual(await a.client.bundle('v1', null), Buffer.from('bundle v1'));
      await assert.rejects(b.client.bundle('v1', null), { code: 'forbidden' });
      await assert.rejects(a.client.bundle('secret', null), { code: 'forbidden' });

      const events = await admin.json<AdminEvent[]>('GET', '/v1/admin/events');
      assert.deepEqual(events.map((e) => e.action), ['token.create', 'node.enroll', 'token.create', 'node.enroll', 'bundle.push', 'bundle.push', 'rollback']);
      assert.equal(events[0]!.actor, 'admin:test');
      assert.ok(!JSON.stringify(events).includes(token), 'the admin log never holds a usable token');
      // Paged: a full page names the next one's start; the last page names none.
      const first = await admin.send('GET', '/v1/admin/events?limit=4');
      assert.deepEqual((JSON.parse(await first.text()) as AdminEvent[]).map((e) => e.seq), [1, 2, 3, 4]);
      assert.equal(first.headers.get('x-autonomy-next-cursor'), '4');
      const rest = await admin.send('GET', '/v1/admin/events?limit=4&after=4');
      assert.deepEqual((JSON.parse(await rest.text()) as AdminEvent[]).map((e) => e.seq), [5, 6, 7]);
      assert.equal(rest.headers.get('x-autonomy-next-cursor'), null);
      await assert.rejects(admin.json('GET', '/v1/admin/events?limit=10001'), { code: 'bad_request' });
    });

    test('a phased rollout converges; a bad bundle halts within budget and touched nodes roll back', async () => {
      const { orch, admin } = await orchestrator(kind);
      const fleet = await simFleet(orch.url, admin, 12, { env: 'prod' }, { activate: bad });
      await admin.send('POST', '/v1/admin/bundles?revision=v1', Buffer.from('good v1'));
      await admin.send('POST', '/v1/admin/bundles?revision=bad', Buffer.from('bad bundle'));
      const r1 = await admin.json<RolloutStatus>('POST', '/v1/admin/rollouts', { revision: 'v1', selector: { env: 'prod' }, phases: '1,10%,50%,100%', max_failures: 0 });
      await until('v1 rolled out', async () => (await admin.json<RolloutStatus>('GET', `/v1/admin/rollouts/${r1.id}`)).state === 'completed');
      await until('all in sync', async () => (await admin.json<NodeView[]>('GET', '/v1/admin/nodes')).every((n) => n.state === 'in_sync' && n.confirmed === 'v1'));

      const r2 = await admin.json<RolloutStatus>('POST', '/v1/admin/rollouts', { revision: 'bad', selector: { env: 'prod' }, phases: '1,10%,50%,100%', max_failures: 1 });
      await until('bad bundle halted', async () => (await admin.json<RolloutStatus>('GET', `/v1/admin/rollouts/${r2.id}`)).state === 'halted');
      const s = await admin.json<RolloutStatus>('GET', `/v1/admin/rollouts/${r2.id}`);
      // Phases over 12 nodes reach 1, 2, 6, 12: the canary fails (1 ≤ budget), phase 2's node fails (2 > 1).
      assert.equal(s.counts['rolled_back'], 2);
      assert.equal(s.counts['waiting'], 10, 'no node past the failing phase was touched');
      assert.match(s.reason!, /2 failed activations exceed the budget of 1/);
      assert.ok(s.targets.filter((t) => t.state === 'rolled_back').every((t) => /test_deny_shell/.test(t.error ?? '')), 'each failure is kept on its target');
      await until('fleet back on v1', async () => (await admin.json<NodeView[]>('GET', '/v1/admin/nodes')).every((n) => n.desired === 'v1' && n.confirmed === 'v1'));
      assert.ok(fleet.every((a) => a.active === 'v1'));
      const events = (await admin.json<AdminEvent[]>('GET', '/v1/admin/events')).map((e) => `${e.actor} ${e.action}`);
      assert.ok(events.includes('orchestrator rollout.halted'));
      assert.ok(events.includes('orchestrator rollout.completed'));
    });

    test('a rollback ordered while a node is offline reaches it on reconnect; the fleet view shows it pending', async () => {
      const { orch, admin } = await orchestrator(kind, { offlineAfterMs: 300 });
      const fleet = await simFleet(orch.url, admin, 3, { site: 'x' });
      await admin.send('POST', '/v1/admin/bundles?revision=v1', Buffer.from('v1'));
      await admin.send('POST', '/v1/admin/bundles?revision=v2', Buffer.from('v2'));
      await admin.json('POST', '/v1/admin/rollback', { selector: { site: 'x' }, revision: 'v2' });
      await until('on v2', () => fleet.every((a) => a.active === 'v2'));
      const offline = fleet[1]!;
      await offline.stop();
      await until('the stopped node seen offline', async () => (await admin.json<NodeView[]>('GET', '/v1/admin/nodes')).some((n) => n.id === offline.client.nodeId && !n.online));
      const res = await admin.json<{ nodes: number }>('POST', '/v1/admin/rollback', { selector: { site: 'x' }, revision: 'v1' });
      assert.equal(res.nodes, 3);
      await until('online nodes on v1', () => fleet[0]!.active === 'v1' && fleet[2]!.active === 'v1');
      const view = await admin.json<NodeView[]>('GET', '/v1/admin/nodes?selector=site=x');
      const mine = view.find((n) => n.id === offline.client.nodeId)!;
      assert.deepEqual([mine.desired, mine.confirmed, mine.state, mine.online], ['v1', 'v2', 'pending', false]);
      offline.start();
      await until('reconnected node on v1', async () => (await admin.json<NodeView[]>('GET', '/v1/admin/nodes')).every((n) => n.state === 'in_sync' && n.confirmed === 'v1'));
    });

    test('a long poll answers 304 when nothing changed, and never outlasts half the offline threshold', async () => {
      const { orch, admin } = await orchestrator(kind, { offlineAfterMs: 400 });
      const { token } = await admin.json<{ token: string }>('POST', '/v1/admin/tokens', {});
      const { client } = await NodeClient.enroll(orch.url, newKey(), token);
      const first = await client.desired();
      assert.equal(first.etag, '"0"');
      const started = Date.now();
      // Asked to wait 60 s, it answers after the 200 ms cap: the bounds are far apart so that a
      // loaded machine cannot blur them.
      const again = await client.desired(first.etag, 60_000);
      assert.equal(again.state, null);
      const took = Date.now() - started;
      assert.ok(took >= 150 && took < 30_000, `${took} ms`);
      // A change made while the poll waits ends it at once (here the cap is 1.5 s).
      const o2 = await orchestrator(kind, { offlineAfterMs: 3000 });
      const { token: t2 } = await o2.admin.json<{ token: string }>('POST', '/v1/admin/tokens', {});
      const c2 = (await NodeClient.enroll(o2.orch.url, newKey(), t2)).client;
      await o2.admin.send('POST', '/v1/admin/bundles?revision=v1', Buffer.from('v1'));
      const polled = Date.now();
      const waiting = c2.desired('"0"', 10_000);
      await new Promise((r) => setTimeout(r, 100));
      await o2.admin.json('POST', '/v1/admin/rollback', { selector: {}, revision: 'v1' });
      const changed = await waiting;
      assert.ok(Date.now() - polled < 1000, 'woken by the change, not by the cap');
      assert.equal(changed.state?.revision, 'v1');
      assert.equal(changed.etag, '"1"');
    });

    test('pause, resume, abort and the errors of the catalogue', async () => {
      const { orch, admin } = await orchestrator(kind);
      await simFleet(orch.url, admin, 4, { env: 'p' }, { start: false });
      await admin.send('POST', '/v1/admin/bundles?revision=v1', Buffer.from('v1'));
      await assert.rejects(admin.send('POST', '/v1/admin/bundles?revision=v1', Buffer.from('other bytes')), { code: 'bundle_conflict' });
      await assert.rejects(admin.json('POST', '/v1/admin/rollouts', { revision: 'nope', selector: {}, phases: '100%' }), { code: 'bundle_not_found' });
      await assert.rejects(admin.json('POST', '/v1/admin/rollouts', { revision: 'v1', selector: { env: 'none' }, phases: '100%' }), { code: 'no_nodes' });
      await assert.rejects(admin.json('POST', '/v1/admin/rollouts', { revision: 'v1', selector: {}, phases: '1,50%' }), { code: 'bad_phases' });
      const r = await admin.json<RolloutStatus>('POST', '/v1/admin/rollouts', { revision: 'v1', selector: { env: 'p' }, phases: '1,100%' });
      await assert.rejects(admin.json('POST', '/v1/admin/rollouts', { revision: 'v1', selector: { env: 'p' }, phases: '100%' }), { code: 'rollout_conflict' });
      assert.equal((await admin.json<RolloutStatus>('POST', `/v1/admin/rollouts/${r.id}/pause`)).state, 'paused');
      await assert.rejects(admin.json('POST', `/v1/admin/rollouts/${r.id}/pause`), { code: 'rollout_state' });
      assert.equal((await admin.json<RolloutStatus>('POST', `/v1/admin/rollouts/${r.id}/resume`)).state, 'running');
      const ab = await admin.json<RolloutStatus>('POST', `/v1/admin/rollouts/${r.id}/abort`);
      assert.equal(ab.state, 'aborted');
      assert.equal(ab.counts['rolled_back'], 1);
      await assert.rejects(admin.json('GET', '/v1/admin/rollouts/r-missing'), { code: 'rollout_not_found' });
      await assert.rejects(admin.json('GET', '/v1/admin/nope'), { code: 'not_found' });
      await assert.rejects(admin.json('DELETE', '/v1/admin/nodes'), { code: 'method_not_allowed' });
      const garbage = await fetch(`${orch.url}/v1/admin/rollouts`, { method: 'POST', headers: { authorization: `Bearer ${(await orchestrator(kind)).token}` }, body: '{' });
      assert.equal(garbage.status, 401, 'another orchestrator’s token is not this one’s');
    });
  });
}

test('page sizes are bounded: a caller cannot make one request read the whole audit store', async () => {
  const { admin } = await orchestrator();
  await assert.rejects(admin.send('GET', '/v1/admin/audit?limit=1000000000000'), (e: Error & { code: string }) => e.code === 'bad_request' && /limit must be at most 100000/.test(e.message));
  await assert.rejects(admin.json('GET', '/v1/admin/audit/deliveries?limit=1000000000000'), (e: Error & { code: string }) => e.code === 'bad_request' && /limit must be at most 10000/.test(e.message));
  await admin.send('GET', '/v1/admin/audit?limit=100000');
  await admin.json('GET', '/v1/admin/audit/deliveries?limit=10000');
});

test('a node request naming no enrolled node is refused before its body is read', { timeout: 30_000 }, async () => {
  const { orch } = await orchestrator();
  // The body never ends: the answer can only come before it is read.
  for (const headers of [{}, { 'x-autonomy-node': 'nobody', 'x-autonomy-time': String(Date.now()), 'x-autonomy-signature': 'AAAA' }]) {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${orch.url}/v1/gateway/audit`, { method: 'POST', headers: { ...headers, 'content-length': String(100 << 20) } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
        req.destroy();
      });
      req.on('error', reject);
      req.write(Buffer.alloc(64 << 10));
    });
    assert.equal(status, 401);
  }
});

test('API answers (JSON, exports, errors) tell browsers not to sniff their type', async () => {
  const { orch, admin } = await orchestrator();
  for (const r of [await admin.send('GET', '/v1/admin/audit?format=csv'), await fetch(`${orch.url}/v1/admin/nodes`), await fetch(`${orch.url}/health`)]) {
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff', r.url);
    await r.arrayBuffer();
  }
});
