import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decisionSeries } from '../../../../src/adk/orchestrator/console/pages/audit.ts';
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
