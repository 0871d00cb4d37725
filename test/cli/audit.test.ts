// `autonomy audit …` as a user runs it: real processes against a real state directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { openNodeWal, walDir } from '../../src/adk/audit/index.ts';
import { generateKeyPair } from '../../src/common/ed25519.ts';
import { decision, segmentFiles, tempState } from '../adk/audit/helpers.ts';

const bin = resolve(import.meta.dirname, '..', '..', 'bin', 'autonomy.js');
const run = (state: string, ...args: string[]) => spawnSync(process.execPath, [bin, 'audit', ...args, '--state', state], { encoding: 'utf8' });

async function stateWithDecisions(n: number): Promise<string> {
  const state = tempState('cli-');
  const wal = await openNodeWal(state);
  for (let i = 0; i < n; i++) await wal.append(decision(i));
  await wal.close();
  return state;
}

test('every audit command answers --help', () => {
  for (const cmd of ['verify', 'tail', 'export', 'show', 'pubkey', 'quarantine']) {
    const r = spawnSync(process.execPath, [bin, 'audit', cmd, '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 0, cmd);
    assert.match(r.stdout, /--state <dir>/, cmd);
  }
});

test('verify: exit 0 with a summary; exit 1 with the first bad seq; exit 2 without a log', async () => {
  const state = await stateWithDecisions(8);
  const ok = run(state, 'verify');
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^ok: 12 records, seq 1\.\.12\nhead: [0-9a-f]{64}\nlast signed checkpoint: seq 12 at \d{4}-\d\d-\d\dT.*\(key [0-9a-f]{16}\)/);

  const other = join(state, 'other.pub');
  writeFileSync(other, generateKeyPair().publicPem);
  const wrongKey = run(state, 'verify', '--pubkey', other);
  assert.equal(wrongKey.status, 1);
  assert.match(wrongKey.stdout, /FAILED at seq 2 .*bad_signature/);

  const seg = join(walDir(state), segmentFiles(walDir(state))[0]!);
  const bytes = readFileSync(seg);
  bytes[bytes.length - 900]! ^= 4;
  writeFileSync(seg, bytes);
  const bad = run(state, 'verify');
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, /^FAILED at seq \d+ \(00000000000000000001\.wal, offset \d+\): crc_mismatch/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /);

  const none = run(join(state, 'nothing-here'), 'verify');
  assert.equal(none.status, 2);
  assert.match(none.stderr, /wal_not_found/);
});

test('tail, export (JSON Lines, CSV, filters) and show read the log', async () => {
  const state = await stateWithDecisions(8);
  const tail = run(state, 'tail', '-n', '3', '--json');
  assert.equal(tail.status, 0);
  const last = tail.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string });
  assert.deepEqual(last.map((r) => r.kind), ['decision', 'stop', 'checkpoint']);
  assert.match(run(state, 'tail', '-n', '1').stdout, /^\s+12 {2}\d{4}-.*checkpoint\n$/);

  const denies = run(state, 'export', '--decision', 'deny').stdout.trim().split('\n').map((l) => JSON.parse(l) as { decision: string; hash: string });
  assert.deepEqual(denies.map((r) => r.decision), ['deny', 'deny']);
  assert.match(denies[0]!.hash, /^[0-9a-f]{64}$/);
  const csv = run(state, 'export', '--format', 'csv', '--tool', 'shell.exec').stdout.trim().split('\n');
  assert.equal(csv[0], 'seq,time,kind,decision_id,tool,decision,reasons,revision,digest,agent,context,latency_ns,args,args_hash,epoch,hash');
  assert.equal(csv.length, 1 + 3);
  assert.ok(csv.slice(1).every((l) => l.includes(',shell.exec,')));
  assert.equal(run(state, 'export', '--until', '2000-01-01T00:00:00Z').stdout, '');
  assert.equal(run(state, 'export', '--since', 'soon').status, 2);
  assert.equal(run(state, 'export', '--format', 'xml').status, 2);

  const show = run(state, 'show', 'dec-5');
  assert.equal(show.status, 0);
  assert.equal((JSON.parse(show.stdout) as { decision_id: string }).decision_id, 'dec-5');
  const missing = run(state, 'show', 'no-such-id');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /no record with decision_id/);
});

test('pubkey prints the node public key; quarantine sets damage aside so verify passes again', async () => {
  const state = await stateWithDecisions(4);
  const pub = run(state, 'pubkey');
  assert.equal(pub.status, 0);
  assert.equal(pub.stdout, readFileSync(join(state, 'node.pub'), 'utf8'));

  assert.match(run(state, 'quarantine').stdout, /nothing to quarantine/);
  const seg = join(walDir(state), segmentFiles(walDir(state))[0]!);
  const bytes = readFileSync(seg);
  bytes[700]! ^= 1;
  writeFileSync(seg, bytes);
  assert.equal(run(state, 'verify').status, 1);
  const q = run(state, 'quarantine');
  assert.equal(q.status, 0, q.stderr);
  assert.match(q.stdout, /^quarantined seq \d+\.\.\d+ \(crc_mismatch/);
  assert.match(q.stdout, /epoch 2 starts at seq \d+/);
  assert.equal(run(state, 'verify').status, 0);
});

test('tail -f prints records as they are appended', { timeout: 30_000 }, async () => {
  const state = await stateWithDecisions(1);
  const proc = spawn(process.execPath, [bin, 'audit', 'tail', '-f', '-n', '0', '--json', '--state', state], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Append only once the follower has read the log as it was.
  for await (const line of createInterface({ input: proc.stderr })) if (line.startsWith('following ')) break;
  const wal = await openNodeWal(state);
  const seen: string[] = [];
  try {
    // Listen before appending: the follower may print the first record while the second append
    // still waits for the disk, and a line emitted before anyone listens is lost (readline's
    // async iterator only buffers from its first use; this test once hung on that).
    const lines = createInterface({ input: proc.stdout });
    const both = new Promise<void>((resolve) => {
      lines.on('line', (line) => {
        const r = JSON.parse(line) as { decision_id?: string };
        if (r.decision_id) seen.push(r.decision_id);
        if (seen.length === 2) resolve();
      });
    });
    await wal.append(decision(41));
    await wal.append(decision(42));
    await both;
  } finally {
    proc.kill();
    await wal.close();
  }
  assert.deepEqual(seen, ['dec-41', 'dec-42']);
});
