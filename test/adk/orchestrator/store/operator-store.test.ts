// The operator part of the store, on every store kind (SQLite and, when reachable, PostgreSQL).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { OperatorRecord } from '../../../../src/adk/orchestrator/store/operator-store.ts';
import { freshStore, STORE_KINDS } from '../helpers.ts';

const T0 = 1_700_000_000_000;
const op = (name: string, over: Partial<OperatorRecord> = {}): OperatorRecord => ({ name, role: 'admin', passwordHash: `scrypt$${name}`, tokenHash: null, createdAt: T0, ...over });
const ev = (action: string) => [{ time: T0, actor: 'admin', action, detail: {} }];

for (const kind of STORE_KINDS) {
  describe(`operator store: ${kind.name}`, { skip: kind.skip }, () => {
    test('operators: create once, look up by name and token, list, remove (with their sessions); each change logged', async () => {
      const s = await freshStore(kind);
      await s.operators.createOperator(op('alice'), ev('operator.add'));
      await s.operators.createOperator(op('bob', { role: 'viewer' }), ev('operator.add'));
      await assert.rejects(s.operators.createOperator(op('alice'), ev('operator.add')), { code: 'operator_exists' });
      assert.deepEqual((await s.operators.listOperators()).map((o) => [o.name, o.role]), [['alice', 'admin'], ['bob', 'viewer']]);
      await s.operators.setOperatorToken('bob', 'th-bob', ev('operator.token'));
      assert.equal((await s.operators.operatorByToken('th-bob'))?.name, 'bob');
      assert.equal(await s.operators.operatorByToken('th-nobody'), null);
      await assert.rejects(s.operators.setOperatorToken('carol', 'x', ev('operator.token')), { code: 'operator_not_found' });
      await s.operators.createSession({ hash: 'sh-bob', operator: 'bob', createdAt: T0, expiresAt: T0 + 1000, lastSeen: T0 }, []);
      assert.equal((await s.operators.getSession('sh-bob'))?.role, 'viewer');
      await s.operators.removeOperator('bob', ev('operator.remove'));
      assert.equal(await s.operators.getSession('sh-bob'), null, 'sessions go with their operator');
      assert.equal(await s.operators.operatorByToken('th-bob'), null);
      await assert.rejects(s.operators.removeOperator('bob', ev('operator.remove')), { code: 'operator_not_found' });
      assert.deepEqual((await s.listAdminEvents()).map((e) => e.action), ['operator.add', 'operator.add', 'operator.token', 'operator.remove']);
    });

    test('sessions: touched forward only, deleted once, expired by absolute or idle time', async () => {
      const s = await freshStore(kind);
      await s.operators.createOperator(op('alice'), []);
      await s.operators.createSession({ hash: 'a', operator: 'alice', createdAt: T0, expiresAt: T0 + 10_000, lastSeen: T0 }, ev('operator.login'));
      await s.operators.createSession({ hash: 'b', operator: 'alice', createdAt: T0, expiresAt: T0 + 10_000, lastSeen: T0 }, []);
      await s.operators.createSession({ hash: 'c', operator: 'alice', createdAt: T0, expiresAt: T0 + 2_000, lastSeen: T0 }, []);
      await s.operators.touchSession('a', T0 + 5_000);
      await s.operators.touchSession('a', T0 + 1_000);
      assert.equal((await s.operators.getSession('a'))?.lastSeen, T0 + 5_000);
      // At T0+3000 with 2.5 s idle: c is past its end, b idle; a was seen at T0+5000.
      await s.operators.deleteExpiredSessions(T0 + 3_000, 2_500);
      assert.deepEqual([await s.operators.getSession('b'), await s.operators.getSession('c')], [null, null]);
      assert.ok(await s.operators.getSession('a'));
      await s.operators.deleteSession('a', ev('operator.logout'));
      await s.operators.deleteSession('a', ev('operator.logout'));
      assert.deepEqual((await s.listAdminEvents()).map((e) => e.action), ['operator.login', 'operator.logout'], 'a second logout logs nothing');
    });

    test('last sign-in: recorded by each new session, gone with its operator; a password change ends all sessions but one', async () => {
      const s = await freshStore(kind);
      await s.operators.createOperator(op('alice'), []);
      await s.operators.createOperator(op('bob'), []);
      const last = async (): Promise<(number | null)[]> => (await s.operators.listOperators()).map((o) => o.lastLoginAt);
      assert.deepEqual(await last(), [null, null]);
      for (const [hash, at] of [['a1', T0], ['a2', T0 + 500], ['a3', T0 + 900]] as const) {
        await s.operators.createSession({ hash, operator: 'alice', createdAt: at, expiresAt: at + 10_000, lastSeen: at }, []);
      }
      await s.operators.createSession({ hash: 'b1', operator: 'bob', createdAt: T0, expiresAt: T0 + 10_000, lastSeen: T0 }, []);
      assert.deepEqual(await last(), [T0 + 900, T0]);

      await s.operators.setOperatorPassword('alice', 'scrypt$new', 'a2', ev('operator.password'));
      assert.equal((await s.operators.getOperator('alice'))?.passwordHash, 'scrypt$new');
      assert.deepEqual([!!(await s.operators.getSession('a1')), !!(await s.operators.getSession('a2')), !!(await s.operators.getSession('a3')), !!(await s.operators.getSession('b1'))], [false, true, false, true]);
      await s.operators.setOperatorPassword('bob', 'scrypt$other', null, []);
      assert.equal(await s.operators.getSession('b1'), null, 'no session kept: all end');
      await assert.rejects(s.operators.setOperatorPassword('carol', 'x', null, []), { code: 'operator_not_found' });

      await s.operators.removeOperator('bob', []);
      await s.operators.createOperator(op('bob'), []);
      assert.deepEqual(await last(), [T0 + 900, null], 'a new bob has never signed in');
      assert.deepEqual((await s.listAdminEvents()).map((e) => e.action), ['operator.password']);
    });

    test('login failures: counted per key, restarted after the forget window, cleared on success', async () => {
      const s = await freshStore(kind);
      for (let i = 0; i < 3; i++) await s.operators.recordLoginFailure('operator:alice', T0 + i, T0 - 1000);
      await s.operators.recordLoginFailure('client:10.0.0.1', T0, T0 - 1000);
      assert.deepEqual(await s.operators.loginFailures(['operator:alice', 'client:10.0.0.1', 'client:other']), [
        { key: 'operator:alice', count: 3, lastAt: T0 + 2 }, { key: 'client:10.0.0.1', count: 1, lastAt: T0 },
      ]);
      await s.operators.recordLoginFailure('operator:alice', T0 + 5000, T0 + 10);
      assert.equal((await s.operators.loginFailures(['operator:alice']))[0]!.count, 1, 'old failures forgotten');
      assert.deepEqual(await s.operators.loginFailures(['client:10.0.0.1']), [], 'forgotten keys are dropped, not kept forever');
      await s.operators.clearLoginFailures('operator:alice');
      assert.deepEqual(await s.operators.loginFailures(['operator:alice']), []);
    });
  });
}
