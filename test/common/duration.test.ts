import { test } from 'node:test';
import assert from 'node:assert/strict';
import { durationMs, parseDuration } from '../../src/common/duration.ts';

test('durations: units, fractions, bare milliseconds', () => {
  assert.equal(durationMs('250ms'), 250);
  assert.equal(durationMs('90s'), 90_000);
  assert.equal(durationMs('1.5m'), 90_000);
  assert.equal(durationMs(' 2h '), 7_200_000);
  assert.equal(durationMs('7d'), 604_800_000);
  assert.equal(durationMs('0'), 0);
  assert.equal(durationMs('400'), 400);
});

test('durations: anything else is not one', () => {
  for (const bad of ['', 'soon', '5 parsecs', '1.5', '-1s', '1w', 's', '1e3s', '99999999999999999999d']) assert.equal(durationMs(bad), undefined, bad);
  assert.throws(() => parseDuration('soon', '--tick'), { code: 'bad_duration', message: /--tick: "soon" is not a duration/ });
  assert.throws(() => parseDuration('x', '--max-age', 'usage_error'), { code: 'usage_error' });
});
