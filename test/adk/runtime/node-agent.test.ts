// The node agent's contract against a real in-process orchestrator: converge on the desired
// revision, report a refused bundle as failed and keep the active one, ride out an orchestrator
// outage on the back-off schedule (one message, not one per retry) and catch up when it returns.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import { AdminClient, NodeClient, newAdminToken, startOrchestrator, type Orchestrator, type RolloutStatus } from '../../../src/adk/orchestrator/index.ts';
import { NodeAgent } from '../../../src/adk/runtime/node-agent.ts';
import { generateKeyPair } from '../../../src/common/ed25519.ts';
import { tempDir, until } from '../orchestrator/helpers.ts';

test('converges, refuses, rides out an outage and catches up', { timeout: 30_000 }, async () => {
  const dir = tempDir('node-agent-');
  const db = join(dir, 'orch.db');
  const adminToken = newAdminToken();
  const start = (port = 0): Promise<Orchestrator> => startOrchestrator({ db, adminToken, port, tickMs: 50, offlineAfterMs: 2000, log: () => undefined });
  let orch = await start();
  after(() => orch.close());
  const port = Number(new URL(orch.url).port);
  const admin = (): AdminClient => new AdminClient(orch.url, adminToken, 'test');
  const rollout = async (revision: string, state: string): Promise<void> => {
    await admin().send('POST', `/v1/admin/bundles?revision=${revision}`, Buffer.from(`bundle ${revision}`));
    const r = await admin().json<RolloutStatus>('POST', '/v1/admin/rollouts', { revision, selector: { env: 't' }, phases: '100%', max_failures: 0 });
    await until(`${revision} ${state}`, async () => (await admin().json<RolloutStatus>('GET', `/v1/admin/rollouts/${r.id}`)).state === state);
  };

  const { token } = await admin().json<{ token: string }>('POST', '/v1/admin/tokens', { labels: { env: 't' } });
  const { client } = await NodeClient.enroll(orch.url, createPrivateKey(generateKeyPair().privatePem), token);
  // Polls the agent made, so the outage below lasts a known number of retries, not a time.
  let polls = 0;
  const desired = client.desired.bind(client);
  client.desired = (...a) => {
    polls++;
    return desired(...a);
  };
  const said: string[] = [];
  const activated: string[] = [];
  const agent = new NodeAgent({
    client,
    active: null,
    walDir: join(dir, 'no-wal-yet'),
    seal: async () => undefined,
    say: (l) => said.push(l),
    waitMs: 500,
    uploadEveryMs: 100,
    backoffMs: [20, 50, 100],
    activate: async (revision, bytes) => {
      if (revision === 'bad') throw new Error('bundle_signature_invalid: not signed by a trusted key');
      assert.equal(bytes.toString(), `bundle ${revision}`);
      activated.push(revision);
    },
  });
  agent.start();
  after(() => agent.stop());

  await rollout('v1', 'completed');
  assert.equal(agent.active, 'v1');
  await rollout('bad', 'halted');
  assert.equal(agent.active, 'v1', 'a refused bundle leaves the active revision');
  assert.ok(said.some((l) => /revision bad not activated, keeping v1: .*not signed by a trusted key/.test(l)));

  // Outage: the agent keeps v1 and says so once per distinct error, however often it retries.
  await orch.close();
  const pollsAtOutage = polls;
  await until('five retries into the outage', () => polls >= pollsAtOutage + 5);
  assert.equal(agent.active, 'v1');
  const failures = said.filter((l) => /policy sync failed/.test(l));
  assert.ok(failures.length >= 1 && failures.length <= 3, `outage reported once per distinct error: ${JSON.stringify(failures)}`);

  // Back on the same address (same store): a new revision arrives and the agent catches up.
  orch = await start(port);
  await rollout('v2', 'completed');
  assert.equal(agent.active, 'v2');
  assert.deepEqual(activated, ['v1', 'v2']);
  assert.ok(said.some((l) => /policy sync recovered/.test(l)));
});
