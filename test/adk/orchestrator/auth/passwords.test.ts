import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generatePassword, hashPassword, MIN_PASSWORD, verifyPassword } from '../../../../src/adk/orchestrator/auth/passwords.ts';

test('scrypt hashes: salted, verify the right password only, refuse short passwords and malformed hashes', async () => {
  const h = await hashPassword('correct horse battery');
  assert.match(h, /^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
  assert.notEqual(await hashPassword('correct horse battery'), h, 'a fresh salt every time');
  assert.equal(await verifyPassword('correct horse battery', h), true);
  assert.equal(await verifyPassword('correct horse batterY', h), false);
  assert.equal(await verifyPassword('correct horse battery', 'plain'), false);
  await assert.rejects(hashPassword('x'.repeat(MIN_PASSWORD - 1)), { code: 'bad_request' });
  assert.ok(generatePassword().length >= MIN_PASSWORD);
});
