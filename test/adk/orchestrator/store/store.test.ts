// One suite, run against every store: SQLite and (when a server is reachable) PostgreSQL.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../../../src/adk/orchestrator/store/open.ts';
import { adminEventHash } from '../../../../src/adk/orchestrator/store/sql-store.ts';
import type { PruneResult, Store } from '../../../../src/adk/orchestrator/store/store.ts';
import { step } from '../../../../src/adk/orchestrator/rollout/engine.ts';
import { RolloutState, type AuditCursor, type Rollout, type StoredRecord } from '../../../../src/adk/orchestrator/types.ts';
import { freshStore, STORE_KINDS } from '../helpers.ts';
import { after } from 'node:test';

const HOUR = 3_600_000;
const T0 = 1_700_000_000_000;

async function enrolled(store: Store, ids: string[], labels: Record<string, string> = { env: 'prod' }): Promise<void> {
  for (const id of ids) {
    await store.createToken({ hash: `h-${id}`, labels, createdAt: T0, expiresAt: T0 + HOUR, usedAt: null, usedBy: null }, []);
    await store.enroll(`h-${id}`, { id, publicKey: `pem-${id}` }, T0, () => []);
  }
}

function rollout(id: string, over: Partial<Rollout> = {}): Rollout {
  return {
    id, revision: 'v2', selector: { env: 'prod' }, phases: [{ count: 1 }, { percent: 100 }], maxFailures: 0, phaseTimeoutMs: 0, pauseMs: 0,
    state: RolloutState.running, phase: 0, phaseStartedAt: null, phaseDoneAt: null, createdAt: T0, updatedAt: T0, reason: null, ...over,
  };
}

function rec(node: string, seq: number, time: bigint, tool: string, decision: 'allow' | 'deny'): StoredRecord {
  return { node, seq, time: String(time), kind: 'decision', tool, decision, hash: `${seq}`.padStart(64, '0'), record: JSON.stringify({ seq, tool, decision }) };
}

for (const kind of STORE_KINDS) {
  describe(`store: ${kind.name}`, { skip: kind.skip }, () => {
    test('a token enrolls exactly one node, with its labels, before it expires', async () => {
      const s = await freshStore(kind);
      await s.createToken({ hash: 'h1', labels: { env: 'prod', site: 'a' }, createdAt: T0, expiresAt: T0 + HOUR, usedAt: null, usedBy: null }, []);
      const n = await s.enroll('h1', { id: 'n1', publicKey: 'pem' }, T0 + 1, () => []);
      assert.deepEqual(n.labels, { env: 'prod', site: 'a' });
      assert.equal(n.desiredVersion, 0);
      await assert.rejects(s.enroll('h1', { id: 'n2', publicKey: 'pem' }, T0 + 2, () => []), { code: 'token_invalid' });
      await s.createToken({ hash: 'h2', labels: {}, createdAt: T0, expiresAt: T0 + 10, usedAt: null, usedBy: null }, []);
      await assert.rejects(s.enroll('h2', { id: 'n3', publicKey: 'pem' }, T0 + 10, () => []), { code: 'token_invalid' });
      await s.createToken({ hash: 'h3', labels: {}, createdAt: T0, expiresAt: T0 + HOUR, usedAt: null, usedBy: null }, []);
      await assert.rejects(s.enroll('h3', { id: 'n1', publicKey: 'pem' }, T0 + 2, () => []), { code: 'node_exists' });
      // A failed enrollment does not burn the token.
      await s.enroll('h3', { id: 'n4', publicKey: 'pem' }, T0 + 3, () => []);
      assert.deepEqual((await s.listNodes({ site: 'a' })).map((x) => x.id), ['n1']);
    });

    test('reports apply in node-clock order; replays and stale reports are ignored', async () => {
      const s = await freshStore(kind);
      await enrolled(s, ['n1']);
      assert.equal(await s.applyReport('n1', { activeRevision: 'v1', status: 'ok', failedRevision: null, error: null, time: 100 }, T0), true);
      assert.equal(await s.applyReport('n1', { activeRevision: 'v1', status: 'failed', failedRevision: 'v2', error: 'tests failed', time: 200 }, T0 + 1), true);
      assert.equal(await s.applyReport('n1', { activeRevision: 'v0', status: 'ok', failedRevision: null, error: null, time: 200 }, T0 + 2), false);
      const n = (await s.getNode('n1'))!;
      assert.equal(n.confirmedRevision, 'v1');
      assert.equal(n.reportStatus, 'failed');
      assert.equal(n.failedRevision, 'v2');
      assert.equal(n.reportError, 'tests failed');
      assert.equal(n.lastSeen, T0 + 1);
    });

    test('a relayed report is ordered with direct ones by sequence, records its gateway, and does not make the node seen directly', async () => {
      const s = await freshStore(kind);
      await enrolled(s, ['n1', 'gw']);
      const report = (rev: string, seq: number): Parameters<Store['applyReport']>[1] => ({ activeRevision: rev, status: 'ok', failedRevision: null, error: null, time: seq });
      assert.equal(await s.applyReport('n1', report('v1', 100), T0 + 5, 'gw'), true);
      assert.equal((await s.getNode('n1'))!.lastSeen, T0, 'seen directly only at enrollment');
      assert.deepEqual(await s.listRelays(), [{ nodeId: 'n1', via: 'gw', seenAt: T0 + 5 }]);
      // A replayed or reordered older report, through either path, changes nothing (not even the relay's time).
      assert.equal(await s.applyReport('n1', report('v0', 100), T0 + 6, 'gw'), false);
      assert.equal(await s.applyReport('n1', report('v0', 99), T0 + 7), false);
      assert.deepEqual(await s.listRelays(), [{ nodeId: 'n1', via: 'gw', seenAt: T0 + 5 }]);
      assert.equal((await s.getNode('n1'))!.lastSeen, T0);
      assert.equal(await s.applyReport('n1', report('v2', 101), T0 + 8), true);
      assert.equal(await s.applyReport('n1', report('v1', 100), T0 + 9, 'gw'), false);
      const n = (await s.getNode('n1'))!;
      assert.equal(n.confirmedRevision, 'v2');
      assert.equal(n.lastSeen, T0 + 8);
    });

    test('bundles: bytes round-trip, a repeat push is idempotent, another digest for a revision is refused', async () => {
      const s = await freshStore(kind);
      const bytes = Buffer.from([0, 1, 2, 255]);
      const b = { revision: 'v1', digest: 'd1', size: 4, pushedAt: T0 };
      assert.equal(await s.putBundle(b, bytes, []), 'created');
      assert.equal(await s.putBundle(b, bytes, []), 'exists');
      await assert.rejects(s.putBundle({ ...b, digest: 'd2' }, bytes, [{ time: T0, actor: 'a', action: 'bundle.push', detail: {} }]), { code: 'bundle_conflict' });
      assert.deepEqual(await s.listAdminEvents(), [], 'a refused action leaves no entry');
      assert.deepEqual(await s.getBundleBytes('v1'), bytes);
      assert.deepEqual(await s.getBundle('v1'), b);
      assert.equal(await s.getBundle('nope'), null);
    });

    test('rollouts: a node is in one active rollout at a time; plans apply atomically and bump the ETag', async () => {
      const s = await freshStore(kind);
      await enrolled(s, ['a', 'b', 'c']);
      await s.putBundle({ revision: 'v2', digest: 'd', size: 1, pushedAt: T0 }, Buffer.from('x'), []);
      await s.createRollout(rollout('r1'), ['a', 'b', 'c'], []);
      await assert.rejects(s.createRollout(rollout('r2'), ['c'], []), { code: 'rollout_conflict' });
      const opts = { offlineAfterMs: HOUR };
      const plan = await s.withRollout('r1', (v) => step(v, T0 + 1, opts));
      assert.equal(plan?.desired.length, 1);
      const a = (await s.getNode('a'))!;
      assert.equal(a.desiredRevision, 'v2');
      assert.equal(a.desiredSource, 'rollout:r1');
      assert.equal(a.desiredVersion, 1);
      assert.deepEqual((await s.getTargets('r1')).map((t) => t.state), ['assigned', 'waiting', 'waiting']);
      // Nothing to do until node a reports: the step is a no-op and nothing is written.
      assert.equal(await s.withRollout('r1', (v) => step(v, T0 + 2, opts)), null);
      await s.applyReport('a', { activeRevision: 'v2', status: 'ok', failedRevision: null, error: null, time: 1 }, T0 + 3);
      await s.withRollout('r1', (v) => step(v, T0 + 4, opts));
      assert.deepEqual((await s.getTargets('r1')).map((t) => t.state), ['confirmed', 'assigned', 'assigned']);
      assert.deepEqual(await s.activeRolloutIds(), ['r1']);
    });

    test('concurrent steps from two connections (replicas) assign each node once', async () => {
      const db = await kind.db();
      const s1 = await openStore(db);
      const s2 = await openStore(db);
      after(() => Promise.all([s1.close(), s2.close()]));
      const ids = Array.from({ length: 20 }, (_, i) => `n${String(i).padStart(2, '0')}`);
      await enrolled(s1, ids);
      await s1.putBundle({ revision: 'v2', digest: 'd', size: 1, pushedAt: T0 }, Buffer.from('x'), []);
      await s1.createRollout(rollout('r1', { phases: [{ percent: 50 }, { percent: 100 }] }), ids, []);
      const opts = { offlineAfterMs: HOUR };
      const plans = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? s1 : s2).withRollout('r1', (v) => step(v, T0 + 1, opts))));
      assert.equal(plans.filter((p) => p !== null).length, 1, 'exactly one step started the phase');
      const nodes = await s1.listNodes();
      assert.deepEqual(nodes.map((n) => n.desiredVersion), ids.map((_, i) => (i < 10 ? 1 : 0)));
    });

    test('rollback reaches every selected node, online or not, and aborts rollouts over them', async () => {
      const s = await freshStore(kind);
      await enrolled(s, ['a', 'b']);
      await enrolled(s, ['z'], { env: 'dev' });
      await s.putBundle({ revision: 'v2', digest: 'd', size: 1, pushedAt: T0 }, Buffer.from('x'), []);
      await s.createRollout(rollout('r1'), ['a', 'b'], []);
      const res = await s.rollback({ env: 'prod' }, 'v1', 'rollback:1', T0 + 5, (r) => [{ time: T0 + 5, actor: 'admin', action: 'rollback', detail: { nodes: r.nodes.length } }]);
      assert.deepEqual(res, { nodes: ['a', 'b'], aborted: ['r1'] });
      // The action and its admin-log entry commit together.
      assert.deepEqual((await s.listAdminEvents()).map((e) => [e.action, e.detail]), [['rollback', { nodes: 2 }]]);
      assert.equal((await s.getRollout('r1'))!.state, 'aborted');
      assert.deepEqual((await s.listNodes()).map((n) => [n.id, n.desiredRevision]), [['a', 'v1'], ['b', 'v1'], ['z', null]]);
    });

    test('audit: appends are compare-and-set on the head; queries filter by node, time, tool, decision', async () => {
      const s = await freshStore(kind);
      await enrolled(s, ['a', 'b']);
      const head = (seq: number) => ({ seq, hash: `h${seq}`, segment: 's', end: seq * 8, record: '{}' });
      const t = 1_700_000_000_000_000_000n;
      const direct = { via: null, at: T0 };
      assert.equal(await s.appendAudit({ nodeId: 'a', after: null, head: head(2), records: [rec('a', 1, t, 'fs.read', 'allow'), rec('a', 2, t + 10n, 'fs.write', 'deny')], ...direct }), true);
      assert.equal(await s.appendAudit({ nodeId: 'a', after: null, head: head(2), records: [], ...direct }), false);
      assert.equal(await s.appendAudit({ nodeId: 'a', after: head(2), head: head(3), records: [rec('a', 3, t + 20n, 'fs.write', 'allow')], via: 'b', at: T0 + 1 }), true);
      await s.appendAudit({ nodeId: 'b', after: null, head: head(1), records: [rec('b', 1, t + 5n, 'fs.write', 'deny')], ...direct });
      const q = async (f: Parameters<Store['queryAudit']>[0]) => (await s.queryAudit(f)).map((r) => `${r.node}${r.seq}`);
      assert.deepEqual(await q({}), ['a1', 'b1', 'a2', 'a3']);
      assert.deepEqual(await q({ node: 'a', tool: 'fs.write' }), ['a2', 'a3']);
      assert.deepEqual(await q({ decision: 'deny' }), ['b1', 'a2']);
      assert.deepEqual(await q({ since: t + 5n, until: t + 20n }), ['b1', 'a2']);
      assert.equal((await s.queryAudit({ node: 'a' }))[0]!.time, String(t));
      assert.deepEqual((await s.auditRecordsFrom('a', 2, 10)).map((r) => r.seq), [2, 3]);
      await s.flagAudit('b', 'chain_break at seq 2', []);
      assert.equal((await s.getNode('b'))!.auditFlag, 'chain_break at seq 2');
      // Every accepted upload is recorded with who delivered it.
      assert.deepEqual((await s.listDeliveries({ node: 'a', limit: 10 })).map((d) => [d.firstSeq, d.lastSeq, d.via]), [[3, 3, 'b'], [1, 2, null]]);
      assert.deepEqual((await s.listDeliveries({ via: 'b', limit: 10 })).map((d) => d.node), ['a']);
    });

    test('audit pages: keyset cursors walk a large result once each, in order, through ties in time', async () => {
      const s = await freshStore(kind);
      await enrolled(s, ['a', 'b', 'c']);
      const t = 1_700_000_000_000_000_000n;
      // 3 nodes × 70 records, many sharing a time (ties broken by node, then seq).
      for (const node of ['a', 'b', 'c']) {
        const records = Array.from({ length: 70 }, (_, i) => rec(node, i + 1, t + BigInt(Math.floor(i / 4)), i % 2 ? 'fs.read' : 'fs.write', i % 3 ? 'allow' : 'deny'));
        await s.appendAudit({ nodeId: node, after: null, head: { seq: 70, hash: 'h', segment: 's', end: 1, record: '{}' }, records, via: null, at: T0 });
      }
      for (const [filter, pageSize] of [[{}, 7], [{ decision: 'deny' as const }, 5], [{ node: 'b', tool: 'fs.read' }, 1]] as const) {
        const all = (await s.queryAudit(filter)).map((r) => `${r.node}${r.seq}`);
        const paged: string[] = [];
        let after: AuditCursor | undefined;
        for (;;) {
          const page = await s.queryAudit({ ...filter, limit: pageSize, ...(after && { after }) });
          paged.push(...page.map((r) => `${r.node}${r.seq}`));
          if (page.length < pageSize) break;
          const last = page.at(-1)!;
          after = { time: last.time, node: last.node, seq: last.seq };
        }
        assert.deepEqual(paged, all);
        assert.equal(new Set(paged).size, paged.length);
      }
    });

    test('prune: the oldest prefix of each node goes, the last one pruned becomes its anchor', async () => {
      const s = await freshStore(kind);
      await enrolled(s, ['a', 'b', 'c']);
      const t = 1_700_000_000_000_000_000n;
      const head = { seq: 10, hash: 'h', segment: 's', end: 1, record: '{}' };
      // a: times 0..9, but seq 6 has an earlier time (a clock step back): it stays, the chain needs 5 kept.
      const times = [0, 1, 2, 3, 4, 5, 1, 7, 8, 9];
      await s.appendAudit({ nodeId: 'a', after: null, head, records: times.map((d, i) => rec('a', i + 1, t + BigInt(d), 'x', 'allow')), via: null, at: T0 });
      await s.appendAudit({ nodeId: 'b', after: null, head, records: times.map((_, i) => rec('b', i + 1, t + 100n + BigInt(i), 'x', 'allow')), via: null, at: T0 });
      await s.appendAudit({ nodeId: 'c', after: null, head, records: times.map((_, i) => rec('c', i + 1, t - 100n + BigInt(i), 'x', 'allow')), via: null, at: T0 });
      const events = (r: PruneResult) => [{ time: T0, actor: 'admin', action: 'audit.prune', detail: { records: r.records } }];
      const r = await s.pruneAudit(t + 5n, T0 + 1, events);
      assert.deepEqual(r, { records: 15, nodes: [{ node: 'a', through: 5 }, { node: 'c', through: 10 }] });
      assert.deepEqual((await s.auditRecordsFrom('a', 0, 100)).map((x) => x.seq), [6, 7, 8, 9, 10]);
      assert.equal((await s.auditRecordsFrom('b', 0, 100)).length, 10);
      assert.equal((await s.auditRecordsFrom('c', 0, 100)).length, 0);
      const anchor = await s.getAuditAnchor('a');
      assert.deepEqual(anchor, { seq: 5, hash: rec('a', 5, 0n, 'x', 'allow').hash, record: rec('a', 5, 0n, 'x', 'allow').record, prunedAt: T0 + 1 });
      assert.equal(await s.getAuditAnchor('b'), null);
      assert.equal((await s.getNode('c'))!.audit!.seq, 10, 'the head stays: uploads go on from it');
      // Nothing more to prune: no second admin event.
      assert.deepEqual(await s.pruneAudit(t + 5n, T0 + 2, events), { records: 0, nodes: [] });
      assert.deepEqual((await s.listAdminEvents()).map((e) => e.detail), [{ records: 15 }]);
      assert.equal((await s.getAuditAnchor('a'))!.prunedAt, T0 + 1);
    });

    test('gateways: allowed by an admin, withdrawn, flagged; only enrolled nodes', async () => {
      const s = await freshStore(kind);
      await enrolled(s, ['g']);
      await assert.rejects(s.setGateway('nope', true, T0, []), { code: 'node_not_found' });
      assert.equal(await s.getGateway('g'), null);
      await s.setGateway('g', true, T0, [{ time: T0, actor: 'admin', action: 'gateway.allow', detail: { node: 'g' } }]);
      assert.deepEqual(await s.getGateway('g'), { nodeId: 'g', allowed: true, changedAt: T0, flag: null });
      await s.flagGateway('g', 'relayed bytes the node did not sign', []);
      await s.setGateway('g', false, T0 + 1, []);
      assert.deepEqual(await s.listGateways(), [{ nodeId: 'g', allowed: false, changedAt: T0 + 1, flag: 'relayed bytes the node did not sign' }]);
      assert.deepEqual((await s.listAdminEvents()).map((e) => e.action), ['gateway.allow']);
    });

    test('admin events form one hash chain, also when appended concurrently from two connections', async () => {
      const db = await kind.db();
      const s1 = await openStore(db);
      const s2 = await openStore(db);
      after(() => Promise.all([s1.close(), s2.close()]));
      await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? s1 : s2).appendAdminEvent({ time: T0 + i, actor: 'admin', action: 'test', detail: { i } })));
      const events = await s1.listAdminEvents();
      assert.deepEqual(events.map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      let prev = '0'.repeat(64);
      for (const e of events) {
        assert.equal(e.prevHash, prev);
        assert.equal(e.hash, adminEventHash(e));
        prev = e.hash;
      }
      assert.equal((await s1.listAdminEvents(8)).length, 2);
    });
  });
}
