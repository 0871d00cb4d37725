// The operators page (admins only) and the account page: roles, CSRF and Origin on every write,
// the admin log naming who did what, last sign-in, and one-time secrets never rendered by a page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AdminEvent } from '../../../../src/adk/orchestrator/types.ts';
import { orchestrator } from '../helpers.ts';
import { csrfOf, login } from './helpers.ts';

const PASSWORD = 'correct horse battery staple';

test('operators page: admins add (password once), issue tokens (once), remove; CSRF and Origin checked; viewers locked out; all in the admin log', async () => {
  const { orch, admin } = await orchestrator();
  await admin.json('POST', '/v1/admin/operators', { name: 'alice', role: 'admin', password: PASSWORD });
  await admin.json('POST', '/v1/admin/operators', { name: 'vera', role: 'viewer', password: PASSWORD });
  const { cookie } = await login(orch.url, 'alice', PASSWORD);
  const csrf = await csrfOf(orch.url, cookie!);
  const page = async (path = '/console/operators'): Promise<string> => (await fetch(`${orch.url}${path}`, { headers: { cookie: cookie! } })).text();
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = { origin: orch.url, 'x-csrf-token': csrf }): Promise<Response> =>
    fetch(`${orch.url}${path}`, { method, headers: { cookie: cookie!, 'content-type': 'application/json', ...headers }, ...(body !== undefined && { body: JSON.stringify(body) }) });

  const before = await page();
  assert.match(before, /<a href="\/console\/operators" aria-current="page">Operators<\/a>/);
  assert.match(before, /<code>alice<\/code> <small class="muted">\(you\)<\/small>/);
  assert.match(before, /<code>vera<\/code><\/th>\n<td><span class="badge badge-viewer">viewer<\/span><\/td>\n<td><span class="muted">none<\/span><\/td>\n<td><time[^>]*>[^<]+<\/time><\/td>\n<td><span class="muted">never<\/span><\/td>/, 'vera: viewer, no token, never signed in');
  assert.match(before, /<code>alice<\/code>.*?<\/th>\n<td><span class="badge badge-admin">admin<\/span><\/td>\n<td><span class="muted">none<\/span><\/td>\n<td><time[^>]*>[^<]+<\/time><\/td>\n<td><time/, 'alice signed in: her last sign-in is shown');
  assert.match(before, /data-action="\/v1\/admin\/operators\/vera" data-method="DELETE"/);
  assert.match(before, /data-confirm="Remove operator vera\?/, 'removal passes the confirmation step');

  // Writes from the page are admin API calls: without the CSRF token or from elsewhere, refused.
  for (const headers of [{ origin: orch.url }, { 'x-csrf-token': csrf }, { origin: 'http://evil.example', 'x-csrf-token': csrf }]) {
    const r = await call('POST', '/v1/admin/operators', { name: 'mallory', role: 'admin' }, headers);
    assert.equal(r.status, 403);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'csrf_failed');
  }
  const added = await call('POST', '/v1/admin/operators', { name: 'bob', role: 'viewer' });
  assert.equal(added.status, 201);
  const { password } = (await added.json()) as { password: string };
  assert.match(password, /^[\w-]{24}$/, 'a generated password, in the answer');
  const issued = await call('POST', '/v1/admin/operators/bob/token');
  const { token } = (await issued.json()) as { token: string };
  assert.match(token, /^op_/);
  assert.equal((await login(orch.url, 'bob', password)).status, 303, 'the generated password signs in');

  for (const path of ['/console/operators', '/console/operators/live', '/console/fleet', '/console/account']) {
    const text = await page(path);
    assert.ok(!text.includes(password) && !text.includes(token), `${path} never renders a one-time secret`);
  }
  const live = await page('/console/operators/live');
  assert.match(live, /<code>bob<\/code><\/th>\n<td><span class="badge badge-viewer">viewer<\/span><\/td>\n<td>issued<\/td>\n<td><time[^>]*>[^<]+<\/time><\/td>\n<td><time/, 'bob: token issued, signed in');

  assert.equal((await call('DELETE', '/v1/admin/operators/bob', undefined, { origin: orch.url })).status, 403, 'removal needs the CSRF token');
  assert.equal((await call('DELETE', '/v1/admin/operators/bob')).status, 200);
  assert.doesNotMatch(await page('/console/operators/live'), /bob/);

  // A viewer sees neither the page nor its link, and cannot use its API.
  const v = await login(orch.url, 'vera', PASSWORD);
  const vp = await (await fetch(`${orch.url}/console/fleet`, { headers: { cookie: v.cookie! } })).text();
  assert.doesNotMatch(vp, /\/console\/operators/);
  assert.equal((await fetch(`${orch.url}/console/operators`, { headers: { cookie: v.cookie! } })).status, 403);
  const vcsrf = await csrfOf(orch.url, v.cookie!);
  const vr = await fetch(`${orch.url}/v1/admin/operators`, { method: 'POST', headers: { cookie: v.cookie!, origin: orch.url, 'x-csrf-token': vcsrf, 'content-type': 'application/json' }, body: '{"name":"eve","role":"admin"}' });
  assert.equal(vr.status, 403);

  const actions = (await admin.json<AdminEvent[]>('GET', '/v1/admin/events')).filter((e) => e.actor === 'operator:alice').map((e) => `${e.action} ${String(e.detail['operator'])}`);
  assert.deepEqual(actions, ['operator.login alice', 'operator.add bob', 'operator.token bob', 'operator.remove bob']);
  assert.ok(!JSON.stringify(await admin.json('GET', '/v1/admin/events')).includes(password), 'no secret in the admin log');
});

test('account page: an operator changes its own password with the current one; other sessions end; wrong guesses are throttled', async () => {
  const { orch, admin } = await orchestrator();
  await admin.json('POST', '/v1/admin/operators', { name: 'vera', role: 'viewer', password: PASSWORD });
  const mine = (await login(orch.url, 'vera', PASSWORD)).cookie!;
  const other = (await login(orch.url, 'vera', PASSWORD)).cookie!;
  const csrf = await csrfOf(orch.url, mine);
  const NEW = 'a brand new passphrase';
  const change = (fields: Record<string, string>, headers: Record<string, string> = { origin: orch.url }): Promise<Response> =>
    fetch(`${orch.url}/console/account`, { method: 'POST', headers: { cookie: mine, 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams({ csrf, ...fields }) });

  assert.match(await (await fetch(`${orch.url}/console/account`, { headers: { cookie: mine } })).text(), /<label for="f-current">Current password<\/label>/);
  const signedOut = await fetch(`${orch.url}/console/account`, { method: 'POST', redirect: 'manual', headers: { origin: orch.url }, body: new URLSearchParams({ current: PASSWORD, password: NEW, repeat: NEW }) });
  assert.equal(signedOut.status, 303, 'signed out: to the sign-in page');
  assert.equal((await change({ current: PASSWORD, password: NEW, repeat: NEW }, { origin: 'http://evil.example' })).status, 403, 'Origin checked');
  assert.equal((await change({ csrf: 'nope', current: PASSWORD, password: NEW, repeat: NEW })).status, 403, 'CSRF checked');
  const differ = await change({ current: PASSWORD, password: NEW, repeat: `${NEW}!` });
  assert.equal(differ.status, 400);
  assert.match(await differ.text(), /the two new passwords differ/);
  const short = await change({ current: PASSWORD, password: 'short', repeat: 'short' });
  assert.equal(short.status, 400);
  assert.match(await short.text(), /at least 12 characters/);
  const wrong = await change({ current: 'not my password', password: NEW, repeat: NEW });
  assert.equal(wrong.status, 403);
  assert.match(await wrong.text(), /the current password is wrong/);

  const ok = await change({ current: PASSWORD, password: NEW, repeat: NEW });
  assert.equal(ok.status, 200);
  const okText = await ok.text();
  assert.match(okText, /Password changed/);
  assert.ok(!okText.includes(NEW), 'the password is not echoed');
  assert.equal((await fetch(`${orch.url}/console/fleet`, { redirect: 'manual', headers: { cookie: mine } })).status, 200, 'this session stays');
  assert.equal((await fetch(`${orch.url}/console/fleet`, { redirect: 'manual', headers: { cookie: other } })).status, 303, 'the other session ended');
  assert.equal((await login(orch.url, 'vera', PASSWORD)).status, 401);
  assert.equal((await login(orch.url, 'vera', NEW)).status, 303);
  const events = (await admin.json<AdminEvent[]>('GET', '/v1/admin/events')).map((e) => `${e.actor} ${e.action}`);
  assert.ok(events.includes('operator:vera operator.password'));

  // Wrong current passwords count like failed sign-ins.
  for (let i = 0; i < 5; i++) assert.equal((await change({ current: 'wrong guess!!', password: PASSWORD, repeat: PASSWORD })).status, 403);
  const throttled = await change({ current: NEW, password: PASSWORD, repeat: PASSWORD });
  assert.equal(throttled.status, 429);
  assert.match(await throttled.text(), /too many wrong passwords/);
});
