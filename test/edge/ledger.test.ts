// The ledger's state machine, its replay after a restart, and the file log's crash rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import fc from 'fast-check';
import { ManualClock } from '../../src/edge/clock.ts';
import { Ledger, MemoryLedgerLog, State, type LedgerLog, scanOrder } from '../../src/edge/ledger.ts';
import { FileLedgerLog } from '../../src/edge/ledger-file.ts';

const H1 = '1'.repeat(64);
const H2 = '2'.repeat(64);
const code = (c: string) => (e: Error & { code?: string }) => e.code === c;

/** A serializable picture of every entry and segment, to compare ledgers. */
function snapshot(l: Ledger): unknown {
  return { entries: l.entries().map((e) => ({ ...e })), segments: l.segments() };
}

test('the state machine allows exactly its edges', async () => {
  const l = await Ledger.open(new MemoryLedgerLog(), new ManualClock());
  l.addSegment(H1, 3, 'local');
  const e = l.schedule(H1, 'b');
  assert.equal(e.state, State.Scheduled);
  assert.throws(() => l.transition(e.id, State.Acked), code('ledger_invalid'));
  l.transition(e.id, State.Inflight);
  l.transition(e.id, State.Failed, { failures: 1, delayMs: 5 });
  assert.throws(() => l.transition(e.id, State.Acked), code('ledger_invalid'));
  l.transition(e.id, State.Scheduled);
  l.transition(e.id, State.Inflight);
  l.transition(e.id, State.Acked);
  assert.throws(() => l.transition(e.id, State.Acked), code('ledger_invalid'));
  assert.throws(() => l.schedule(H2, 'b'), code('ledger_invalid'));
  assert.equal(l.needs(H1), false);
});

test('scheduling twice returns the existing entry; purge needs Deadletter; evict needs no pending entry', async () => {
  const l = await Ledger.open(new MemoryLedgerLog(), new ManualClock());
  l.addSegment(H1, 3, 'local');
  const e = l.schedule(H1, 'b');
  assert.equal(l.schedule(H1, 'b'), e);
  assert.throws(() => l.purge(e.id), code('ledger_invalid'));
  assert.throws(() => l.evict(H1), code('ledger_invalid'));
  l.transition(e.id, State.Inflight);
  l.transition(e.id, State.Failed, { failures: 1 });
  l.transition(e.id, State.Deadletter);
  l.purge(e.id);
  assert.equal(l.entry(e.id), undefined);
  l.evict(H1);
  assert.equal(l.segment(H1), undefined);
});

test('a reopened ledger has the same state; Inflight returns to Scheduled without using a retry', async () => {
  const log = new MemoryLedgerLog();
  const clock = new ManualClock();
  const l = await Ledger.open(log, clock);
  l.addSegment(H1, 3, 'local');
  const a = l.schedule(H1, 'a');
  const b = l.schedule(H1, 'b');
  l.transition(a.id, State.Inflight);
  l.transition(a.id, State.Failed, { failures: 1, delayMs: 10 });
  l.transition(b.id, State.Inflight);
  await l.commit();
  const before = snapshot(l);
  clock.advance(100);
  const r = await Ledger.open(log, clock);
  const rb = r.entry(b.id)!;
  assert.equal(rb.state, State.Scheduled);
  assert.equal(rb.failures, 0);
  assert.equal(rb.lastError, 'interrupted by a restart');
  assert.deepEqual(r.entry(a.id), (before as { entries: unknown[] }).entries.find((e) => (e as { id: string }).id === a.id));
});

test('group commit: mutations queued during a flush go out together in one append', async () => {
  const appends: string[] = [];
  let release!: () => void;
  const slow: LedgerLog = {
    load: () => [],
    append: (lines) => {
      appends.push(lines);
      return appends.length === 1 ? new Promise<void>((r) => (release = r)) : Promise.resolve();
    },
    replace: () => undefined,
  };
  const l = await Ledger.open(slow, new ManualClock());
  l.addSegment(H1, 1, 'local');
  const first = l.commit();
  await Promise.resolve();
  await Promise.resolve();
  l.addSegment(H2, 1, 'local');
  const second = l.commit();
  l.schedule(H2, 'b');
  const third = l.commit();
  assert.equal(second, third);
  release();
  await Promise.all([first, second, third]);
  assert.equal(appends.length, 2);
  assert.equal(appends[1]!.trim().split('\n').length, 2);
});

test('a failed append breaks the ledger: nothing more is acknowledged', async () => {
  const log: LedgerLog = { load: () => [], append: () => Promise.reject(new Error('EIO')), replace: () => undefined };
  const l = await Ledger.open(log, new ManualClock());
  l.addSegment(H1, 1, 'local');
  await assert.rejects(l.commit(), code('ledger_write_failed'));
  await assert.rejects(l.commit(), code('ledger_write_failed'));
  assert.throws(() => l.addSegment(H2, 1, 'local'), code('ledger_write_failed'));
});

test('property: any sequence of legal operations replays to the same state, also after compaction', async () => {
  const ops = fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })), { maxLength: 60 });
  await fc.assert(
    fc.asyncProperty(ops, async (script) => {
      const log = new MemoryLedgerLog();
      const clock = new ManualClock();
      const l = await Ledger.open(log, clock);
      const hashes = [H1, H2, '3'.repeat(64)];
      const peers = ['a', 'b', 'c'];
      for (const [op, s, p] of script) {
        clock.advance(7);
        const h = hashes[s]!;
        const e = l.entry(`${h}@${peers[p]}`);
        if (op === 0) l.addSegment(h, s + 1, 'local');
        else if (op === 1 && l.segment(h)) l.schedule(h, peers[p]!);
        else if (e && op === 2 && e.state === State.Scheduled) l.transition(e.id, State.Inflight);
        else if (e && op === 3 && e.state === State.Inflight) l.transition(e.id, State.Acked);
        else if (e && op === 4 && e.state === State.Inflight) l.transition(e.id, State.Failed, { failures: e.failures + 1, delayMs: 5 });
        else if (e && op === 5 && e.state === State.Failed) l.transition(e.id, State.Deadletter);
      }
      await l.commit();
      // The scan queues always hold exactly the Scheduled and Failed entries, in scan order.
      for (const state of [State.Scheduled, State.Failed] as const) {
        const q = state === State.Scheduled ? l.scheduled() : l.failed();
        assert.deepEqual(q.map((e) => e.id), l.entries().filter((e) => e.state === state).map((e) => e.id));
      }
      // Restart semantics: Inflight comes back as Scheduled; apply the same to the expectation.
      // entries() lists in scan order, and a restarted entry's next attempt is now: re-sort.
      const expected = l
        .entries()
        .map((e) => (e.state === State.Inflight ? { ...e, state: State.Scheduled, lastError: 'interrupted by a restart', nextAt: clock.now(), updatedAt: clock.now() } : { ...e }))
        .sort(scanOrder);
      const r = await Ledger.open(log, clock);
      assert.deepEqual(r.entries(), expected);
      assert.deepEqual(r.segments(), l.segments());
      const c = await Ledger.open(log, clock, { compactAbove: 0 });
      assert.deepEqual(c.entries().map((e) => ({ ...e, updatedAt: 0 })), expected.map((e) => ({ ...e, updatedAt: 0 })));
      assert.deepEqual(c.segments(), l.segments());
    }),
    { numRuns: 150 },
  );
});

test('file log: a torn tail is cut off at open; damage elsewhere is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-ledger-'));
  const path = join(dir, 'ledger.jsonl');
  const clock = new ManualClock();
  const log = new FileLedgerLog(path);
  const l = await Ledger.open(log, clock);
  l.addSegment(H1, 3, 'local');
  l.schedule(H1, 'b');
  await l.commit();
  await log.close();
  const good = readFileSync(path, 'utf8');
  appendFileSync(path, '{"seq":3,"at":1,"op":"ev');
  const torn = new FileLedgerLog(path);
  const r = await Ledger.open(torn, clock);
  assert.equal(torn.tornBytes, 24);
  assert.equal(readFileSync(path, 'utf8'), good);
  assert.equal(r.entries().length, 1);
  await torn.close();

  const lines = good.split('\n');
  writeFileSync(path, `${lines[0]}\n{not json}\n${lines[1]}\n`);
  assert.throws(() => new FileLedgerLog(path).load(), (e: Error & { code?: string; location?: { row: number } }) => e.code === 'ledger_corrupt' && e.location?.row === 2);
  writeFileSync(path, `${lines[1]}\n${lines[0]}\n`);
  await assert.rejects(Ledger.open(new FileLedgerLog(path), clock), code('ledger_corrupt'));
});

test('file log: compaction rewrites the file and later appends continue it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-ledger-'));
  const path = join(dir, 'ledger.jsonl');
  const clock = new ManualClock();
  let log = new FileLedgerLog(path);
  const l = await Ledger.open(log, clock);
  l.addSegment(H1, 3, 'local');
  const e = l.schedule(H1, 'b');
  for (let i = 0; i < 5; i++) {
    l.transition(e.id, State.Inflight);
    l.transition(e.id, State.Failed, { failures: i + 1 });
    l.transition(e.id, State.Scheduled);
  }
  await l.commit();
  await log.close();
  log = new FileLedgerLog(path);
  const c = await Ledger.open(log, clock, { compactAbove: 3 });
  assert.equal(readFileSync(path, 'utf8').trim().split('\n').length, 2);
  c.transition(e.id, State.Inflight);
  await c.commit();
  await log.close();
  const again = await Ledger.open(new FileLedgerLog(path), clock);
  assert.equal(again.entry(e.id)!.failures, 5);
  assert.equal(again.entry(e.id)!.state, State.Scheduled);
});
