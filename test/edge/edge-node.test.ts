// Node behaviour in memory: put, receive, deadletter retry and purge, retention.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256Hex } from '../../src/common/hash.ts';
import { ManualClock, type Timers } from '../../src/edge/clock.ts';
import { EdgeNode } from '../../src/edge/edge-node.ts';
import { Ledger, MemoryLedgerLog, State } from '../../src/edge/ledger.ts';
import { Scheduler, type Transport } from '../../src/edge/scheduler.ts';
import { MemoryBlobs, SegmentStore } from '../../src/edge/segment-store.ts';

const noTimers: Timers = { setTimeout: () => null, clearTimeout: () => undefined };
const code = (c: string) => (e: Error & { code?: string }) => e.code === c;

async function makeNode(opts: { up?: Set<string>; retentionMs?: number | null; ceiling?: number } = {}) {
  const clock = new ManualClock(0);
  const up = opts.up ?? new Set(['b', 'c']);
  const ledger = await Ledger.open(new MemoryLedgerLog(), clock);
  const blobs = new MemoryBlobs();
  const store = new SegmentStore(blobs, opts.ceiling ?? 1000);
  const transport: Transport = { send: async (peer) => (up.has(peer) ? { ok: true } : { ok: false, error: 'down' }) };
  const scheduler = new Scheduler(ledger, transport, clock, noTimers, { backoffMs: [10], maxRetries: 1, maxInflightPerPeer: 2 });
  const node = new EdgeNode(store, ledger, scheduler, { nodeId: 'a', peers: [{ id: 'b', address: 'http://b:1' }, { id: 'c', address: 'http://c:1' }], retentionMs: opts.retentionMs ?? null, clock });
  const drain = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) {
      scheduler.scan();
      await scheduler.settle();
      clock.advance(10);
    }
  };
  return { clock, ledger, store, blobs, node, up, drain };
}

test('put stores once and schedules every known peer by default, or the ones named', async () => {
  const { node, ledger } = await makeNode();
  const r = await node.put(Buffer.from('one'));
  assert.equal(r.hash, sha256Hex('one'));
  assert.equal(r.outcome, 'stored');
  assert.deepEqual(r.deliveries, [{ peer: 'b', state: State.Scheduled }, { peer: 'c', state: State.Scheduled }]);
  const again = await node.put(Buffer.from('one'), ['b']);
  assert.equal(again.outcome, 'exists');
  assert.equal(ledger.entries().length, 2);
  const only = await node.put(Buffer.from('two'), ['c']);
  assert.deepEqual(only.deliveries.map((d) => d.peer), ['c']);
  await assert.rejects(node.put(Buffer.from('x'), ['zed']), code('bad_request'));
});

test('receive is idempotent and records the sender', async () => {
  const { node, ledger } = await makeNode();
  const h = sha256Hex('seg');
  assert.equal(await node.receive('b', h, Buffer.from('seg')), 'stored');
  assert.equal(await node.receive('c', h, Buffer.from('seg')), 'exists');
  assert.deepEqual(ledger.segments().map((s) => [s.hash, s.from]), [[h, 'b']]);
  await assert.rejects(node.receive('b', h, Buffer.from('gas')), code('digest_mismatch'));
});

test('deadletter: retry gives a fresh budget; purge keeps the file while another delivery needs it', async () => {
  const { node, ledger, store, up, drain } = await makeNode({ up: new Set(['b']) });
  const { hash } = await node.put(Buffer.from('payload'), ['c']);
  await drain();
  const [dead] = node.deadletters();
  assert.equal(dead!.id, `${hash}@c`);
  assert.equal(dead!.failures, 2);
  await assert.rejects(node.retry({ ids: ['nope'] }), code('entry_not_found'));
  assert.deepEqual(await node.retry({ ids: [hash.slice(0, 10)] }), [`${hash}@c`]);
  assert.equal(ledger.entry(`${hash}@c`)!.failures, 0);
  up.add('c');
  await drain();
  assert.equal(ledger.entry(`${hash}@c`)!.state, State.Acked);

  // Two deliveries of one segment dead; purging one keeps the file, purging both removes it.
  up.clear();
  const two = await node.put(Buffer.from('second'));
  await drain();
  assert.equal(node.deadletters().length, 2);
  assert.deepEqual(await node.purge({ ids: [`${two.hash}@b`] }), { purged: [`${two.hash}@b`], removed: [] });
  assert.ok(store.has(two.hash));
  assert.deepEqual(await node.purge({ all: true }), { purged: [`${two.hash}@c`], removed: [two.hash] });
  assert.equal(store.has(two.hash), false);
  assert.equal(ledger.segment(two.hash), undefined);
  assert.ok(store.has(hash), 'the acked segment is untouched');
  await assert.rejects(node.purge({}), code('bad_request'));
});

test('retention evicts fully acked segments oldest first and never one still needed', async () => {
  const { node, clock, store, up, drain } = await makeNode({ retentionMs: 1000, up: new Set(['b', 'c']) });
  const old = await node.put(Buffer.from('old'));
  clock.advance(100);
  const newer = await node.put(Buffer.from('newer'));
  await drain();
  up.delete('c');
  const stuck = await node.put(Buffer.from('stuck'));
  await drain();
  clock.set(2000);
  const gone = await node.sweep();
  assert.deepEqual(gone, [old.hash, newer.hash]);
  assert.ok(store.has(stuck.hash), 'a segment in Deadletter for c is kept');
  assert.equal(store.usedBytes(), 5);
});

test('a full store refuses a put instead of evicting undelivered bytes', async () => {
  const { node, store } = await makeNode({ ceiling: 8, up: new Set() });
  await node.put(Buffer.from('12345'));
  await assert.rejects(node.put(Buffer.from('6789')), code('disk_ceiling'));
  assert.equal(store.usedBytes(), 5);
});
