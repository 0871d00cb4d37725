import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resultLine, quantile } from '../../bench/lib/report.ts';

test('RESULT line carries the required fields and ratio = value / baseline_value', () => {
  const line = resultLine({ name: 'x', unit: 'us', value: 3, baseline: 'noop', baseline_value: 2, better: 'lower', p99: 9 });
  assert.ok(line.startsWith('RESULT {'));
  const json = JSON.parse(line.slice('RESULT '.length));
  assert.deepEqual(json, { name: 'x', unit: 'us', value: 3, baseline: 'noop', baseline_value: 2, ratio: 1.5, better: 'lower', p99: 9 });
});

test('quantile is nearest-rank on unsorted samples', () => {
  const s = [5, 1, 4, 2, 3];
  assert.equal(quantile(s, 0.5), 3);
  assert.equal(quantile(s, 0.99), 5);
  assert.equal(quantile(s, 0), 1);
  assert.ok(Number.isNaN(quantile([], 0.5)));
});
