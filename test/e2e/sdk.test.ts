// Both SDKs against the real server, and against runtimes that misbehave: every failure is a deny.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { createClient, governed, PermissionDeniedError } from '../../src/index.ts';
import { EXAMPLE_POLICY, fakeServer, serve, tempDir, TOKEN, type Served } from './helpers.ts';

let srv: Served;
let state: ReturnType<typeof tempDir>;
const fakes: Awaited<ReturnType<typeof fakeServer>>[] = [];
const misbehaving: Record<string, string> = {};

before(async () => {
  state = tempDir();
  srv = await serve(['--policy', EXAMPLE_POLICY, '--dev', '--state', state.dir]);
  const garbage = await fakeServer((_q, s) => s.end('<html>not json</html>'));
  const hangs = await fakeServer(() => undefined);
  const error500 = await fakeServer((_q, s) => s.writeHead(500).end('{"oops":1}'));
  const allowNoWal = await fakeServer((_q, s) => s.end('{"decision":"allow","reasons":[],"decision_id":"x","policy":null,"wal":null}'));
  const closed = await fakeServer(() => undefined);
  await closed.close();
  fakes.push(garbage, hangs, error500, allowNoWal);
  Object.assign(misbehaving, { bad_json: garbage.url, timeout: hangs.url, http_500: error500.url, allow_without_wal: allowNoWal.url, refused: closed.url });
});
after(async () => {
  await srv.stop();
  for (const f of fakes) await f.close();
  state.remove();
});

// Only the hanging server tests the timeout, with a short one; every other case answers at once
// and gets a timeout no loaded machine reaches, so a slow answer cannot pass for another failure.
const SHORT_TIMEOUT_MS = 300;
const LONG_TIMEOUT_MS = 30_000;
const timeoutFor = (name: string): number => (name === 'timeout' ? SHORT_TIMEOUT_MS : LONG_TIMEOUT_MS);

const expected: Record<string, string> = {
  bad_json: 'runtime_bad_response',
  timeout: 'runtime_timeout',
  http_500: 'runtime_bad_response',
  allow_without_wal: 'runtime_bad_response',
  refused: 'runtime_unreachable',
};

test('TypeScript SDK: allow, deny with the policy reason, governed() throws on deny', async () => {
  const c = createClient({ url: srv.url, token: TOKEN, timeoutMs: LONG_TIMEOUT_MS });
  const a = await c.decide('move', { speed: 1 });
  assert.equal(a.allowed, true);
  assert.equal(typeof a.wal?.seq, 'number');
  const d = await c.decide('move', { speed: 3 });
  assert.equal(d.allowed, false);
  assert.match(d.reasons[0]!, /over the 2 m\/s limit/);
  const write = governed(c, 'write_file', async (a: { path: string }) => `wrote ${a.path}`);
  assert.equal(await write({ path: '/workspace/x' }), 'wrote /workspace/x');
  await assert.rejects(write({ path: '/etc/passwd' }), (e: unknown) => e instanceof PermissionDeniedError && /outside the workspace/.test(e.message));
});

test('TypeScript SDK: every failure to get an answer is a deny', async () => {
  assert.deepEqual((await createClient({ url: srv.url, token: 'wrong-token-0123456789', timeoutMs: LONG_TIMEOUT_MS }).decide('scan')).reasons, ['unauthorized']);
  assert.deepEqual((await createClient({ url: '', token: '' }).decide('scan')).reasons, ['runtime_not_configured']);
  for (const [name, url] of Object.entries(misbehaving)) {
    const d = await createClient({ url, token: TOKEN, timeoutMs: timeoutFor(name) }).decide('scan');
    assert.equal(d.allowed, false, name);
    assert.deepEqual(d.reasons, [expected[name]], name);
  }
});

test('Python SDK: the same cases through the stdlib client', async () => {
  const extra = Object.entries(misbehaving).map(([k, v]) => `${k}=${v}=${timeoutFor(k) / 1000}`);
  // Asynchronously: the misbehaving servers live in this process and must keep answering.
  const r = await promisify(execFile)('python3', [join(import.meta.dirname, 'fixtures', 'sdk_check.py'), srv.url, TOKEN, String(LONG_TIMEOUT_MS / 1000), ...extra], { encoding: 'utf8', timeout: 60_000 });
  const cases = new Map(r.stdout.trim().split('\n').map((l) => { const o = JSON.parse(l) as Record<string, unknown>; return [o['case'] as string, o]; }));
  assert.equal(cases.get('allow')!['allowed'], true);
  assert.equal(typeof (cases.get('allow')!['wal'] as { seq: number }).seq, 'number');
  assert.equal(cases.get('deny')!['allowed'], false);
  assert.match((cases.get('deny')!['reasons'] as string[])[0]!, /over the 2 m\/s limit/);
  assert.deepEqual(cases.get('wrong_token')!['reasons'], ['unauthorized']);
  assert.deepEqual(cases.get('not_configured')!['reasons'], ['runtime_not_configured']);
  for (const name of Object.keys(misbehaving)) {
    assert.equal(cases.get(name)!['allowed'], false, name);
    assert.deepEqual(cases.get(name)!['reasons'], [expected[name]], name);
  }
  assert.equal(cases.get('governed_allow')!['result'], 'wrote /workspace/a.txt');
  assert.equal(cases.get('governed_deny')!['raised'], true);
  assert.match(cases.get('governed_deny')!['message'] as string, /outside the workspace/);
});
