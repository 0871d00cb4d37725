import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, context, err, js } from './ext-helpers.ts';

const T0 = 1670006453141828752n;

test('time.format with zones, layouts and constants', () => {
  assert.equal(js('time.format', T0), '2022-12-02T18:40:53.141828752Z');
  assert.equal(js('time.format', [T0, 'Asia/Kolkata']), '2022-12-03T00:10:53.141828752+05:30');
  assert.equal(js('time.format', [T0, 'Asia/Kolkata', 'Mon Jan 02 15:04:05 -0700 2006']), 'Sat Dec 03 00:10:53 +0530 2022');
  assert.equal(js('time.format', [T0, 'Asia/Kolkata', 'RFC1123Z']), 'Sat, 03 Dec 2022 00:10:53 +0530');
  assert.equal(js('time.format', [T0, 'America/New_York', 'RFC1123']), 'Fri, 02 Dec 2022 13:40:53 EST');
  assert.equal(js('time.format', [T0, 'UTC', '3:04PM _2 Jan .000 ,999999']), '6:40PM  2 Dec .141 ,141828');
  assert.equal(err('time.format', 1.5829776e22), 'eval_builtin_error: time.format: timestamp too big');
  assert.equal(err('time.format', [T0, 'Nowhere/Zone']), 'eval_builtin_error: time.format: unknown time zone Nowhere/Zone');
});

test('time.date, clock, weekday, add_date, diff', () => {
  assert.deepEqual(js('time.date', 1517814000000000000n), [2018, 2, 5]);
  assert.deepEqual(js('time.clock', [1517832000000000000n, 'America/New_York']), [7, 0, 0]);
  assert.deepEqual(js('time.clock', 1582977600000000000n), [12, 0, 0]);
  assert.equal(js('time.weekday', 1518177600000000000n), 'Friday');
  assert.equal(js('time.add_date', 1582977600000000000n, 0, 1, 1), 1585569600000000000n);
  assert.equal(js('time.add_date', [1582977600000000000n, 'Europe/Paris'], 1, 0, 0), 1614600000000000000n);
  const p = (d: string) => call('time.parse_ns', ['2006-01-02', d]) as number | bigint;
  assert.deepEqual(js('time.diff', p('2020-02-02'), p('2020-03-01')), [0, 0, 28, 0, 0, 0]);
  assert.deepEqual(js('time.diff', p('2021-02-02'), p('2021-03-01')), [0, 0, 27, 0, 0, 0]);
  assert.deepEqual(js('time.diff', p('2004-02-29'), p('2005-03-01')), [1, 0, 1, 0, 0, 0]);
  assert.equal(err('time.date', 1582977600000000000000000n), 'eval_builtin_error: time.date: timestamp too big');
});

test('time.parse_ns, parse_rfc3339_ns and Go parse errors', () => {
  assert.equal(js('time.parse_rfc3339_ns', '2022-12-03T00:10:53.141828752+05:30'), T0);
  assert.equal(js('time.parse_rfc3339_ns', '1970-01-01T00:00:00Z'), 0);
  assert.equal(js('time.parse_ns', 'RFC1123Z', 'Sat, 03 Dec 2022 00:10:53 +0530'), 1670006453000000000n);
  assert.equal(js('time.parse_ns', 'Jan 2, 2006 at 3:04pm (MST)', 'Feb 3, 2013 at 7:54pm (PST)'), 1359921240000000000n);
  assert.equal(err('time.parse_rfc3339_ns', '2022-13-01T00:00:00Z'), 'eval_builtin_error: time.parse_rfc3339_ns: parsing time "2022-13-01T00:00:00Z": month out of range');
  assert.equal(err('time.parse_ns', '2006-01-02', '2020-02-30'), 'eval_builtin_error: time.parse_ns: parsing time "2020-02-30": day out of range');
  assert.equal(err('time.parse_ns', '2006-01-02', '2020-02-01x'), 'eval_builtin_error: time.parse_ns: parsing time "2020-02-01x": extra text: "x"');
  assert.equal(err('time.parse_ns', '2006-01-02', '20-02-01'), 'eval_builtin_error: time.parse_ns: parsing time "20-02-01" as "2006-01-02": cannot parse "20-02-01" as "2006"');
  assert.equal(err('time.parse_ns', '2006-01-02', '2020/02/01'), 'eval_builtin_error: time.parse_ns: parsing time "2020/02/01" as "2006-01-02": cannot parse "/02/01" as "-"');
});

test('time.parse_duration_ns', () => {
  assert.equal(js('time.parse_duration_ns', '100ms'), 100000000);
  assert.equal(js('time.parse_duration_ns', '1h2m3.5s'), 3723500000000);
  assert.equal(js('time.parse_duration_ns', '-1.5µs'), -1500);
  assert.equal(err('time.parse_duration_ns', '1'), 'eval_builtin_error: time.parse_duration_ns: time: missing unit in duration "1"');
  assert.equal(err('time.parse_duration_ns', '1x'), 'eval_builtin_error: time.parse_duration_ns: time: unknown unit "x" in duration "1x"');
  assert.equal(err('time.parse_duration_ns', 'x'), 'eval_builtin_error: time.parse_duration_ns: time: invalid duration "x"');
});

test('time.now_ns is the query time', () => {
  assert.equal(call('time.now_ns', [], context()), 1704067200000000000n);
});

test('instants at the edges of int64 nanoseconds', () => {
  assert.equal(js('time.parse_rfc3339_ns', '1677-09-21T00:12:43.145224192-00:00'), -9223372036854775808n);
  assert.equal(js('time.parse_rfc3339_ns', '2262-04-11T23:47:16.854775807-00:00'), 9223372036854775807n);
  assert.equal(js('time.parse_rfc3339_ns', '2017-06-02T19:00:00-07:00'), 1496455200000000000n);
  assert.match(err('time.parse_rfc3339_ns', '1677-09-21T00:12:43.145224191-00:00'), /time outside of valid range/);
  assert.match(err('time.parse_rfc3339_ns', '2262-04-11T23:47:16.854775808-00:00'), /time outside of valid range/);
  assert.match(err('time.weekday', 1582977600000000000000n), /timestamp too big/);
  assert.equal(js('time.add_date', 1585852421593912000n, 3, 9, 12), 1705257221593912000n);
  assert.match(err('time.add_date', 0, 2262, 1, 1), /time outside of valid range/);
});
