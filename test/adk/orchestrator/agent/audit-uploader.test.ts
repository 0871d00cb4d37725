// The audit uploader against a live WAL: only sealed records go up, segment by segment, from
// where the last sync stopped; a fresh uploader starting over costs repeats, not errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openNodeWal, walDir, NODE_KEY } from '../../../../src/adk/audit/index.ts';
import { loadOrCreateKey } from '../../../../src/common/ed25519.ts';
import { NodeClient, type NodeView } from '../../../../src/adk/orchestrator/index.ts';
import { AuditUploader } from '../../../../src/adk/orchestrator/agent/audit-uploader.ts';
import { decision } from '../../audit/helpers-data.ts';
import { orchestrator, tempDir } from '../helpers.ts';

test('sync uploads what checkpoints seal, while the WAL is being written and after it closes', async () => {
  const { orch, admin } = await orchestrator();
  const state = tempDir('orch-upl-');
  const { token } = await admin.json<{ token: string }>('POST', '/v1/admin/tokens', {});
  const { client } = await NodeClient.enroll(orch.url, loadOrCreateKey(state, NODE_KEY), token);
  const held = async (): Promise<number | null> => (await admin.json<NodeView[]>('GET', '/v1/admin/nodes'))[0]!.audit_seq;

  const wal = await openNodeWal(state, { segmentBytes: 4096, checkpointEvery: 5, checkpointIntervalMs: 0 });
  const up = new AuditUploader(client, walDir(state));
  for (let i = 0; i < 12; i++) await wal.append(decision(i));
  const first = await up.sync();
  assert.ok(first > 0);
  const sealed = await held();
  assert.ok(sealed !== null && sealed > 2, `${sealed}`);
  assert.equal(await up.sync(), 0, 'nothing new: nothing sent');

  for (let i = 12; i < 60; i++) await wal.append(decision(i));
  assert.ok((await up.sync()) > 0);
  assert.ok((await held())! > sealed!);
  assert.notEqual(up.position!.segment, '00000000000000000001.wal', 'it followed the WAL into later segments');

  await wal.close();
  await up.sync();
  const last = (await admin.send('GET', `/v1/admin/audit?node=${client.nodeId}`)).text();
  const lines = (await last).trim().split('\n').map((l) => JSON.parse(l) as { seq: number });
  assert.equal((await held()), lines.length, 'every record of the closed WAL is held, in order');

  // A new uploader (an agent restart) starts over: repeats are accepted as such.
  assert.equal(await new AuditUploader(client, walDir(state)).sync(), 0);
});
