import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRedaction } from '../../../src/adk/audit/redact.ts';
import { canonicalJson } from '../../../src/adk/audit/canonical.ts';
import { sha256Hex } from '../../../src/common/hash.ts';
import { AutonomyError } from '../../../src/common/errors.ts';

const args = { user: 'ann', password: 'hunter2', headers: { auth: 'tok', accept: 'json' }, items: [{ secret: 1, id: 'a' }, { secret: 2, id: 'b' }] };

test('no rule, or only full rules, is the identity fast path', () => {
  assert.equal(compileRedaction(undefined), null);
  assert.equal(compileRedaction({ paths: { user: 'full' } }), null);
});

test('full, hashed and omitted per path, with wildcards; the most specific rule wins', () => {
  const r = compileRedaction({ paths: { password: 'omitted', 'headers.auth': 'hashed', 'items.*.secret': 'omitted', 'headers.*': 'omitted', 'headers.accept': 'full' } })!;
  assert.deepEqual(r(args), {
    user: 'ann',
    headers: { auth: `sha256:${sha256Hex(canonicalJson('tok'))}`, accept: 'json' },
    items: [{ id: 'a' }, { id: 'b' }],
  });
});

test('a default applies to every leaf no rule covers; a rule on an object covers its subtree', () => {
  const r = compileRedaction({ default: 'hashed', paths: { user: 'full', headers: 'omitted' } })!;
  const out = r(args);
  assert.equal(out['user'], 'ann');
  assert.equal(out['headers'], undefined);
  assert.equal(out['password'], `sha256:${sha256Hex('"hunter2"')}`);
  assert.match(String((out['items'] as Record<string, unknown>[])[0]!['secret']), /^sha256:[0-9a-f]{64}$/);
});

test('bad modes and paths are configuration errors', () => {
  assert.throws(() => compileRedaction({ paths: { a: 'hide' as 'full' } }), (e: unknown) => e instanceof AutonomyError && e.code === 'wal_bad_config');
  assert.throws(() => compileRedaction({ paths: { 'a..b': 'omitted' } }), (e: unknown) => e instanceof AutonomyError && e.code === 'wal_bad_config');
  assert.throws(() => compileRedaction({ default: 'nope' as 'full' }), (e: unknown) => e instanceof AutonomyError && e.code === 'wal_bad_config');
});
