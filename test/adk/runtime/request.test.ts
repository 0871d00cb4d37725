import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBody, validateDecision, checkDepth } from '../../../src/adk/runtime/request.ts';
import { checkBearer } from '../../../src/adk/runtime/auth.ts';
import { checkExposure, isLoopback, parseAddr } from '../../../src/adk/runtime/config.ts';

test('a decision request needs a tool string and an args object', () => {
  assert.deepEqual(validateDecision({ tool: 'move', args: { speed: 1 } }), { tool: 'move', args: { speed: 1 } });
  assert.deepEqual(validateDecision({ tool: 'scan' }), { tool: 'scan', args: {} });
  assert.deepEqual(validateDecision({ tool: 'scan', agent: { id: 'r1' }, context: 1 }), { tool: 'scan', args: {}, agent: { id: 'r1' }, context: 1 });
  for (const bad of [null, [], 'x', {}, { tool: '' }, { tool: 1 }, { tool: 't', args: [] }, { tool: 't', args: 'x' }, { tool: 't', extra: 1 }, { tool: 'x'.repeat(300) }]) {
    assert.throws(() => validateDecision(bad), { code: 'bad_request' }, JSON.stringify(bad));
  }
});

test('bodies over the size or depth limit are refused before parsing', () => {
  assert.throws(() => parseBody('{"a":"' + 'x'.repeat(100) + '"}', { maxBytes: 50, maxDepth: 10 }), { code: 'bad_request', message: /over 50 bytes/ });
  assert.throws(() => parseBody('['.repeat(100000) + ']'.repeat(100000)), { code: 'bad_request', message: /deeper than 64/ });
  assert.throws(() => parseBody('{'), { code: 'bad_request', message: /not JSON/ });
  // Brackets inside strings do not count, escaped quotes do not end a string.
  checkDepth(JSON.stringify({ s: '[[[[[[[[[[\\"[[[[' }), 2);
});

test('bearer tokens are compared exactly', () => {
  assert.equal(checkBearer('Bearer secret-token-0123456789', 'secret-token-0123456789'), true);
  assert.equal(checkBearer('bearer secret-token-0123456789', 'secret-token-0123456789'), true);
  assert.equal(checkBearer('Bearer secret-token-012345678', 'secret-token-0123456789'), false);
  assert.equal(checkBearer('Basic secret-token-0123456789', 'secret-token-0123456789'), false);
  assert.equal(checkBearer(undefined, 'secret-token-0123456789'), false);
  assert.equal(checkBearer('Bearer ', 'secret-token-0123456789'), false);
});

test('loopback only, unless --allow-remote with a token', () => {
  assert.deepEqual(parseAddr('127.0.0.1:8181'), { host: '127.0.0.1', port: 8181 });
  assert.deepEqual(parseAddr('[::1]:0'), { host: '::1', port: 0 });
  assert.throws(() => parseAddr('8181'), { code: 'bad_config' });
  assert.throws(() => parseAddr('h:99999'), { code: 'bad_config' });
  for (const h of ['127.0.0.1', '127.9.9.9', '::1', 'localhost']) assert.equal(isLoopback(h), true, h);
  for (const h of ['0.0.0.0', '10.0.0.1', '::', 'example.com']) assert.equal(isLoopback(h), false, h);
  assert.throws(() => checkExposure({ host: '0.0.0.0', port: 1 }, { allowRemote: false, explicitToken: true }), /--allow-remote/);
  assert.throws(() => checkExposure({ host: '0.0.0.0', port: 1 }, { allowRemote: true, explicitToken: false }), /needs a token/);
  checkExposure({ host: '0.0.0.0', port: 1 }, { allowRemote: true, explicitToken: true });
});
