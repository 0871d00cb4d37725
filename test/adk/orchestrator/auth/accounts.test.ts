// Password checks against the store: the backoff holds for attempts sent all at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Accounts } from '../../../../src/adk/orchestrator/auth/accounts.ts';
import { freshStore, STORE_KINDS } from '../helpers.ts';

const PASSWORD = 'correct horse battery staple';

test('wrong current passwords sent all at once are throttled like ones sent in turn', async () => {
  const t = 1_700_000_000_000;
  const accounts = new Accounts(await freshStore(STORE_KINDS[0]!), 'bootstrap-admin-token-0123456789', { now: () => t });
  await accounts.addOperator('admin', 'alice', 'admin', PASSWORD);
  const { id } = await accounts.login('alice', PASSWORD, '10.0.0.1');
  const who = (await accounts.session(`autonomy_session=${id}`))!;
  const codes = await Promise.all(Array.from({ length: 12 }, () => accounts.changePassword(who, 'not the password', 'a new password!').then(() => 'ok', (e: { code: string }) => e.code)));
  assert.equal(codes.filter((c) => c === 'forbidden').length, 5, codes.join(' '));
  assert.equal(codes.filter((c) => c === 'login_throttled').length, 7);
});
