// The HTTP API in-process, over real loopback sockets: routes, status codes, auth, and an
// unmodified OPA client (@open-policy-agent/opa) speaking the Data API.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { OPAClient } from '@open-policy-agent/opa';
import { AutonomyError } from '../../../src/common/errors.ts';
import { compile } from '../../../src/adk/policy/index.ts';
import { MemoryLog } from '../../../src/adk/runtime/decision-log.ts';
import { staticPolicySource } from '../../../src/adk/runtime/policy-source.ts';
import { startRuntime, type Runtime } from '../../../src/adk/runtime/runtime.ts';

const TOKEN = 'test-token-0123456789abcdef';
const POLICY = `package autonomy.authz
default allow := false
allow if { input.tool in {"move", "scan"}; count(deny) == 0 }
deny contains "too fast" if { input.tool == "move"; input.args.speed > 2 }
`;

let rt: Runtime;
const log = new MemoryLog();

before(async () => {
  const policy = compile([{ file: 'p.rego', text: POLICY }]);
  rt = await startRuntime({
    policy: staticPolicySource({ policy, revision: 'rev-1', digest: 'abc', entrypoint: 'data.autonomy.authz', stale: false }),
    log,
    token: TOKEN,
    listen: { host: '127.0.0.1', port: 0 },
  });
});
after(() => rt.close());

async function call(method: string, path: string, body?: unknown, token: string | null = TOKEN): Promise<{ status: number; json: Record<string, unknown> | null; text: string }> {
  const headers: Record<string, string> = {};
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const r = await fetch(rt.url + path, init);
  const text = await r.text();
  let json: Record<string, unknown> | null = null;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON (metrics).
  }
  return { status: r.status, json, text };
}

test('POST /v1/decide answers in the contract shape', async () => {
  const r = await call('POST', '/v1/decide', { tool: 'move', args: { speed: 1 } });
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.json!).sort(), ['decision', 'decision_id', 'policy', 'reasons', 'wal']);
  assert.equal(r.json!['decision'], 'allow');
  assert.deepEqual(r.json!['policy'], { revision: 'rev-1', digest: 'abc' });
  const wal = r.json!['wal'] as { seq: number; hash: string };
  assert.equal(log.records.at(-1)!.seq, wal.seq);
  const d = await call('POST', '/v1/decide', { tool: 'move', args: { speed: 5 } });
  assert.equal(d.json!['decision'], 'deny');
  assert.deepEqual(d.json!['reasons'], ['too fast']);
});

test('a missing or wrong token is 401 on every endpoint but /health; on /v1/decide the body is a deny', async () => {
  for (const token of [null, 'wrong-token-0123456789abcdef', '']) {
    const r = await call('POST', '/v1/decide', { tool: 'scan' }, token);
    assert.equal(r.status, 401);
    assert.equal(r.json!['decision'], 'deny');
    for (const [m, p] of [['POST', '/v1/data/autonomy/authz'], ['GET', '/v1/data'], ['GET', '/v1/policy'], ['GET', '/metrics'], ['GET', '/nope']] as const) {
      assert.equal((await call(m, p, undefined, token)).status, 401, `${m} ${p}`);
    }
  }
  assert.equal((await call('GET', '/health', undefined, null)).status, 200);
});

test('a malformed request is a 4xx whose body is a recorded deny', async () => {
  for (const body of ['{', '[]', '{"tool": 3}', '{"tool":"scan","args":[]}', '{"tool":"scan","bogus":1}', '['.repeat(1000) + ']'.repeat(1000)]) {
    const before = log.records.length;
    const r = await call('POST', '/v1/decide', body);
    assert.equal(r.status, 400, body.slice(0, 40));
    assert.equal(r.json!['decision'], 'deny');
    assert.deepEqual(r.json!['reasons'], ['bad_request']);
    assert.equal(log.records.length, before + 1);
  }
  const big = await call('POST', '/v1/decide', JSON.stringify({ tool: 'scan', args: { x: 'y'.repeat(2 * 1024 * 1024) } }));
  assert.equal(big.status, 413);
  assert.equal(big.json!['decision'], 'deny');
  assert.equal((await call('GET', '/v1/decide')).status, 405);
});

test('the log failing is 503 and a deny, wal_unavailable', async () => {
  log.failWith = new AutonomyError('wal_io', 'ENOSPC');
  try {
    const r = await call('POST', '/v1/decide', { tool: 'scan' });
    assert.equal(r.status, 503);
    assert.deepEqual(r.json!['reasons'], ['wal_unavailable']);
    const d = await call('POST', '/v1/data/autonomy/authz/allow', { input: { tool: 'scan' } });
    assert.equal(d.status, 503);
    assert.equal((d.json!['errors'] as { code: string }[])[0]!.code, 'wal_unavailable');
  } finally {
    log.failWith = null;
  }
});

test('Data API: OPA shapes for POST and GET, undefined omits result, errors in OPA form', async () => {
  const r = await call('POST', '/v1/data/autonomy/authz', { input: { tool: 'move', args: { speed: 3 } } });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json!['result'], { allow: false, deny: ['too fast'] });
  assert.equal(typeof r.json!['decision_id'], 'string');
  const g = await call('GET', `/v1/data/autonomy/authz/allow?input=${encodeURIComponent(JSON.stringify({ tool: 'scan' }))}`);
  assert.deepEqual(g.json!['result'], true);
  const u = await call('POST', '/v1/data/no/such/doc', { input: {} });
  assert.equal(u.status, 200);
  assert.deepEqual(Object.keys(u.json!), ['decision_id']);
  const bad = await call('POST', '/v1/data/autonomy', '{nope');
  assert.equal(bad.status, 400);
  assert.equal(bad.json!['code'], 'invalid_parameter');
  const empty = await call('POST', '/v1/data/autonomy/authz/allow', '');
  assert.equal(empty.json!['result'], false);
});

test('an unmodified OPA client (@open-policy-agent/opa) works against the Data API', async () => {
  const opa = new OPAClient(rt.url, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(await opa.evaluate('autonomy/authz/allow', { tool: 'scan', args: {} }), true);
  assert.equal(await opa.evaluate('autonomy/authz/allow', { tool: 'move', args: { speed: 9 } }), false);
  assert.deepEqual(await opa.evaluate('autonomy/authz', { tool: 'move', args: { speed: 9 } }), { allow: false, deny: ['too fast'] });
});

test('GET /v1/policy, /health and /metrics', async () => {
  const p = await call('GET', '/v1/policy');
  assert.deepEqual(p.json!['result'], { revision: 'rev-1', digest: 'abc', entrypoint: 'data.autonomy.authz', stale: false, signed: true });
  const h = await call('GET', '/health', undefined, null);
  assert.deepEqual(h.json, { status: 'ok', policy: { revision: 'rev-1', digest: 'abc' } });
  const m = await call('GET', '/metrics');
  assert.equal(m.status, 200);
  assert.match(m.text, /autonomy_decisions_total\{result="allow",reason="policy"\} \d+/);
  assert.match(m.text, /autonomy_decisions_total\{result="deny",reason="bad_request"\} \d+/);
  assert.match(m.text, /autonomy_decision_duration_seconds_bucket/);
  assert.match(m.text, /autonomy_policy_active\{revision="rev-1",digest="abc"\} 1/);
  assert.equal((await call('GET', '/nope')).status, 404);
});
