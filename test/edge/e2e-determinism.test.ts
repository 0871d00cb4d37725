// Determinism with real processes: the same scenario run twice yields, for every delivery, the
// same sequence of ledger transitions with the same failure counts and backoff waits, and the
// same first-attempt order per peer (the order of the puts). Which delivery's retry goes first
// across deliveries depends on when each one fell due, i.e. on real time, which two runs do not
// share on a loaded machine; the scheduler's choices given the same ledger and clock are shown
// identical byte for byte by the in-memory property test in scheduler.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, waitFor } from './cluster.ts';

async function scenario(): Promise<{ perEntry: Record<string, string[]>; sendOrder: Record<string, string[]> }> {
  const c = await Cluster.create([
    { id: 'a', peers: ['b', 'c'] },
    { id: 'b', peers: ['a'] },
    { id: 'c', peers: ['a'] },
  ], { max_retries: 2, backoff: ['100ms'], max_inflight_per_peer: 1 });
  try {
    await Promise.all([c.start('a'), c.start('b')]);
    const ctl = c.control('a');
    const hashes: string[] = [];
    for (let i = 0; i < 4; i++) {
      hashes.push(JSON.parse((await ctl.call('POST', '/v1/local/segments', Buffer.alloc(20_000 + i, i))).body.toString()).hash as string);
      // Puts in one millisecond would tie on next-attempt time and be ordered by hash instead:
      // still deterministic, but a different input from a run where they did not tie.
      await new Promise((r) => setTimeout(r, 20));
    }
    await waitFor('every delivery settled', () => {
      const s = c.states('a');
      return [...s.values()].every((v) => v === 'Acked' || v === 'Deadletter') && s.size === 2 * 4;
    });
    const perEntry: Record<string, string[]> = {};
    const sendOrder: Record<string, string[]> = { b: [], c: [] };
    for (const r of c.ledger('a')) {
      if (r.op === 'entry') perEntry[`${r.segment}@${r.peer}`] = ['→Scheduled'];
      if (r.op !== 'state') continue;
      perEntry[r.id]!.push(`${r.from}→${r.to} failures=${r.failures} wait=${r.to === 'Failed' ? r.next_at - r.at : 0}`);
      if (r.to === 'Inflight' && r.failures === 0) sendOrder[r.id.split('@')[1]!]!.push(r.id.split('@')[0]!.slice(0, 8));
    }
    return { perEntry, sendOrder };
  } finally {
    await c.cleanup();
  }
}

test('two runs of the same scenario produce the same ledger transitions', { timeout: 60_000 }, async () => {
  const first = await scenario();
  const second = await scenario();
  assert.deepEqual(JSON.stringify(second, null, 1), JSON.stringify(first, null, 1));
  assert.ok(Object.values(first.perEntry).some((t) => t.at(-1)!.endsWith('→Deadletter failures=3 wait=0')));
});
