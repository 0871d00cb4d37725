// The relay and gate without processes: what reaches the server, what the client hears, and what
// the log holds, for allowed, denied, failed, cancelled and orphaned calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../../../src/adk/policy/index.ts';
import { Decider } from '../../../../src/adk/runtime/decision.ts';
import { MemoryLog } from '../../../../src/adk/runtime/decision-log.ts';
import { staticPolicySource, type PolicyState } from '../../../../src/adk/runtime/policy-source.ts';
import { McpGate } from '../../../../src/adk/runtime/mcp/gate.ts';
import type { RpcMessage } from '../../../../src/adk/runtime/mcp/jsonrpc.ts';
import { McpRelay } from '../../../../src/adk/runtime/mcp/relay.ts';

const POLICY = `package autonomy.authz
default allow := false
allow if { input.tool == "read"; count(deny) == 0 }
deny contains "agent must be known" if { not input.agent.name }
deny contains "wrong transport" if { input.context.transport != "stdio" }
`;

function setup(text = POLICY, state?: PolicyState) {
  const log = new MemoryLog();
  const policy = staticPolicySource(state ?? { policy: compile([{ file: 'p.rego', text }]), revision: 'r1', digest: 'd1', entrypoint: 'data.autonomy.authz', stale: false });
  const toServer: RpcMessage[] = [];
  const toClient: RpcMessage[] = [];
  const gate = new McpGate(new Decider({ policy, log }), policy, { server: 'fs', transport: 'stdio' });
  const relay = new McpRelay(gate, { send: (m) => toServer.push(m) }, { send: (m) => toClient.push(m) });
  relay.fromClient({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { clientInfo: { name: 'agent', version: '2' } } });
  relay.fromServer({ jsonrpc: '2.0', id: 0, result: { serverInfo: { name: 'srv', version: '1' } } });
  toServer.length = 0;
  toClient.length = 0;
  return { log, relay, toServer, toClient };
}

const call = (id: number, name: unknown, args: unknown = {}): RpcMessage => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

test('an allowed call is forwarded after its decision is logged, with agent and context in the input', async () => {
  const { log, relay, toServer, toClient } = setup();
  relay.fromClient(call(1, 'read', { path: '/a' }));
  assert.equal(toServer.length, 0, 'nothing is forwarded before the decision');
  await relay.settle();
  assert.deepEqual(toServer.map((m) => m.id), [1]);
  assert.equal(toClient.length, 0);
  assert.equal(log.records.length, 1);
  assert.deepEqual([log.records[0]!.tool, log.records[0]!.decision, log.records[0]!.agent], ['read', 'allow', { name: 'agent', version: '2' }]);
  assert.deepEqual(log.records[0]!.context, { server: 'fs', transport: 'stdio', server_info: { name: 'srv', version: '1' } }, 'the record says which server the call was for');
  assert.equal(relay.pendingCount, 1);
  relay.fromServer({ jsonrpc: '2.0', id: 1, result: { content: [] } });
  assert.equal(relay.pendingCount, 0);
});

test('a denied call never reaches the server; the client gets isError with the reasons', async () => {
  const { log, relay, toServer, toClient } = setup();
  relay.fromClient(call(2, 'write'));
  await relay.settle();
  assert.equal(toServer.length, 0);
  const r = toClient[0]!.result as { isError: boolean; content: { text: string }[] };
  assert.equal(r.isError, true);
  assert.match(r.content[0]!.text, /not_allowed/);
  assert.equal(log.records[0]!.decision, 'deny');
});

test('malformed params are denied as bad_request, logged, and answered -32602', async () => {
  const { log, relay, toServer, toClient } = setup();
  relay.fromClient(call(3, 7));
  relay.fromClient(call(4, 'read', ['not', 'an', 'object']));
  let deep: unknown = 'leaf';
  for (let i = 0; i < 100; i++) deep = { d: deep };
  relay.fromClient(call(12, 'read', deep));
  await relay.settle();
  assert.equal(toServer.length, 0);
  assert.deepEqual(toClient.map((m) => (m.error as { code: number }).code), [-32602, -32602, -32602]);
  assert.deepEqual(log.records.map((r) => r.reasons), [['bad_request'], ['bad_request'], ['bad_request']]);
  assert.match((toClient[2]!.error as { message: string }).message, /deeper than 64/);
});

test('a log that cannot append denies even what the policy allows (wal_unavailable)', async () => {
  const { log, relay, toServer, toClient } = setup();
  log.failWith = new Error('disk full');
  relay.fromClient(call(5, 'read'));
  await relay.settle();
  assert.equal(toServer.length, 0);
  assert.match((toClient[0]!.result as { content: { text: string }[] }).content[0]!.text, /wal_unavailable/);
});

test('a call cancelled while it was being decided is not started', async () => {
  const { relay, toServer, toClient } = setup();
  relay.fromClient(call(6, 'read'));
  relay.fromClient({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 6 } });
  await relay.settle();
  assert.deepEqual(toServer.map((m) => m.method), ['notifications/cancelled']);
  assert.equal(toClient.length, 0);
});

test('when the server goes, every open request and every later one gets -32000', async () => {
  const { relay, toServer, toClient } = setup();
  relay.fromClient({ jsonrpc: '2.0', id: 7, method: 'resources/list' });
  relay.fromClient(call(8, 'read'));
  relay.serverGone('gone');
  await relay.settle();
  relay.fromClient({ jsonrpc: '2.0', id: 9, method: 'tools/list' });
  assert.deepEqual(toServer.map((m) => m.id), [7]);
  assert.deepEqual(toClient.map((m) => [m.id, (m.error as { code: number }).code]), [[7, -32000], [8, -32000], [9, -32000]]);
});

test('tools/list is filtered by visible_tools; without it the list is unchanged; without a policy it is empty', async () => {
  const tools = { tools: [{ name: 'read' }, { name: 'write' }] };
  for (const [policy, state, want] of [
    [`${POLICY}\nvisible_tools := {"read"}`, undefined, ['read']],
    [POLICY, undefined, ['read', 'write']],
    [POLICY, { error: 'no_valid_policy', message: 'none' }, []],
    [`${POLICY}\nvisible_tools := "read"`, undefined, []],
  ] as const) {
    const { relay, toClient } = setup(policy, state);
    relay.fromClient({ jsonrpc: '2.0', id: 10, method: 'tools/list' });
    relay.fromServer({ jsonrpc: '2.0', id: 10, result: tools });
    await relay.settle();
    assert.deepEqual((toClient[0]!.result as typeof tools).tools.map((t) => t.name), want);
  }
});

test('a request the transport could not deliver is answered once, not again when the server goes', () => {
  const { relay, toClient } = setup();
  relay.fromClient({ jsonrpc: '2.0', id: 11, method: 'resources/list' });
  relay.failRequest(11, 'upstream refused');
  relay.failRequest(11, 'upstream refused');
  relay.serverGone('gone');
  assert.deepEqual(toClient.map((m) => [m.id, (m.error as { message: string }).message]), [[11, 'upstream refused']]);
});
