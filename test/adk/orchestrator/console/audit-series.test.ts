import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditPage, decisionSeries } from '../../../../src/adk/orchestrator/console/pages/audit.ts';
import type { OrchestratorService } from '../../../../src/adk/orchestrator/service.ts';
import type { StoredRecord } from '../../../../src/adk/orchestrator/types.ts';

const rec = (s: number, decision: string | null): StoredRecord => ({ node: 'n', seq: 1, time: `${BigInt(s) * 1_000_000_000n + 123n}`, kind: decision ? 'decision' : 'checkpoint', tool: 't', decision, hash: '', record: '{}' });

test('decision series: allows and denies per bucket, padded by an empty bucket each side; other records ignored', () => {
  assert.deepEqual(decisionSeries([]), { x: [], allow: [], deny: [], bucket: 60 });
  assert.deepEqual(decisionSeries([rec(1000, 'allow'), rec(1000, 'deny'), rec(1000, 'deny'), rec(1000, null)]), { x: [999, 1000, 1001], allow: [0, 1, 0], deny: [0, 2, 0], bucket: 1 });
  // Two hours apart: 300 s buckets (the smallest that keeps it within 60 buckets).
  const s = decisionSeries([rec(3600, 'allow'), rec(3 * 3600 - 1, 'deny')]);
  assert.equal(s.bucket, 300);
  assert.equal(s.x[0], 3600 - 300);
  assert.equal(s.allow[1], 1);
  assert.equal(s.deny.at(-2), 1);
  assert.equal(s.x.length, s.allow.length);
  assert.ok(s.x.length <= 62);
});

test('decision series: node-supplied times far apart (or absurdly large) still give at most ~62 buckets', () => {
  // A node writes its records' times; one decades away from the rest, or hundreds of digits
  // long, must not make the audit page allocate a bucket per week in between.
  const far = (time: string, decision: string): StoredRecord => ({ ...rec(0, decision), time });
  for (const t of [`${10n ** 19n}`, '9'.repeat(40), '9'.repeat(400)]) {
    const s = decisionSeries([rec(1000, 'allow'), far(t, 'deny')]);
    assert.ok(s.x.length <= 62, `${t.length} digits: ${s.x.length} buckets`);
    assert.equal(s.allow.reduce((a, b) => a + b, 0) + s.deny.reduce((a, b) => a + b, 0), 2, `${t.length} digits: every decision counted`);
    assert.ok(s.x.every(Number.isFinite));
  }
});

test('audit page: a record whose time no date can hold is shown as written, not a 500', async () => {
  const rows = [rec(1000, 'allow'), { ...rec(0, 'deny'), time: '9'.repeat(40) }];
  const svc = { listNodes: async () => [], queryAudit: async () => rows } as unknown as OrchestratorService;
  const page = await auditPage(svc, new URLSearchParams());
  assert.match(page.body.text, new RegExp(`<code>${'9'.repeat(40)}</code>`));
  assert.match(page.body.text, /<time datetime="1970-01-01T00:16:40.000Z">/);
});
