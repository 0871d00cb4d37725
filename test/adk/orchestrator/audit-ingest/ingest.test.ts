// Audit ingest: real WAL segments written by the WAL, uploaded over HTTP, verified against the
// node's enrolled key and what is held; tampering is rejected and flagged; queries filter. Uploads
// through the edge relay: envelopes signed by the node, delivered by an allowed gateway.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openNodeWal, walDir, NODE_KEY } from '../../../../src/adk/audit/index.ts';
import { decodeFrames, encodeFrames } from '../../../../src/adk/audit/frame.ts';
import { loadOrCreateKey } from '../../../../src/common/ed25519.ts';
import { createHash } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { AuditUploader, NodeClient, startOrchestrator, type NodeView } from '../../../../src/adk/orchestrator/index.ts';
import type { StoredVerdict } from '../../../../src/adk/orchestrator/service.ts';
import { EdgeHandoff, type EdgeControl } from '../../../../src/adk/orchestrator/agent/edge-handoff.ts';
import { GatewayUploader } from '../../../../src/adk/orchestrator/agent/gateway-uploader.ts';
import { encodeEnvelope } from '../../../../src/adk/orchestrator/audit-ingest/relay-envelope.ts';
import type { AdminEvent, AuditDelivery } from '../../../../src/adk/orchestrator/types.ts';
import { decision } from '../../audit/helpers-data.ts';
import { orchestrator, STORE_KINDS, tempDir, until } from '../helpers.ts';

const DAY = 86_400_000;

/** A closed WAL of n decisions in small segments; returns its segments in order. */
async function wal(state: string, n: number, from = 0): Promise<{ name: string; bytes: Buffer }[]> {
  const w = await openNodeWal(state, { segmentBytes: 4096, checkpointIntervalMs: 0 });
  for (let i = from; i < from + n; i++) await w.append(decision(i));
  await w.close();
  const dir = walDir(state);
  return readdirSync(dir).filter((f) => f.endsWith('.wal')).sort().map((name) => ({ name, bytes: readFileSync(join(dir, name)) }));
}

async function enrolledNode(url: string, admin: Awaited<ReturnType<typeof orchestrator>>['admin'], state: string): Promise<NodeClient> {
  const { token } = await admin.json<{ token: string }>('POST', '/v1/admin/tokens', { labels: { env: 'audit' } });
  return (await NodeClient.enroll(url, loadOrCreateKey(state, NODE_KEY), token)).client;
}

/** The same frames with record i's payload replaced by edit(payload), CRC recomputed: a careful forger. */
function forge(bytes: Buffer, i: number, edit: (p: string) => string): Buffer {
  const texts = decodeFrames(bytes).frames.map((f) => f.payload.toString('utf8'));
  texts[i] = edit(texts[i]!);
  return encodeFrames(texts);
}

test('sealed segments upload in order; repeats are idempotent; a gap is refused without flagging', async () => {
  const { orch, admin } = await orchestrator();
  const state = tempDir('orch-node-');
  const node = await enrolledNode(orch.url, admin, state);
  const segs = await wal(state, 40);
  assert.ok(segs.length >= 3, `want several segments, got ${segs.length}`);
  await assert.rejects(node.uploadAudit(segs[1]!.name, 0, segs[1]!.bytes), { code: 'audit_gap' });
  let total = 0;
  for (const s of segs) total += (await node.uploadAudit(s.name, 0, s.bytes)).accepted;
  assert.ok(total > 40);
  assert.deepEqual(await node.uploadAudit(segs[0]!.name, 0, segs[0]!.bytes), { accepted: 0, duplicates: decodeFrames(segs[0]!.bytes).frames.length, head_seq: total });

  // A second run of the same WAL grows the last segment and adds more: re-uploading whole
  // segments adds only what is new (the held part of the grown one is recognized).
  const more = await wal(state, 5, 40);
  let accepted = 0;
  let dups = 0;
  for (const s of more) {
    const r = await node.uploadAudit(s.name, 0, s.bytes);
    accepted += r.accepted;
    dups += r.duplicates;
  }
  assert.ok(accepted >= 5 && dups >= total, `${accepted} accepted, ${dups} duplicates`);

  const csv = await (await admin.send('GET', `/v1/admin/audit?node=${node.nodeId}&tool=shell.exec&decision=deny&format=csv`)).text();
  const lines = csv.trim().split('\n');
  assert.match(lines[0]!, /^node,seq,time,kind,decision_id,tool,decision/);
  // decision(i): shell.exec when i % 3 == 0, deny when i % 4 == 0: i in {0, 12, 24, 36}.
  assert.equal(lines.length - 1, 4);
  assert.ok(lines.slice(1).every((l) => l.startsWith(`${node.nodeId},`) && l.includes(',shell.exec,deny,')));
  const jsonl = (await (await admin.send('GET', `/v1/admin/audit?node=${node.nodeId}&decision=deny`)).text()).trim().split('\n').map((l) => JSON.parse(l) as { node: string; decision: string; hash: string });
  assert.equal(jsonl.length, 12);
  assert.ok(jsonl.every((x) => x.node === node.nodeId && x.decision === 'deny' && /^[0-9a-f]{64}$/.test(x.hash)));
  const none = await (await admin.send('GET', `/v1/admin/audit?since=${encodeURIComponent('2100-01-01T00:00:00Z')}`)).text();
  assert.equal(none, '');
});

test('a tampered segment is rejected and the node flagged: a forged record, a flipped byte, another key, a fork', async () => {
  const { orch, admin } = await orchestrator();
  const state = tempDir('orch-node-');
  const node = await enrolledNode(orch.url, admin, state);
  const segs = await wal(state, 40);
  const first = segs[0]!;

  // Turning a deny into an allow, with a valid CRC, breaks the hash chain at the next record.
  const forged = forge(first.bytes, 2, (p) => p.replace('"decision":"deny"', '"decision":"allow"'));
  assert.notDeepEqual(forged, first.bytes);
  await assert.rejects(node.uploadAudit(first.name, 0, forged), (e: Error & { code: string }) => e.code === 'audit_tampered' && /chain_break/.test(e.message));

  const flipped = Buffer.from(first.bytes);
  flipped[200]! ^= 1;
  await assert.rejects(node.uploadAudit(first.name, 0, flipped), { code: 'audit_tampered' });

  // A WAL signed by another key: its checkpoints do not verify against this node's key.
  const other = tempDir('orch-other-');
  const foreign = await wal(other, 5);
  await assert.rejects(node.uploadAudit(foreign[0]!.name, 0, foreign[0]!.bytes), (e: Error & { code: string }) => e.code === 'audit_tampered' && /bad_signature/.test(e.message));

  const view = (await admin.json<NodeView[]>('GET', '/v1/admin/nodes')).find((n) => n.id === node.nodeId)!;
  assert.match(view.audit_flag!, /bad_signature/);
  assert.equal(view.audit_seq, null, 'nothing was accepted');

  // The genuine segments still go in; afterwards a different record at a held seq is a fork.
  for (const s of segs) await node.uploadAudit(s.name, 0, s.bytes);
  const fork = forge(first.bytes, 3, (p) => p.replace('"decision_id":"dec-1"', '"decision_id":"dec-X"'));
  await assert.rejects(node.uploadAudit(first.name, 0, fork), (e: Error & { code: string }) => e.code === 'audit_tampered' && /differs from the record already held/.test(e.message));

  const rejected = (await admin.json<AdminEvent[]>('GET', '/v1/admin/events')).filter((e) => e.action === 'audit.rejected');
  assert.equal(rejected.length, 4);
  assert.equal(rejected[0]!.actor, `node:${node.nodeId}`);
});

test('an upload that ends in unsealed records is refused', async () => {
  const { orch, admin } = await orchestrator();
  const state = tempDir('orch-node-');
  const node = await enrolledNode(orch.url, admin, state);
  const segs = await wal(state, 3);
  const frames = decodeFrames(segs[0]!.bytes).frames;
  // start, checkpoint, then decisions: cut before the closing checkpoint.
  const cut = frames.findLastIndex((f) => f.payload.toString('utf8').includes('"kind":"decision"'));
  const bytes = segs[0]!.bytes.subarray(0, frames[cut + 1]!.offset);
  await assert.rejects(node.uploadAudit(segs[0]!.name, 0, bytes), { code: 'audit_unsealed' });
});

/** An allowed gateway: an enrolled node the admin lets relay. */
async function gateway(url: string, admin: Awaited<ReturnType<typeof orchestrator>>['admin'], allow = true): Promise<NodeClient> {
  const g = await enrolledNode(url, admin, tempDir('orch-gw-'));
  if (allow) await admin.json('POST', `/v1/admin/nodes/${g.nodeId}/gateway`, { allow: true });
  return g;
}

test('a gateway uploads envelopes signed by the node; only an allowed gateway; the node\'s chain is still checked', async () => {
  const { orch, admin } = await orchestrator();
  const state = tempDir('orch-node-');
  const node = await enrolledNode(orch.url, admin, state);
  const key = loadOrCreateKey(state, NODE_KEY);
  const segs = await wal(state, 20);
  const env = (i: number, bytes = segs[i]!.bytes): Buffer => encodeEnvelope(key, node.nodeId, segs[i]!.name, 0, bytes);

  const stranger = await gateway(orch.url, admin, false);
  await assert.rejects(stranger.relayAudit(env(0)), { code: 'gateway_forbidden' });
  const gw = await gateway(orch.url, admin);
  await assert.rejects(gw.relayAudit(Buffer.from('not an envelope')), { code: 'bad_request' });
  let accepted = 0;
  for (let i = 0; i < segs.length; i++) {
    const r = await gw.relayAudit(env(i));
    assert.equal(r.node, node.nodeId);
    accepted += r.accepted;
  }
  assert.ok(accepted > 20);
  // The orchestrator says who delivered what; the node itself was not seen.
  const deliveries = await admin.json<AuditDelivery[]>('GET', `/v1/admin/audit/deliveries?node=${node.nodeId}`);
  assert.equal(deliveries.length, segs.length);
  assert.ok(deliveries.every((d) => d.via === gw.nodeId));
  assert.equal((await admin.json<AuditDelivery[]>('GET', `/v1/admin/audit/deliveries?via=${stranger.nodeId}`)).length, 0);

  // Bytes changed after the node signed the envelope: refused, the gateway is flagged, not the node.
  const more = await wal(state, 5, 20);
  const last = more.at(-1)!;
  const altered = encodeEnvelope(key, node.nodeId, last.name, 0, last.bytes);
  altered[altered.length - 10]! ^= 1;
  await assert.rejects(gw.relayAudit(altered), (e: Error & { code: string }) => e.code === 'relay_tampered' && /the node signed/.test(e.message));
  // Signed by the node, but the records are forged: the node's own chain fails, the node is flagged.
  const forged = forge(segs[0]!.bytes, 2, (p) => p.replace('"decision":"deny"', '"decision":"allow"'));
  const gw2 = await gateway(orch.url, admin);
  await assert.rejects(gw2.relayAudit(env(0, forged)), { code: 'audit_tampered' });

  const views = new Map((await admin.json<NodeView[]>('GET', '/v1/admin/nodes')).map((n) => [n.id, n]));
  assert.match(views.get(gw.nodeId)!.gateway!.flag!, /relayed audit of node/);
  assert.equal(views.get(gw2.nodeId)!.gateway!.flag, null);
  assert.match(views.get(node.nodeId)!.audit_flag!, /differs from the record already held/);
  assert.equal(views.get(stranger.nodeId)!.gateway, null);
  const events = (await admin.json<AdminEvent[]>('GET', '/v1/admin/events')).filter((e) => e.action.startsWith('audit.'));
  assert.deepEqual(events.map((e) => [e.action, e.actor]), [['audit.relay_rejected', `gateway:${gw.nodeId}`], ['audit.rejected', `gateway:${gw2.nodeId}`]]);
});

test('the node hands envelopes to edged; the gateway uploads them in chain order whatever order they came in', async () => {
  const { orch, admin } = await orchestrator();
  const state = tempDir('orch-node-');
  const node = await enrolledNode(orch.url, admin, state);
  // A stand-in for the control API of the two edged (the relay between them is tested in test/edge).
  const held = new Map<string, Buffer>();
  const edge: EdgeControl = {
    call: async (method, path, body) => {
      if (method === 'POST') held.set(createHash('sha256').update(body!).digest('hex'), Buffer.from(body!));
      const m = /^\/v1\/local\/segments\/([0-9a-f]{64})$/.exec(path);
      // Newest first: a node's segments are listed in the reverse of their chain order.
      const listed = [...held.keys()].reverse().map((hash) => ({ hash }));
      return { status: 200, body: m ? held.get(m[1]!)! : Buffer.from(JSON.stringify(listed)) };
    },
  };
  await wal(state, 30);
  const handed = await new AuditUploader(new EdgeHandoff(loadOrCreateKey(state, NODE_KEY), node.nodeId, edge), walDir(state)).sync();
  assert.equal(handed, 0, 'nothing reached the orchestrator yet');
  assert.ok(held.size >= 3);
  held.set('f'.repeat(64), Buffer.from('other traffic of the relay'));

  const gw = await gateway(orch.url, admin);
  const said: string[] = [];
  let done: readonly string[] = [];
  const up = new GatewayUploader({ client: gw, edge, say: (l) => said.push(l), onDone: (d) => (done = d) });
  const round = await up.syncOnce();
  assert.equal(round.uploaded, held.size - 1);
  assert.ok(round.accepted > 30 && round.refused === 0 && round.waiting === 0);
  assert.equal(done.length, held.size, 'every segment is done with, the foreign one too');
  assert.deepEqual(await up.syncOnce(), { uploaded: 0, accepted: 0, reported: 0, handed: 0, refused: 0, waiting: 0 });
  assert.equal((await admin.json<NodeView[]>('GET', '/v1/admin/nodes')).find((n) => n.id === node.nodeId)!.audit_seq, round.accepted);

  // A restarted gateway that lost its record re-sends; the orchestrator answers with duplicates.
  const again = await new GatewayUploader({ client: gw, edge, say: () => undefined }).syncOnce();
  assert.equal(again.accepted, 0);
  assert.equal(again.uploaded, held.size - 1);
});

for (const kind of STORE_KINDS) {
  test(`audit pages and retention (${kind.name}): every page once; pruned records go, the rest verifies from its anchor, uploads go on`, { skip: kind.skip }, async () => {
    const db = await kind.db();
    const { orch, admin, token } = await orchestrator(kind, { db });
    const state = tempDir('orch-node-');
    const node = await enrolledNode(orch.url, admin, state);
    const segs = await wal(state, 30);
    for (const s of segs) await node.uploadAudit(s.name, 0, s.bytes);

    // Pages of 7 through the cursor, concatenated, are the whole answer (CSV: one header).
    for (const format of ['jsonl', 'csv']) {
      const whole = await (await admin.send('GET', `/v1/admin/audit?node=${node.nodeId}&format=${format}`)).text();
      let paged = '';
      let after: string | null = null;
      for (;;) {
        const res = await admin.send('GET', `/v1/admin/audit?node=${node.nodeId}&format=${format}&limit=7${after ? `&after=${after}` : ''}`);
        paged += await res.text();
        after = res.headers.get('x-autonomy-next-cursor');
        if (!after) break;
      }
      assert.equal(paged, whole);
    }
    await assert.rejects(admin.send('GET', '/v1/admin/audit?after=bogus'), { code: 'bad_request' });

    const rows = (await (await admin.send('GET', `/v1/admin/audit?node=${node.nodeId}`)).text()).trim().split('\n').map((l) => JSON.parse(l) as { seq: number; time: string });
    const cut = rows[15]!.time;
    const older = rows.filter((r) => BigInt(r.time) < BigInt(cut));
    const pruned = await admin.json<{ records: number; nodes: { node: string; through: number }[] }>('POST', '/v1/admin/audit/prune', { before: cut });
    assert.equal(pruned.records, older.length);
    assert.deepEqual(pruned.nodes, [{ node: node.nodeId, through: older.at(-1)!.seq }]);
    const verdict = async (): Promise<StoredVerdict> => (await admin.json<StoredVerdict[]>('GET', `/v1/admin/audit/verify?node=${node.nodeId}`))[0]!;
    assert.deepEqual(await verdict(), { node: node.nodeId, records: rows.length - older.length, anchor_seq: older.at(-1)!.seq, head_seq: rows.at(-1)!.seq, ok: true, problem: null });

    // The node re-sends everything (a lost upload position): pruned records are no tampering.
    for (const s of segs) await node.uploadAudit(s.name, 0, s.bytes);
    let accepted = 0;
    for (const s of await wal(state, 5, 30)) accepted += (await node.uploadAudit(s.name, 0, s.bytes)).accepted;
    assert.ok(accepted >= 5);
    assert.equal((await verdict()).ok, true);
    const view = (await admin.json<NodeView[]>('GET', '/v1/admin/nodes')).find((n) => n.id === node.nodeId)!;
    assert.equal(view.audit_flag, null);
    assert.deepEqual((await admin.json<AdminEvent[]>('GET', '/v1/admin/events')).filter((e) => e.action === 'audit.prune').map((e) => e.detail['records']), [older.length]);

    // A record changed in the database afterwards: verify says where (SQLite: the file is at hand).
    if (kind.name === 'sqlite') {
      const raw = new DatabaseSync(db);
      const seq = older.at(-1)!.seq + 3;
      raw.prepare("UPDATE audit_records SET record = replace(record, '\"kind\"', '\"kind\" ') WHERE seq = ?").run(seq);
      raw.close();
      assert.match((await verdict()).problem!, new RegExp(`^seq ${seq}: `));
      const undo = new DatabaseSync(db);
      undo.prepare("UPDATE audit_records SET record = replace(record, '\"kind\" ', '\"kind\"') WHERE seq = ?").run(seq);
      undo.close();
      assert.equal((await verdict()).ok, true);
    }

    // A replica with --audit-retention prunes on its own; ten days later, everything held is past a 1-day retention.
    const said: string[] = [];
    const later = await startOrchestrator({ db, adminToken: token, tickMs: 0, now: () => Date.now() + 10 * DAY, auditRetentionMs: DAY, log: (l) => said.push(l) });
    try {
      await until('retention pruned the rest', async () => (await later.store.getAuditAnchor(node.nodeId))?.seq === (await later.store.getNode(node.nodeId))!.audit!.seq);
      assert.equal((await later.service.verifyStoredAudit(node.nodeId))[0]!.ok, true);
      assert.ok(said.some((l) => /audit retention pruned \d+ record\(s\) of 1 node\(s\)/.test(l)));
      assert.equal((await later.store.listAdminEvents()).filter((e) => e.action === 'audit.prune').at(-1)!.actor, 'orchestrator');
    } finally {
      await later.close();
    }
  });
}
