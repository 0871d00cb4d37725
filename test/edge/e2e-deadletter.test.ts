// Three real edged processes: A relays to B and C; C is down, so A retries on schedule and
// reaches Deadletter; C comes back and `edgectl deadletter retry` gets it delivered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../../src/common/hash.ts';
import { Cluster, waitFor } from './cluster.ts';

test('C down: retries on the backoff schedule, Deadletter after max_retries, retry after C is back', { timeout: 60_000 }, async () => {
  const c = await Cluster.create([
    { id: 'a', peers: ['b', 'c'] },
    { id: 'b', peers: ['a'] },
    { id: 'c', peers: ['a'] },
  ], { max_retries: 2, backoff: ['30ms', '60ms'] });
  try {
    await Promise.all([c.start('a'), c.start('b')]);
    const file = join(c.dir, 'payload.bin');
    const bytes = Buffer.alloc(100_000, 7);
    writeFileSync(file, bytes);
    const hash = sha256Hex(bytes);

    const put = c.edgectl('a', 'put', file, '--json');
    assert.equal(put.status, 0, put.stderr);
    assert.deepEqual(JSON.parse(put.stdout), { hash, size: 100_000, outcome: 'stored', deliveries: [{ peer: 'b', state: 'Scheduled' }, { peer: 'c', state: 'Scheduled' }] });

    await waitFor('b acked and c in deadletter', () => {
      const s = c.states('a');
      return s.get(`${hash}@b`) === 'Acked' && s.get(`${hash}@c`) === 'Deadletter';
    });
    // The schedule: three attempts (1 + max_retries), the waits taken from the backoff list.
    const toC = c.ledger('a').filter((r) => r.op === 'state' && r.id === `${hash}@c`);
    assert.deepEqual(toC.map((r) => r.op === 'state' && `${r.from}→${r.to}`), [
      'Scheduled→Inflight', 'Inflight→Failed', 'Failed→Scheduled',
      'Scheduled→Inflight', 'Inflight→Failed', 'Failed→Scheduled',
      'Scheduled→Inflight', 'Inflight→Failed', 'Failed→Deadletter',
    ]);
    const failed = toC.filter((r) => r.op === 'state' && r.to === 'Failed');
    assert.deepEqual(failed.map((r) => r.op === 'state' && r.next_at - r.at), [30, 60, 60]);
    // A retry is never taken before its backoff has passed.
    const promoted = toC.filter((r) => r.op === 'state' && r.from === 'Failed' && r.to === 'Scheduled');
    promoted.forEach((r, i) => assert.ok(r.at >= (failed[i]!.op === 'state' ? failed[i]!.next_at : 0)));

    const list = c.edgectl('a', 'deadletter', 'list', '--json');
    const dead = JSON.parse(list.stdout) as { id: string; failures: number; last_error: string }[];
    assert.equal(dead.length, 1);
    assert.equal(dead[0]!.id, `${hash}@c`);
    assert.equal(dead[0]!.failures, 3);
    assert.match(dead[0]!.last_error, /ECONNREFUSED/);
    assert.match(c.edgectl('a', 'deadletter', 'list').stdout, new RegExp(`${hash}@c\\s+3`));

    const metrics = await (await fetch(`${c.url('a')}/metrics`)).text();
    assert.match(metrics, /^edge_entries\{state="Deadletter"\} 1$/m);
    assert.match(metrics, /^edge_retries_total 2$/m);
    assert.match(metrics, /^edge_deadletters_total 1$/m);
    assert.match(metrics, /^edge_store_bytes 100000$/m);
    assert.match(metrics, /^edge_store_ceiling_bytes 67108864$/m);
    assert.deepEqual(await (await fetch(`${c.url('a')}/health`)).json(), { status: 'ok', node_id: 'a' });

    await c.start('c');
    const retry = c.edgectl('a', 'deadletter', 'retry', hash.slice(0, 12));
    assert.equal(retry.status, 0, retry.stderr);
    assert.equal(retry.stdout, `retried ${hash}@c\n`);
    await waitFor('c acked', () => c.states('a').get(`${hash}@c`) === 'Acked');

    const out = join(c.dir, 'from-c.bin');
    const get = c.edgectl('c', 'get', hash, '-o', out);
    assert.equal(get.status, 0, get.stderr);
    assert.deepEqual(readFileSync(out), bytes);
    assert.equal(c.edgectl('a', 'deadletter', 'list', '--json').stdout.trim(), '[]');
    const status = JSON.parse(c.edgectl('a', 'status', '--json').stdout) as { entries: Record<string, number>; stored_bytes: number };
    assert.deepEqual(status.entries, { Scheduled: 0, Inflight: 0, Acked: 2, Failed: 0, Deadletter: 0 });
    const peers = JSON.parse(c.edgectl('a', 'peers', '--json').stdout) as { id: string; entries: Record<string, number> }[];
    assert.deepEqual(peers.map((p) => [p.id, p.entries['Acked']]), [['b', 1], ['c', 1]]);
    const segs = JSON.parse(c.edgectl('b', 'segments', '--json').stdout) as { hash: string; from: string }[];
    assert.deepEqual(segs.map((s) => [s.hash, s.from]), [[hash, 'a']]);
    // Nothing left to purge; a purge of an acked entry is refused.
    const purge = c.edgectl('a', 'deadletter', 'purge', `${hash}@b`);
    assert.equal(purge.status, 2);
    assert.match(purge.stderr, /entry_not_found: .* is Acked, not Deadletter/);
  } finally {
    await c.cleanup();
  }
});
