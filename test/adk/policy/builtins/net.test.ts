import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, context, err, js } from './ext-helpers.ts';
import { fromJS, makeSet, toJS } from '../../../../src/adk/policy/value.ts';

test('net.cidr_contains and cidr_intersects', () => {
  assert.equal(js('net.cidr_contains', '10.0.0.0/8', '10.1.0.0/24'), true);
  assert.equal(js('net.cidr_contains', '10.0.0.0/8', '10.1.2.3'), true);
  assert.equal(js('net.cidr_contains', '10.0.0.0/8', '11.1.2.3'), false);
  assert.equal(js('net.cidr_contains', '2001:4860:4860::8888/32', '2001:4860:4860:1234::8888/40'), true);
  assert.equal(js('net.cidr_contains', '10.0.0.0/8', '::ffff:10.0.0.1'), true);
  assert.equal(js('net.cidr_contains', '::/0', '10.0.0.1'), false);
  assert.equal(err('net.cidr_contains', 'not-a-cidr', '192.168.1.67'), 'eval_builtin_error: net.cidr_contains: invalid CIDR address: not-a-cidr');
  assert.equal(err('net.cidr_contains', '192.168.1.0/28', 'not-a-cidr'), 'eval_builtin_error: net.cidr_contains: not a valid textual representation of an IP address or CIDR: not-a-cidr');
  assert.equal(js('net.cidr_intersects', 'fd1e:5bfe:8af3:9ddc::/64', 'fd1e:5bfe:8af3:9ddc:1111::/72'), true);
  assert.equal(js('net.cidr_intersects', 'fd1e:5bfe:8af3:9ddc::/64', '2001:4860:4860::8888/32'), false);
  assert.equal(js('net.cidr_is_valid', '10.0.0.0/33'), false);
  assert.equal(js('net.cidr_is_valid', '01.0.0.0/8'), false);
});

test('net.cidr_contains_matches', () => {
  assert.deepEqual(js('net.cidr_contains_matches', ['1.1.2.0/24', '1.1.1.0/24'], ['1.1.1.1', '1.1.2.1']), [[0, 1], [1, 0]]);
  assert.deepEqual(js('net.cidr_contains_matches', [['1.1.2.0/24', 1], '1.1.1.0/24'], ['1.1.1.1', '1.1.2.1']), [[0, 1], [1, 0]]);
  assert.deepEqual(toJS(call('net.cidr_contains_matches', [makeSet(['1.1.1.0/24', '1.1.2.0/24']), makeSet(['1.1.1.1', '1.1.2.1'])])!), [['1.1.1.0/24', '1.1.1.1'], ['1.1.2.0/24', '1.1.2.1']]);
  assert.equal(err('net.cidr_contains_matches', ['1.1.1.0/24'], [1]), 'eval_builtin_error: net.cidr_contains_matches: operand 2: element must be string or non-empty array');
});

test('net.cidr_expand and cidr_merge', () => {
  assert.deepEqual(js('net.cidr_expand', '192.168.1.1/30'), ['192.168.1.0', '192.168.1.1', '192.168.1.2', '192.168.1.3']);
  assert.deepEqual(js('net.cidr_merge', ['2601:600:8a80:207e:a57d:7567:e2c9:e7b3/128', '2601:600:8a80:207e:a57d:7567:e2c9:e7b3/128']), ['2601:600:8a80:207e:a57d:7567:e2c9:e7b3/128']);
  assert.deepEqual(js('net.cidr_merge', ['2601:600:8a80:207e:a57d:7567:e2c9:e7b3/64', '2601:600:8a80:207e:a57d:7567:e2c9:e7b3/128']), ['2601:600:8a80:207e::/64']);
  assert.deepEqual(js('net.cidr_merge', ['192.0.128.0/24', '192.0.129.0/24']), ['192.0.128.0/23']);
  assert.deepEqual(js('net.cidr_merge', ['10.0.0.0/8', '10.1.0.0/16', '12.0.0.0/8']), ['10.0.0.0/8', '12.0.0.0/8']);
  assert.deepEqual(js('net.cidr_merge', ['192.0.128.0/24', '192.0.130.0/24', '192.0.129.0/24']), ['192.0.128.0/23', '192.0.130.0/24']);
  assert.deepEqual(call('net.cidr_merge', [fromJS(['1.2.3.4'])]) && js('net.cidr_merge', ['1.2.3.4']), ['1.2.3.4/8']);
  assert.equal(err('net.cidr_merge', ['2601:600:8a80:207e:a57d:7567:e2c9:e7b3']), 'eval_builtin_error: net.cidr_merge: IPv6 invalid: needs prefix length');
  assert.match(err('net.lookup_ip_addr', 'example.com'), /disabled/);
});

test('net.cidr_expand charges its size to the budget before building the set', () => {
  const charged: number[] = [];
  const budget = context({ charge: (n) => {
    charged.push(n);
    if (n > 1000) throw new Error('budget exceeded');
  } });
  assert.throws(() => call('net.cidr_expand', ['2001:db8::/64'], budget), /budget exceeded/);
  call('net.cidr_expand', ['10.0.0.0/30'], budget);
  assert.deepEqual(charged, [Number.MAX_SAFE_INTEGER, 4]);
});
