// The fleet table's paging: stable order, counts of the whole fleet, the live region polling
// only the page in view, and the audit page bounded on a large fleet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FLEET_PAGE_SIZE, pageOf } from '../../../../src/adk/orchestrator/console/pages/fleet.ts';
import { orchestrator, STORE_KINDS } from '../helpers.ts';
import { login } from './helpers.ts';

const PASSWORD = 'correct horse battery staple';

/** assert.match without printing a whole page when it fails. */
function has(text: string, re: RegExp, what = ''): void {
  assert.ok(re.test(text), `${what} expected ${re} in: ${text.slice(0, 3000)}`);
}

test('pageOf: the pages partition the rows in order, and any page number lands in range', () => {
  fc.assert(fc.property(fc.nat(350), fc.integer({ min: 1, max: 50 }), fc.integer({ min: -3, max: 400 }), (n, size, asked) => {
    const rows = Array.from({ length: n }, (_, i) => i);
    const first = pageOf(rows, 1, size);
    assert.equal(first.pages, Math.max(1, Math.ceil(n / size)));
    const all = Array.from({ length: first.pages }, (_, i) => pageOf(rows, i + 1, size).rows).flat();
    assert.deepEqual(all, rows);
    const p = pageOf(rows, asked, size);
    assert.ok(p.page >= 1 && p.page <= p.pages);
    assert.ok(p.rows.length <= size);
  }));
});

test('the fleet table shows one page of a large fleet, in id order, under counts of every node; the live region polls that page', async () => {
  const clock = { t: Date.now() };
  const { orch, admin } = await orchestrator(STORE_KINDS[0], { now: () => clock.t, tickMs: 0, offlineAfterMs: 30_000 });
  const N = 2 * FLEET_PAGE_SIZE + 30;
  // Enrolled straight into the store (the console reads the store): 30 long unseen (all env=lab), the rest just now.
  for (let i = 0; i < N; i++) {
    const at = i % 2 === 0 && i < 60 ? clock.t - 2 * 3_600_000 : clock.t;
    await orch.store.createToken({ hash: `h${i}`, labels: { env: i % 2 ? 'prod' : 'lab' }, createdAt: at, expiresAt: at + 3_600_000, usedAt: null, usedBy: null }, []);
    await orch.store.enroll(`h${i}`, { id: `node-${String(N - i).padStart(4, '0')}`, publicKey: 'pem' }, at, () => []);
  }
  await admin.json('POST', '/v1/admin/operators', { name: 'vera', role: 'viewer', password: PASSWORD });
  const { cookie } = await login(orch.url, 'vera', PASSWORD);
  const get = async (path: string): Promise<string> => {
    const res = await fetch(`${orch.url}${path}`, { headers: { cookie: cookie! } });
    assert.equal(res.status, 200, path);
    return res.text();
  };
  const ids = (page: string): string[] => [...page.matchAll(/<th scope="row"><code>(node-\d+)<\/code>/g)].map((m) => m[1]!);

  const p1 = await get('/console/fleet');
  has(p1, /230 nodes: <a href="\/console\/fleet\?status=stale">30 stale<\/a>, <a href="\/console\/fleet\?status=unmanaged">200 unmanaged<\/a>/);
  has(p1, /Showing 1–100 of 230 nodes/);
  has(p1, /Page 1 of 3/);
  has(p1, /data-live="\/console\/fleet\/live"/);
  assert.deepEqual(ids(p1), Array.from({ length: FLEET_PAGE_SIZE }, (_, i) => `node-${String(i + 1).padStart(4, '0')}`));
  has(p1, /<a href="\/console\/fleet\?page=2" rel="next">Next<\/a>/);

  const p3 = await get('/console/fleet?page=3');
  has(p3, /data-live="\/console\/fleet\/live\?page=3"/, 'the live region polls the page in view');
  assert.deepEqual(ids(p3), Array.from({ length: 30 }, (_, i) => `node-${String(201 + i).padStart(4, '0')}`));
  has(p3, /Showing 201–230 of 230 nodes/);
  const live3 = await get('/console/fleet/live?page=3');
  assert.deepEqual(ids(live3), ids(p3));
  assert.ok(!live3.includes('<html'), 'a fragment, not a page');

  assert.deepEqual(ids(await get('/console/fleet/live?page=99')), ids(p3), 'past the end: the last page');
  assert.deepEqual(ids(await get('/console/fleet/live?page=junk')), ids(p1), 'a bad page number: the first page');
  const all = [1, 2, 3].map((p) => get(`/console/fleet/live?page=${p}`));
  const seen = (await Promise.all(all)).flatMap(ids);
  assert.equal(new Set(seen).size, N, 'the pages cover every node once');

  // A status filter pages the nodes it selects; the summary still counts every node the selector matches.
  const stale = await get('/console/fleet/live?status=stale&selector=env%3Dlab');
  has(stale, /115 nodes: <a href="\/console\/fleet\?selector=env%3Dlab&amp;status=stale">30 stale<\/a>, <a[^>]*>85 unmanaged<\/a> · <a href="\/console\/fleet\?selector=env%3Dlab">show all<\/a>/);
  assert.equal(ids(stale).length, 30);
  assert.ok(!stale.includes('Page 1 of'), 'one page needs no pager');

  // The audit page on the same fleet lists a bounded number of nodes and types the node.
  const audit = await get('/console/audit');
  has(audit, /<input id="f-node" name="node"/);
  has(audit, /230 nodes: 0 flagged; showing the first 200/);
  assert.equal([...audit.matchAll(/<th scope="row"><code>node-/g)].length, 200);
});
