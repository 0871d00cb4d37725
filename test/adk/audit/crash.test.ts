// INV-03 with real processes: a child appends from many concurrent callers and is killed with
// SIGKILL at many points; after each kill every acknowledged record is on disk, the chain
// verifies, and appends continue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { openNodeWal, readRecords, verifyWal, walDir } from '../../../src/adk/audit/index.ts';
import { nodeKey, tempState } from './helpers.ts';

const child = join(import.meta.dirname, 'fixtures', 'crash-child.ts');

/** Runs the child until it has reported `killAfter` acks (0: as soon as it opened), then SIGKILLs it. */
async function runAndKill(state: string, killAfter: number): Promise<Map<number, string>> {
  const proc = spawn(process.execPath, [child, state, '32', '8192'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const acks = new Map<number, string>();
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  for await (const line of createInterface({ input: proc.stdout })) {
    const [what, seq, hash] = line.split(' ');
    if (what === 'ack') acks.set(Number(seq), hash!);
    if ((what === 'open' && killAfter === 0) || acks.size >= killAfter) proc.kill('SIGKILL');
  }
  await exited;
  assert.equal(proc.signalCode, 'SIGKILL', 'the child died of SIGKILL, not of an error');
  return acks;
}

test('SIGKILL at many points never loses an acknowledged record; the log recovers and continues', async () => {
  const state = tempState('crash-');
  const { pub } = nodeKey(state);
  const allAcked = new Map<number, string>();
  const killPoints = [0, 1, 7, 33, 64, 100, 150, 211, 3, 260, 17, 120];
  for (const killAfter of killPoints) {
    const acks = await runAndKill(state, killAfter);
    for (const [seq, hash] of acks) allAcked.set(seq, hash);

    const wal = await openNodeWal(state);
    assert.equal(wal.recovery.previousRun, 'crashed');
    await wal.close();
    const onDisk = new Map<number, string>();
    assert.equal(await readRecords(walDir(state), (r) => onDisk.set(r.seq, r.hash)), null);
    for (const [seq, hash] of allAcked) assert.equal(onDisk.get(seq), hash, `acknowledged seq ${seq} after killing at ${killAfter}`);
    const report = await verifyWal(walDir(state), { publicKey: pub });
    assert.equal(report.ok, true, JSON.stringify(report.problem));
  }
  assert.ok(allAcked.size > 500, `${allAcked.size} acknowledged appends`);
});
