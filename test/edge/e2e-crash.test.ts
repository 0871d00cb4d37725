// SIGKILL during transfers: after restart nothing accepted is lost, no state is forgotten, and
// no delivery is acknowledged twice into the ledger.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../../src/common/hash.ts';
import type { LedgerRecord } from '../../src/edge/ledger.ts';
import { Cluster, waitFor } from './cluster.ts';

function segmentsOf(n: number, size: number, tag: string): Buffer[] {
  return Array.from({ length: n }, (_, i) => {
    const b = Buffer.alloc(size, i);
    b.write(`${tag}-${i}`);
    return b;
  });
}

/** Each entry's Acked transitions in a ledger; every value must be 1. */
function ackCounts(records: LedgerRecord[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of records) if (r.op === 'state' && r.to === 'Acked') m.set(r.id, (m.get(r.id) ?? 0) + 1);
  return m;
}

/** The bytes under a node's segments/ directory, checked against their names. */
function storedHashes(root: string): string[] {
  const names = readdirSync(join(root, 'segments')).sort();
  for (const f of names) assert.equal(sha256Hex(readFileSync(join(root, 'segments', f))), f, `stored file ${f} matches its name`);
  return names;
}

test('SIGKILL of the sender during transfers, then of the receiver during a receive', { timeout: 90_000 }, async () => {
  // The disk ceiling leaves room for every batch either phase may need to try again.
  const c = await Cluster.create([
    { id: 'a', peers: ['b'] },
    { id: 'b', peers: ['a'] },
  ], { max_retries: 1000, backoff: ['20ms', '100ms'], max_inflight_per_peer: 2, disk_ceiling_bytes: '256MiB' });
  try {
    await Promise.all([c.start('a'), c.start('b')]);
    const accepted: string[] = [];

    // Phase 1: kill A while it is sending: right after a put is acknowledged, its delivery
    // has at most just begun. On a busy machine A may still finish first; then try again.
    let interrupted = false;
    for (let attempt = 0; attempt < 5 && !interrupted; attempt++) {
      const ctl = c.control('a');
      for (const b of segmentsOf(8, 512 * 1024, `one-${attempt}`)) {
        const r = JSON.parse((await ctl.call('POST', '/v1/local/segments', b)).body.toString()) as { hash: string };
        accepted.push(r.hash);
      }
      await c.kill('a');
      const before = c.ledger('a');
      const lastState = c.states('a');
      interrupted = accepted.some((h) => lastState.get(`${h}@b`) !== 'Acked');
      const wasInflight = [...lastState].filter(([, s]) => s === 'Inflight').map(([id]) => id).sort();
      await c.start('a');
      // Restart: every Inflight entry went back to Scheduled, with its failure count unchanged.
      const restart = c.ledger('a').slice(before.length).filter((r) => r.op === 'state' && r.from === 'Inflight' && r.to === 'Scheduled');
      assert.deepEqual(restart.map((r) => r.op === 'state' && r.id).sort(), wasInflight);
      for (const r of restart) assert.ok(r.op === 'state' && r.error === 'interrupted by a restart' && r.failures === 0);
    }
    assert.ok(interrupted, 'A was killed before it finished its deliveries');

    // Phase 2: kill B while it receives large segments: once it holds the first of a batch, the
    // rest are still on their way. On a busy machine this test may look too late and B have
    // them all; then B is restarted and the next batch tried.
    const receivedByB = (): number => c.ledger('b').filter((r) => r.op === 'segment').length;
    let cut = false;
    let atKill = 0;
    let tmpAtKill: string[] = [];
    for (let attempt = 0; attempt < 3 && !cut; attempt++) {
      const held = accepted.length;
      const ctl2 = c.control('a');
      for (const b of segmentsOf(10, 3 * 1024 * 1024, `two-${attempt}`)) {
        const r = JSON.parse((await ctl2.call('POST', '/v1/local/segments', b)).body.toString()) as { hash: string };
        accepted.push(r.hash);
      }
      await waitFor('B receiving phase-two segments', () => receivedByB() > held);
      await c.kill('b');
      cut = receivedByB() < accepted.length;
      atKill = c.ledger('a').length;
      // What B's temp directory held when it died: writes in progress and empty spare files.
      tmpAtKill = readdirSync(join(c.root('b'), 'tmp'));
      if (!cut) await c.start('b');
    }
    assert.ok(cut, 'B was killed before it had everything');
    await waitFor('A sees B down', () => c.ledger('a').slice(atKill).some((r) => r.op === 'state' && r.to === 'Failed'));
    await c.start('b');
    await waitFor('every delivery acked', () => {
      const s = c.states('a');
      return accepted.every((h) => s.get(`${h}@b`) === 'Acked');
    }, 60_000);

    // Nothing accepted is lost: A's ledger has every segment; B holds every one, intact.
    const aLedger = c.ledger('a');
    const aSegments = new Set(aLedger.flatMap((r) => (r.op === 'segment' ? [r.hash] : [])));
    for (const h of accepted) assert.ok(aSegments.has(h), `A's ledger kept ${h}`);
    assert.deepEqual(storedHashes(c.root('b')), [...new Set(accepted)].sort());
    assert.deepEqual(storedHashes(c.root('a')), [...new Set(accepted)].sort());
    // No delivery acknowledged twice; B recorded each segment once.
    for (const [id, n] of ackCounts(aLedger)) assert.equal(n, 1, `${id} acked once`);
    assert.equal(ackCounts(aLedger).size, accepted.length);
    const bSegments = c.ledger('b').flatMap((r) => (r.op === 'segment' ? [r.hash] : []));
    assert.equal(new Set(bSegments).size, bSegments.length, 'B recorded each segment once');
    // No half-written file survives a restart: what tmp/ held then is gone, and what it holds
    // now are the running B's spare files, still empty (it is idle).
    const tmpNow = readdirSync(join(c.root('b'), 'tmp'));
    assert.deepEqual(tmpNow.filter((f) => tmpAtKill.includes(f)), []);
    for (const f of tmpNow) assert.equal(statSync(join(c.root('b'), 'tmp', f)).size, 0, `tmp/${f} is an empty spare`);
    // Seqs stay strictly increasing across every restart and torn tail.
    aLedger.forEach((r, i) => i > 0 && assert.ok(r.seq > aLedger[i - 1]!.seq));
    assert.equal(existsSync(join(c.root('a'), 'ledger.jsonl')), true);
  } finally {
    await c.cleanup();
  }
});
