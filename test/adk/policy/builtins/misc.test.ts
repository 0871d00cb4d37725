import { test } from 'node:test';
import assert from 'node:assert/strict';
import { all, call, context, err, js } from './ext-helpers.ts';
import { fromJS, makeSet, toJS } from '../../../../src/adk/policy/value.ts';

test('units.parse: SI, binary, scientific, exact big results', () => {
  assert.equal(js('units.parse', '10Ki'), 10240);
  assert.equal(js('units.parse', '"100TI"'), 109951162777600);
  assert.equal(js('units.parse', '1.1Ki'), 1126.4);
  assert.equal(js('units.parse', '10ei'), 11529215046068469760n);
  assert.equal(js('units.parse', '-3.5E2m'), -0.35);
  assert.equal(js('units.parse', '5E'), 5000000000000000000n);
  assert.equal(js('units.parse', '.0'), 0);
  assert.equal(round(js('units.parse', '100m') as number), 0.1);
  assert.equal(err('units.parse', '1 K'), 'eval_builtin_error: units.parse: units.parse: spaces not allowed in resource strings');
  assert.equal(err('units.parse', 'K'), 'eval_builtin_error: units.parse: units.parse: no amount provided');
  assert.equal(err('units.parse', '1x'), 'eval_builtin_error: units.parse: units.parse: unit x not recognized');
  assert.equal(err('units.parse', '1e1234567'), 'eval_builtin_error: units.parse: units.parse: exponent too large');
});

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

test('units.parse_bytes truncates and knows byte units', () => {
  assert.equal(js('units.parse_bytes', '1.1KiB'), 1126);
  assert.equal(js('units.parse_bytes', '5MB'), 5000000);
  assert.equal(js('units.parse_bytes', '"12GIB"'), 12884901888);
  assert.equal(err('units.parse_bytes', '12 MB'), 'eval_builtin_error: units.parse_bytes: units.parse_bytes: spaces not allowed in resource strings');
  assert.equal(err('units.parse_bytes', '1ZB'), 'eval_builtin_error: units.parse_bytes: units.parse_bytes: byte unit zb not recognized');
});

test('semver', () => {
  assert.equal(js('semver.compare', '2.0.0', '1.0.0'), 1);
  assert.equal(js('semver.compare', '1.2.3-0', '1.2.3-1'), -1);
  assert.equal(js('semver.compare', '1.2.3+01', '1.2.3+2'), 0);
  assert.equal(err('semver.compare', '1.2.3', '1.2.3-01'), 'eval_builtin_error: semver.compare: operand 2: string "1.2.3-01" is not a valid SemVer');
  assert.equal(js('semver.compare', '1.0.0-alpha', '1.0.0-alpha.1'), -1);
  assert.equal(js('semver.compare', '1.0.0-alpha.beta', '1.0.0-beta'), -1);
  assert.equal(js('semver.compare', '1.0.0-2', '1.0.0-11'), -1);
  assert.equal(js('semver.compare', 'v1.0.0+x', '1.0.0'), 0);
  assert.equal(js('semver.is_valid', '1.0'), false);
  for (const v of ['01.2.3', '1.02.3', '1.2.03', '1.2.3-01', '1.2.3-alpha.01', '1.2.3-', '1.2.3+']) assert.equal(js('semver.is_valid', v), false, v);
  for (const v of ['0.0.0', '1.2.3-0', '1.2.3-0a', '1.2.3+01', 'v1.0.0', '1.0.0-alpha-1']) assert.equal(js('semver.is_valid', v), true, v);
  assert.equal(js('semver.is_valid', 1), false);
  assert.equal(err('semver.compare', '1.0', '1.0.0'), 'eval_builtin_error: semver.compare: operand 1: string "1.0" is not a valid SemVer');
});

test('bits', () => {
  assert.equal(js('bits.lsh', 9223372036854775807n, 1), 18446744073709551614n);
  assert.equal(js('bits.negate', 42), -43);
  assert.equal(js('bits.xor', 42, 3), 41);
  assert.equal(err('bits.and', 7.2, 42), 'eval_type_error: bits.and: operand 1 must be integer number but got floating-point number');
});

test('uuid.parse decodes v1/v2 fields; rfc4122 is stable per query', () => {
  assert.deepEqual(js('uuid.parse', '00000000-0000-4000-8000-000000000000'), { variant: 'RFC4122', version: 4 });
  assert.deepEqual(js('uuid.parse', '000003e8-48b9-21ee-b200-325096b39f47'), {
    clocksequence: 12800, domain: 'Person', id: 1000, macvariables: 'local:unicast', nodeid: '32-50-96-b3-9f-47', time: 1693566990121469600n, variant: 'RFC4122', version: 2,
  });
  assert.equal(js('uuid.parse', 'nope'), undefined);
  const ctx = context();
  const a = call('uuid.rfc4122', ['k'], ctx);
  assert.equal(call('uuid.rfc4122', ['k'], ctx), a);
  assert.match(a as string, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('graph.reachable and reachable_paths', () => {
  const g = fromJS({ a: makeSet(['b', 'c']), b: makeSet(['d']), c: makeSet(['d']), d: makeSet([]), e: makeSet(['f']), f: makeSet(['e']) });
  assert.deepEqual(toJS(call('graph.reachable', [g, makeSet(['b', 'e'])])!), ['b', 'd', 'e', 'f']);
  assert.deepEqual(toJS(call('graph.reachable_paths', [g, makeSet(['b', 'e'])])!), [['b', 'd'], ['e', 'f']]);
  assert.equal(err('graph.reachable', {}, 'a'), 'eval_type_error: graph.reachable: operand 2 must be {array, set} but got string');
});

test('walk yields every path and value', () => {
  const rows = all('walk', [fromJS({ a: [1] })]).map(toJS);
  assert.deepEqual(rows, [[[], { a: [1] }], [['a'], [1]], [['a', 0], 1]]);
});

test('rand.intn is stable within a query; opa.runtime shows env', () => {
  const ctx = context({ env: { HOME: '/x' } });
  const r = call('rand.intn', ['k', 100], ctx);
  assert.equal(call('rand.intn', ['k', 100], ctx), r);
  assert.equal(call('rand.intn', ['k', 0], ctx), 0);
  assert.deepEqual(toJS(call('opa.runtime', [], ctx)!), { env: { HOME: '/x' } });
  assert.deepEqual(toJS(call('opa.runtime', [], context())!), {});
  assert.match(err('http.send', { method: 'get', url: 'https://example.com' }), /network access is disabled/);
});
