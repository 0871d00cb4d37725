import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { generateKeyPair, loadPrivateKey, loadPublicKey, sign, verify, keyId, writeKeyPair, loadOrCreateKey, publicPemOf } from '../../src/common/ed25519.ts';
import { AutonomyError } from '../../src/common/errors.ts';

test('sign/verify round trip; a changed byte or another key fails', () => {
  const a = generateKeyPair();
  const b = generateKeyPair();
  const data = Buffer.from('segment bytes');
  const sig = sign(loadPrivateKey(a.privatePem), data);
  assert.equal(verify(loadPublicKey(a.publicPem), data, sig), true);
  assert.equal(verify(loadPublicKey(b.publicPem), data, sig), false);
  assert.equal(verify(loadPublicKey(a.publicPem), Buffer.from('segment bytez'), sig), false);
  assert.equal(verify(loadPublicKey(a.publicPem), data, Buffer.from('short')), false);
});

test('keys are checked for type and format with coded errors', () => {
  assert.throws(() => loadPrivateKey('nonsense'), (e: unknown) => e instanceof AutonomyError && e.code === 'key_invalid');
  assert.throws(() => loadPublicKey('nonsense'), (e: unknown) => e instanceof AutonomyError && e.code === 'key_invalid');
});

test('writeKeyPair: private key 0600, never overwritten; loadOrCreateKey is stable; keyId is stable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keys-'));
  try {
    const k1 = loadOrCreateKey(join(dir, 'state'), 'node');
    assert.equal(statSync(join(dir, 'state', 'node.key')).mode & 0o777, 0o600);
    const k2 = loadOrCreateKey(join(dir, 'state'), 'node');
    assert.equal(keyId(loadPublicKey(publicPemOf(k1))), keyId(loadPublicKey(publicPemOf(k2))));
    assert.match(keyId(loadPublicKey(publicPemOf(k1))), /^[0-9a-f]{16}$/);
    assert.throws(() => writeKeyPair(join(dir, 'state'), 'node'), (e: unknown) => e instanceof AutonomyError && e.code === 'key_exists');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
