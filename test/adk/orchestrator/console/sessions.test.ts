// Operators, console sessions, CSRF and the console's pages over real HTTP (in-process servers).
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { AdminClient, newAdminToken, startOrchestrator, type Orchestrator } from '../../../../src/adk/orchestrator/index.ts';
import type { AdminEvent } from '../../../../src/adk/orchestrator/types.ts';
import { orchestrator, simFleet, STORE_KINDS, until } from '../helpers.ts';
import { csrfOf, login } from './helpers.ts';

const PASSWORD = 'correct horse battery staple';

async function start(db: string, token: string, now?: () => number): Promise<Orchestrator> {
  const o = await startOrchestrator({ db, adminToken: token, tickMs: 0, log: () => undefined, ...(now && { now }) });
  after(() => o.close());
  return o;
}

for (const kind of STORE_KINDS) {
  describe(`console sessions: ${kind.name}`, { skip: kind.skip }, () => {
    test('a session opened on one replica works on another; cookie writes need the CSRF token and this origin; the admin log names the operator', async () => {
      const db = await kind.db();
      const token = newAdminToken();
      const [a, b] = [await start(db, token), await start(db, token)];
      const admin = new AdminClient(a.url, token);
      assert.deepEqual(await admin.json('POST', '/v1/admin/operators', { name: 'alice', role: 'admin', password: PASSWORD }), { name: 'alice', role: 'admin' });
      const s = await login(a.url, 'alice', PASSWORD);
      assert.equal(s.status, 303);
      assert.equal(s.location, '/console/audit?node=a');
      assert.match(s.setCookie, /^autonomy_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/, 'no Secure over plain HTTP');
      assert.match((await login(a.url, 'alice', PASSWORD, { 'x-forwarded-proto': 'https' })).setCookie, /; Secure$/);
      const cookie = s.cookie!;
      assert.equal((await fetch(`${b.url}/v1/admin/nodes`, { headers: { cookie } })).status, 200, 'replica b accepts a session replica a opened');

      const csrf = await csrfOf(b.url, cookie);
      const post = (headers: Record<string, string>): Promise<Response> => fetch(`${b.url}/v1/admin/tokens`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body: '{}' });
      const code = async (r: Response): Promise<[number, string]> => [r.status, ((await r.json()) as { error?: { code: string } }).error?.code ?? 'ok'];
      assert.deepEqual(await code(await post({ 'x-csrf-token': csrf })), [403, 'csrf_failed'], 'no Origin');
      assert.deepEqual(await code(await post({ origin: b.url })), [403, 'csrf_failed'], 'no CSRF token');
      assert.deepEqual(await code(await post({ origin: b.url, 'x-csrf-token': `${csrf}x` })), [403, 'csrf_failed'], 'wrong CSRF token');
      assert.deepEqual(await code(await post({ origin: 'http://evil.example', 'x-csrf-token': csrf })), [403, 'csrf_failed'], 'another origin');
      assert.deepEqual(await code(await post({ origin: b.url, 'x-csrf-token': csrf })), [201, 'ok']);
      const events = await admin.json<AdminEvent[]>('GET', '/v1/admin/events');
      assert.deepEqual(events.filter((e) => e.actor === 'operator:alice').map((e) => e.action), ['operator.login', 'operator.login', 'token.create']);

      // Sign out needs the token too; then the cookie is worth nothing on any replica.
      const out = (body: Record<string, string>): Promise<Response> => fetch(`${a.url}/console/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, origin: a.url, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body) });
      assert.equal((await out({})).status, 403);
      const done = await out({ csrf });
      assert.equal(done.status, 303);
      assert.match(done.headers.get('set-cookie')!, /^autonomy_session=; .*Max-Age=0/);
      assert.equal((await fetch(`${b.url}/v1/admin/nodes`, { headers: { cookie } })).status, 401);
    });
  });
}

test('viewers read but change nothing; operator API tokens authenticate the CLI; removing an operator revokes its token and sessions', async () => {
  const { orch, admin } = await orchestrator();
  await assert.rejects(admin.json('POST', '/v1/admin/operators', { name: 'Bad Name', role: 'admin', password: PASSWORD }), { code: 'bad_request' });
  await assert.rejects(admin.json('POST', '/v1/admin/operators', { name: 'x', role: 'root', password: PASSWORD }), { code: 'bad_request' });
  await assert.rejects(admin.json('POST', '/v1/admin/operators', { name: 'x', role: 'admin', password: 'short' }), { code: 'bad_request' });
  await admin.json('POST', '/v1/admin/operators', { name: 'vera', role: 'viewer', password: PASSWORD });
  await assert.rejects(admin.json('POST', '/v1/admin/operators', { name: 'vera', role: 'viewer', password: PASSWORD }), { code: 'operator_exists' });
  const { token } = await admin.json<{ token: string }>('POST', '/v1/admin/operators/vera/token');
  assert.match(token, /^op_[\w-]{43}$/);
  const vera = new AdminClient(orch.url, token);
  assert.deepEqual(await vera.json('GET', '/v1/admin/nodes'), []);
  await assert.rejects(vera.json('POST', '/v1/admin/tokens', {}), { code: 'forbidden' });
  const s = await login(orch.url, 'vera', PASSWORD);
  const page = await (await fetch(`${orch.url}/console/rollouts`, { headers: { cookie: s.cookie! } })).text();
  assert.match(page, /Signed in as <a href="\/console\/account"><strong>vera<\/strong><\/a> \(viewer\)/);
  assert.doesNotMatch(page, /\/console\/operators/, 'viewers get no link to the operators page');
  assert.equal((await fetch(`${orch.url}/console/operators`, { headers: { cookie: s.cookie! } })).status, 403);
  assert.equal((await fetch(`${orch.url}/console/operators/live`, { headers: { cookie: s.cookie! } })).status, 403);
  assert.doesNotMatch(page, /Start a rollout/, 'viewers see no actions');
  const list = await admin.json<{ name: string; role: string; has_token: boolean }[]>('GET', '/v1/admin/operators');
  assert.deepEqual(list.map((o) => [o.name, o.role, o.has_token]), [['vera', 'viewer', true]]);
  assert.ok(!JSON.stringify(list).includes('scrypt'), 'no password hash leaves the server');

  await admin.json('DELETE', '/v1/admin/operators/vera');
  await assert.rejects(vera.json('GET', '/v1/admin/nodes'), { code: 'unauthorized' });
  assert.equal((await fetch(`${orch.url}/v1/admin/nodes`, { headers: { cookie: s.cookie! } })).status, 401);
  await assert.rejects(admin.json('DELETE', '/v1/admin/operators/vera'), { code: 'operator_not_found' });
  const actions = (await admin.json<AdminEvent[]>('GET', '/v1/admin/events')).map((e) => `${e.actor} ${e.action}`);
  assert.deepEqual(actions, ['admin:test operator.add', 'admin:test operator.token', 'operator:vera operator.login', 'admin:test operator.remove']);
});

test('failed logins back off per operator name and per client; sessions end when idle and at their end', async () => {
  const clock = { t: Date.now() };
  const token = newAdminToken();
  const { orch } = await orchestrator(STORE_KINDS[0], { adminToken: token, now: () => clock.t, tickMs: 0 });
  const admin = new AdminClient(orch.url, token);
  await admin.json('POST', '/v1/admin/operators', { name: 'alice', role: 'admin', password: PASSWORD });
  for (let i = 0; i < 5; i++) assert.equal((await login(orch.url, 'alice', 'wrong password!')).status, 401);
  const throttled = await login(orch.url, 'alice', PASSWORD);
  assert.equal(throttled.status, 429, 'even the right password waits');
  assert.match(throttled.body, /too many failed logins; try again in 1 s/);
  clock.t += 1_000;
  const s = await login(orch.url, 'alice', PASSWORD);
  assert.equal(s.status, 303);
  // Unknown names count too (per client address), so guessing names is throttled as well.
  for (let i = 0; i < 6; i++) await login(orch.url, `nobody${i}`, 'wrong password!');
  assert.equal((await login(orch.url, 'alice', PASSWORD)).status, 429);
  clock.t += 60_000;

  const get = (): Promise<number> => fetch(`${orch.url}/console/fleet`, { redirect: 'manual', headers: { cookie: s.cookie! } }).then((r) => r.status);
  assert.equal(await get(), 200);
  clock.t += 3_600_000 - 1;
  assert.equal(await get(), 200, 'a request refreshes the idle timer');
  clock.t += 3_600_000 - 1;
  assert.equal(await get(), 200);
  clock.t += 12 * 3_600_000;
  assert.equal(await get(), 303, 'past its end: back to the sign-in page');
});

test('pages: security headers, sign-in redirect with a safe next, nothing secret in the page, node-supplied text escaped', async () => {
  const { orch, admin, token } = await orchestrator();
  await admin.json('POST', '/v1/admin/operators', { name: 'alice', role: 'admin', password: PASSWORD });
  const res = await fetch(`${orch.url}/console/rollouts?x=1`, { redirect: 'manual' });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/console/login?next=%2Fconsole%2Frollouts%3Fx%3D1');
  assert.equal((await fetch(`${orch.url}/`, { redirect: 'manual' })).headers.get('location'), '/console/fleet');
  const loginPage = await fetch(`${orch.url}/console/login?next=//evil.example/`);
  assert.match(await loginPage.text(), /name="next" value="\/console\/fleet"/, 'an outside next is replaced');
  for (const [h, v] of Object.entries({
    'content-security-policy': /default-src 'none'; script-src 'self'; style-src 'self'.*frame-ancestors 'none'/,
    'x-frame-options': /^DENY$/, 'x-content-type-options': /^nosniff$/, 'cache-control': /^no-store$/,
  })) assert.match(loginPage.headers.get(h) ?? '', v, h);
  assert.equal((await fetch(`${orch.url}/console/login`, { method: 'POST', headers: { origin: 'http://evil.example' }, body: 'name=alice' })).status, 403, 'login CSRF');

  // A node reports an activation error full of markup; the fleet page shows it as text.
  await simFleet(orch.url, admin, 1, { env: 'prod' }, { activate: () => { throw new Error('<script>alert(1)</script>'); } });
  await admin.send('POST', '/v1/admin/bundles?revision=v1', Buffer.from('bundle'));
  await admin.json('POST', '/v1/admin/rollouts', { revision: 'v1', selector: {}, phases: '100%', max_failures: 1 });
  await until('node failed', async () => (await admin.json<{ state: string }[]>('GET', '/v1/admin/nodes'))[0]!.state === 'failed');
  const s = await login(orch.url, 'alice', PASSWORD);
  const page = await (await fetch(`${orch.url}/console/fleet/live?status=failed`, { headers: { cookie: s.cookie! } })).text();
  assert.match(page, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.doesNotMatch(page, /<script>alert/);
  const full = await (await fetch(`${orch.url}/console/fleet`, { headers: { cookie: s.cookie! } })).text();
  assert.ok(!full.includes(token) && !full.includes(s.cookie!.split('=')[1]!), 'neither the admin token nor the session id is in the page');
  assert.doesNotMatch(full, /<script>(?!<\/script>)|<style|style="| on\w+="/, 'no inline script, style or handler');
  assert.equal((await fetch(`${orch.url}/console/rollouts/r-nope`, { headers: { cookie: s.cookie! } })).status, 404);
  assert.equal((await fetch(`${orch.url}/console/fleet/live`)).status, 401, 'a signed-out live region gets 401, not a page');
  const asset = await fetch(`${orch.url}/console/assets/uPlot.iife.min.js`);
  assert.equal(asset.status, 200);
  assert.match(asset.headers.get('content-type')!, /^text\/javascript/);
  assert.equal((await fetch(`${orch.url}/console/assets/..%2Fhtml.ts`)).status, 404);
});

test('failed logins sent all at once are throttled like ones sent in turn (no parallel bypass of the backoff)', async () => {
  const clock = { t: Date.now() };
  const token = newAdminToken();
  const { orch } = await orchestrator(STORE_KINDS[0], { adminToken: token, now: () => clock.t, tickMs: 0 });
  await new AdminClient(orch.url, token).json('POST', '/v1/admin/operators', { name: 'alice', role: 'admin', password: PASSWORD });
  const statuses = (await Promise.all(Array.from({ length: 20 }, () => login(orch.url, 'alice', 'wrong password!')))).map((r) => r.status);
  assert.equal(statuses.filter((s) => s === 401).length, 5, `only the free failures try a password: ${statuses.join(' ')}`);
  assert.equal(statuses.filter((s) => s === 429).length, 15);
});

test('a malformed escape in a console path is the client\'s error (400), not a 500 in the server log', async () => {
  const token = newAdminToken();
  const logs: string[] = [];
  const { orch } = await orchestrator(STORE_KINDS[0], { adminToken: token, tickMs: 0 });
  await new AdminClient(orch.url, token).json('POST', '/v1/admin/operators', { name: 'alice', role: 'viewer', password: PASSWORD });
  const { cookie } = await login(orch.url, 'alice', PASSWORD);
  const stderr = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (logs.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    for (const path of ['/console/rollouts/%E0%A4%A', '/console/rollouts/%E0%A4%A/live']) {
      const res = await fetch(`${orch.url}${path}`, { headers: { cookie: cookie! } });
      assert.equal(res.status, 400, path);
      assert.match(await res.text(), /is not a valid path segment/);
    }
  } finally {
    process.stderr.write = stderr;
  }
  assert.deepEqual(logs.filter((l) => l.includes('orchestrator console')), []);
});

test('another site cannot sign an operator out: logout checks the Origin even when no cookie came along', async () => {
  const { orch } = await orchestrator(STORE_KINDS[0], { tickMs: 0 });
  const out = (origin: string): Promise<Response> => fetch(`${orch.url}/console/logout`, { method: 'POST', redirect: 'manual', headers: { origin, 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
  const evil = await out('http://evil.example');
  assert.equal(evil.status, 403);
  assert.equal(evil.headers.get('set-cookie'), null);
  assert.equal((await out(orch.url)).status, 303);
});
