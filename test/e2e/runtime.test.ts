// `autonomy serve` as a real process: the fail-closed matrix (one case per reason code), auth,
// refusals at startup, and SIGKILL under load followed by a restart (INV-03).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRecords, walDir } from '../../src/adk/audit/index.ts';
import { BIN, EXAMPLE_POLICY, post, serve, tempDir, TOKEN } from './helpers.ts';

const tmp = tempDir();
after(() => tmp.remove());
let n = 0;
const state = (): string => join(tmp.dir, `state-${++n}`);

function policyDir(rego: string): string {
  const dir = join(tmp.dir, `policy-${++n}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'p.rego'), `package autonomy.authz\n${rego}\n`);
  return dir;
}

async function denyCase(args: string[], body: unknown, reason: string, status: number, env: Record<string, string> = {}): Promise<void> {
  const s = await serve([...args, '--state', state()], env);
  try {
    const r = await post(`${s.url}/v1/decide`, body);
    assert.equal(r.status, status);
    assert.equal(r.json['decision'], 'deny');
    assert.ok((r.json['reasons'] as string[]).includes(reason), JSON.stringify(r.json));
  } finally {
    assert.equal(await s.stop(), 0);
  }
}

test('fail closed: no policy → deny no_valid_policy, /health 503', async () => {
  const s = await serve(['--state', state()]);
  try {
    const r = await post(`${s.url}/v1/decide`, { tool: 'scan' });
    assert.deepEqual([r.status, r.json['decision'], r.json['reasons']], [200, 'deny', ['no_valid_policy']]);
    assert.equal((await fetch(`${s.url}/health`)).status, 503);
  } finally {
    await s.stop();
  }
});

test('fail closed: evaluation error → deny eval_error', () => denyCase(['--dev', '--policy', policyDir('allow := input.args.a\nallow := input.args.b')], { tool: 't', args: { a: 1, b: 2 } }, 'eval_error', 200));

test('fail closed: evaluation over its budget → deny eval_budget_exceeded', () =>
  denyCase(['--dev', '--budget-ms', '20', '--policy', policyDir('allow if { some i in numbers.range(1, 5000); some j in numbers.range(1, 5000); i + j < 0 }')], { tool: 't' }, 'eval_budget_exceeded', 200));

test('fail closed: malformed request → 400 whose body is a deny bad_request', () => denyCase(['--dev', '--policy', EXAMPLE_POLICY], '{"tool": ', 'bad_request', 400));

test('fail closed: WAL disk full → 503 deny wal_unavailable; decisions resume when space returns', async () => {
  const flag = join(tmp.dir, `disk-full-${++n}`);
  const s = await serve(['--dev', '--policy', EXAMPLE_POLICY, '--state', state()], { AUTONOMY_FAILPOINT_WAL_FULL: flag });
  try {
    assert.equal((await post(`${s.url}/v1/decide`, { tool: 'scan' })).json['decision'], 'allow');
    writeFileSync(flag, '');
    const r = await post(`${s.url}/v1/decide`, { tool: 'scan' });
    assert.deepEqual([r.status, r.json['decision'], r.json['reasons']], [503, 'deny', ['wal_unavailable']]);
    assert.match((r.json['error'] as { message: string }).message, /ENOSPC/);
    rmSync(flag);
    assert.equal((await post(`${s.url}/v1/decide`, { tool: 'scan' })).json['decision'], 'allow');
  } finally {
    await s.stop();
  }
});

test('a missing or wrong token → 401 (deny body); /health needs none; /metrics shows the WAL flushes', async () => {
  const s = await serve(['--dev', '--policy', EXAMPLE_POLICY, '--state', state()]);
  try {
    for (const token of [null, 'not-the-token-0123456789']) {
      const r = await post(`${s.url}/v1/decide`, { tool: 'scan' }, token);
      assert.deepEqual([r.status, r.json['decision']], [401, 'deny']);
    }
    const h = await fetch(`${s.url}/health`);
    assert.equal(h.status, 200);
    assert.match(((await h.json()) as { warning: string }).warning, /DEV MODE/);
    assert.equal((await fetch(`${s.url}/metrics`)).status, 401);
    await post(`${s.url}/v1/decide`, { tool: 'scan' });
    const m = await (await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    // The WAL's flushes are measured through its fs seam.
    assert.match(m, /autonomy_wal_flush_duration_seconds_count [1-9]/);
    assert.match(m, /autonomy_wal_batch_size_count [1-9]/);
    assert.match(m, /autonomy_policy_active\{revision="dev-[0-9a-f]{12}"/);
  } finally {
    await s.stop();
  }
});

test('refusals at startup: unsigned directory without --dev, non-loopback without --allow-remote', () => {
  const r1 = spawnSync(process.execPath, [BIN, 'serve', '--policy', EXAMPLE_POLICY, '--state', state(), '--addr', '127.0.0.1:0'], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(r1.status, 2);
  assert.match(r1.stderr, /needs --dev/);
  const r2 = spawnSync(process.execPath, [BIN, 'serve', '--dev', '--policy', EXAMPLE_POLICY, '--state', state(), '--addr', '0.0.0.0:0'], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(r2.status, 2);
  assert.match(r2.stderr, /loopback only unless --allow-remote/);
  assert.doesNotMatch(r1.stderr + r2.stderr, /\n\s+at /);
});

test('INV-03: SIGKILL under load, restart: every decision a client received is in the WAL, verify passes', { timeout: 60_000 }, async () => {
  const dir = state();
  const s = await serve(['--dev', '--policy', EXAMPLE_POLICY, '--state', dir]);
  const client = spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'load-client.ts'), s.url, TOKEN, '32'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  client.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  // Kill once the client has a few hundred answers in hand, in the middle of the stream.
  const clientExited = new Promise((r) => client.once('exit', r));
  const answers = (): number => out.split('\n').length - 1;
  while (answers() < 300 && client.exitCode === null) await new Promise((r) => setTimeout(r, 5));
  s.proc.kill('SIGKILL');
  await clientExited;
  const received = out.trim().split('\n').map((l) => l.split(' ')).filter((p) => p.length === 4);
  assert.ok(received.length >= 300, `only ${received.length} answers`);

  // Restart on the same state: recovery cuts any torn tail (never acknowledged), then stop.
  const again = await serve(['--dev', '--policy', EXAMPLE_POLICY, '--state', dir]);
  assert.equal(await again.stop(), 0, again.stderr());

  const inWal = new Map<string, { seq: number; hash: string }>();
  await readRecords(walDir(dir), (r) => {
    if (r.decision_id) inWal.set(r.decision_id, { seq: r.seq, hash: r.hash });
  });
  for (const [id, seq, hash] of received) assert.deepEqual(inWal.get(id!), { seq: Number(seq), hash }, `decision ${id} seq ${seq}`);
  const v = spawnSync(process.execPath, [BIN, 'audit', 'verify', '--state', dir], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /^ok: /);
});

test('SIGHUP re-reads the policy; an edit that does not compile is refused and the previous policy stays', async () => {
  const dir = policyDir('allow := true');
  const s = await serve(['--dev', '--policy', dir, '--state', state()]);
  const revision = async (): Promise<string> => ((await (await fetch(`${s.url}/health`)).json()) as { policy: { revision: string } }).policy.revision;
  const waitFor = async (re: RegExp): Promise<void> => {
    for (let i = 0; i < 200 && !re.test(s.stderr()); i++) await new Promise((r) => setTimeout(r, 25));
    assert.match(s.stderr(), re);
  };
  try {
    const first = await revision();
    assert.equal((await post(`${s.url}/v1/decide`, { tool: 't' })).json['decision'], 'allow');
    writeFileSync(join(dir, 'p.rego'), 'package autonomy.authz\nallow := false\n');
    s.proc.kill('SIGHUP');
    await waitFor(/policy reloaded/);
    assert.notEqual(await revision(), first);
    assert.equal((await post(`${s.url}/v1/decide`, { tool: 't' })).json['decision'], 'deny');
    const second = await revision();
    writeFileSync(join(dir, 'p.rego'), 'package autonomy.authz\nallow := \n');
    s.proc.kill('SIGHUP');
    await waitFor(/reload failed, keeping the previous one/);
    assert.equal(await revision(), second);
  } finally {
    await s.stop();
  }
});
