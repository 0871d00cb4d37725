// The scheduler driven by hand: a manual clock, an in-memory ledger, a scripted transport.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ManualClock, type Timers } from '../../src/edge/clock.ts';
import { Ledger, MemoryLedgerLog, State } from '../../src/edge/ledger.ts';
import { backoffDelay, Scheduler, type SendResult, type Transport } from '../../src/edge/scheduler.ts';

const noTimers: Timers = { setTimeout: () => null, clearTimeout: () => undefined };
const hash = (n: number) => n.toString(16).padStart(64, '0');

/** A transport whose answer for (peer, segment, attempt) comes from a script; it logs calls. */
class ScriptedTransport implements Transport {
  readonly calls: string[] = [];
  readonly #answer: (peer: string, segment: string, attempt: number) => boolean;
  readonly #attempts = new Map<string, number>();
  readonly #clock: ManualClock;
  constructor(clock: ManualClock, answer: (peer: string, segment: string, attempt: number) => boolean) {
    this.#clock = clock;
    this.#answer = answer;
  }
  async send(peer: string, segment: string): Promise<SendResult> {
    const k = `${segment}@${peer}`;
    const n = (this.#attempts.get(k) ?? 0) + 1;
    this.#attempts.set(k, n);
    this.calls.push(`${this.#clock.now()} ${segment.slice(-2)}@${peer}`);
    return this.#answer(peer, segment, n) ? { ok: true } : { ok: false, error: `refused #${n}` };
  }
}

async function setup(opts: { backoffMs?: number[]; maxRetries?: number; maxInflightPerPeer?: number }, answer: (peer: string, segment: string, attempt: number) => boolean) {
  const clock = new ManualClock(0);
  const log = new MemoryLedgerLog();
  const ledger = await Ledger.open(log, clock);
  const transport = new ScriptedTransport(clock, answer);
  const scheduler = new Scheduler(ledger, transport, clock, noTimers, { backoffMs: opts.backoffMs ?? [20, 50], maxRetries: opts.maxRetries ?? 2, maxInflightPerPeer: opts.maxInflightPerPeer ?? 4 });
  return { clock, log, ledger, transport, scheduler };
}

/** Runs until nothing is left to do, jumping the clock to each next backoff deadline. */
async function drive(s: Awaited<ReturnType<typeof setup>>): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    s.scheduler.scan();
    await s.scheduler.settle();
    const active = s.ledger.activeEntries();
    if (active.some((e) => e.state === State.Scheduled)) continue;
    const failed = active.filter((e) => e.state === State.Failed);
    if (failed.length === 0) return;
    s.clock.set(Math.max(s.clock.now(), Math.min(...failed.map((e) => e.nextAt))));
  }
  assert.fail('the scheduler did not come to rest');
}

test('backoff steps follow the list and the last one repeats', () => {
  assert.deepEqual([1, 2, 3, 4, 5].map((n) => backoffDelay([100, 1000, 5000], n)), [100, 1000, 5000, 5000, 5000]);
});

test('scan order is next-attempt time, then segment hash, then peer id; per-peer slots are respected', async () => {
  const s = await setup({ maxInflightPerPeer: 1 }, () => true);
  for (const h of [3, 1, 2]) s.ledger.addSegment(hash(h), 1, 'local');
  s.clock.set(10);
  s.ledger.schedule(hash(3), 'b');
  s.ledger.schedule(hash(3), 'a');
  s.clock.set(5);
  s.ledger.schedule(hash(2), 'c');
  s.ledger.schedule(hash(2), 'b');
  s.ledger.schedule(hash(1), 'b');
  s.clock.set(20);
  const started = s.scheduler.scan().map((e) => `${e.segment.slice(-1)}@${e.peer}`);
  // At t=5: 1@b then 2@b, but b has one slot, so 2@b waits; 2@c; then at t=10: 3@a (3@b waits for b).
  assert.deepEqual(started, ['1@b', '2@c', '3@a']);
  await drive(s);
  assert.deepEqual(s.transport.calls.map((c) => c.split(' ')[1]), ['01@b', '02@c', '03@a', '02@b', '03@b']);
});

test('a peer that is down is retried on the backoff schedule, then the entry goes to Deadletter', async () => {
  const s = await setup({ backoffMs: [20, 50], maxRetries: 3 }, (peer) => peer !== 'c');
  s.ledger.addSegment(hash(1), 1, 'local');
  s.ledger.schedule(hash(1), 'b');
  const c = s.ledger.schedule(hash(1), 'c');
  await drive(s);
  assert.deepEqual(s.transport.calls, ['0 01@b', '0 01@c', '20 01@c', '70 01@c', '120 01@c']);
  const e = s.ledger.entry(c.id)!;
  assert.equal(e.state, State.Deadletter);
  assert.equal(e.failures, 4);
  assert.equal(e.lastError, 'refused #4');
  assert.equal(s.ledger.entry(`${hash(1)}@b`)!.state, State.Acked);
  assert.equal(s.ledger.transitions.get('Failed→Scheduled'), 3);
  assert.equal(s.ledger.transitions.get('Failed→Deadletter'), 1);
});

test('max_retries 0: the first failure is final', async () => {
  const s = await setup({ maxRetries: 0 }, () => false);
  s.ledger.addSegment(hash(1), 1, 'local');
  s.ledger.schedule(hash(1), 'b');
  await drive(s);
  assert.equal(s.transport.calls.length, 1);
  assert.equal(s.ledger.entries()[0]!.state, State.Deadletter);
});

test('determinism: the same scenario twice gives the same ledger records, byte for byte', async () => {
  const scenario = fc.record({
    segments: fc.integer({ min: 1, max: 6 }),
    peers: fc.subarray(['a', 'b', 'c', 'd'], { minLength: 1 }),
    slots: fc.integer({ min: 1, max: 3 }),
    retries: fc.integer({ min: 0, max: 3 }),
    // Which attempts fail: a deterministic function of (peer, segment, attempt) chosen by the property.
    failMask: fc.integer({ min: 0, max: 2 ** 20 }),
  });
  await fc.assert(
    fc.asyncProperty(scenario, async (sc) => {
      const run = async (): Promise<string[]> => {
        const answer = (peer: string, segment: string, attempt: number): boolean => ((sc.failMask >> ((peer.charCodeAt(0) + Number.parseInt(segment.slice(-2), 16) * 3 + attempt) % 20)) & 1) === 0;
        const s = await setup({ backoffMs: [20, 50], maxRetries: sc.retries, maxInflightPerPeer: sc.slots }, answer);
        for (let i = 1; i <= sc.segments; i++) {
          s.ledger.addSegment(hash(i), i, 'local');
          for (const p of sc.peers) s.ledger.schedule(hash(i), p);
          s.clock.advance(3);
        }
        await drive(s);
        await s.ledger.commit();
        for (const e of s.ledger.entries()) assert.ok(e.state === State.Acked || e.state === State.Deadletter);
        return s.log.lines;
      };
      assert.deepEqual(await run(), await run());
    }),
    { numRuns: 100 },
  );
});

test('a ledger that cannot be written stops the relay through onFatal', { timeout: 10_000 }, async () => {
  let failing = false;
  const log = { load: () => [], append: () => (failing ? Promise.reject(new Error('EIO')) : Promise.resolve()), replace: () => undefined };
  const clock = new ManualClock(0);
  const ledger = await Ledger.open(log, clock, { lingerMs: 1 });
  const fatal: unknown[] = [];
  const reported = Promise.withResolvers<void>();
  const onFatal = (e: unknown): void => {
    fatal.push(e);
    reported.resolve();
  };
  const scheduler = new Scheduler(ledger, { send: async () => ({ ok: true }) }, clock, noTimers, { backoffMs: [10], maxRetries: 1, maxInflightPerPeer: 1, onFatal });
  ledger.addSegment(hash(1), 1, 'local');
  ledger.schedule(hash(1), 'b');
  failing = true;
  scheduler.start();
  await reported.promise;
  await scheduler.settle();
  assert.equal(fatal.length, 1);
  assert.equal((fatal[0] as { code?: string }).code, 'ledger_write_failed');
});
