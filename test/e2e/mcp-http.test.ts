// `autonomy mcp --upstream URL`: a real SDK client over Streamable HTTP, through the proxy, to a
// Streamable HTTP server started here; the same decisions, denials and WAL as on stdio.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { BIN, tempDir } from './helpers.ts';
import { startHttpMcpServer } from './fixtures/http-mcp-server.ts';
import { walDecisions } from './mcp-helpers.ts';

const tmp = tempDir('autonomy-mcp-http-');
after(() => tmp.remove());

const POLICY = `package autonomy.authz

default allow := false

allow if {
	input.tool in visible_tools
	input.context.transport == "streamable-http"
	count(deny) == 0
}

visible_tools := {"echo", "write_note", "hang"}

deny contains "notes may not be written" if input.tool == "write_note"
`;

/** The proxy's local endpoint, once it says it listens; every stderr chunk goes to `onErr`. */
function listening(p: ChildProcessByStdio<null, null, Readable>, onErr: (s: string) => void): Promise<string> {
  let seen = '';
  return new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`proxy did not start: ${seen}`)), 15_000);
    p.stderr.setEncoding('utf8').on('data', (s: string) => {
      onErr(s);
      seen += s;
      const m = /listening on (http:\/\/\S+)/.exec(seen);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    });
  });
}

test('HTTP mode: calls are decided, a denied call never reaches the upstream server, the WAL has every decision', async () => {
  const upstream = await startHttpMcpServer();
  const policy = join(tmp.dir, 'policy');
  mkdirSync(policy);
  writeFileSync(join(policy, 'authz.rego'), POLICY);
  const state = join(tmp.dir, 'state');
  const p = spawn(process.execPath, [BIN, 'mcp', '--upstream', upstream.url, '--listen', '127.0.0.1:0', '--dev', '--policy', policy, '--state', state], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const exited = new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
  try {
    const url = await listening(p, (s) => (err += s));
    const client = new Client({ name: 'http-agent', version: '1.2.3' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)), { timeout: 10_000 });
    try {
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), ['echo', 'hang', 'write_note']);
      const echo = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
      assert.notEqual(echo.isError, true, JSON.stringify(echo));
      assert.match(JSON.stringify(echo.content), /echo: \{\\"text\\":\\"hi\\"\}/);
      const note = join(tmp.dir, 'note.txt');
      const denied = await client.callTool({ name: 'write_note', arguments: { path: note } });
      assert.equal(denied.isError, true);
      assert.match(JSON.stringify(denied.content), /notes may not be written/);
      assert.equal(existsSync(note), false);
    } finally {
      await client.close();
    }
    p.kill('SIGTERM');
    assert.equal(await exited, 0, err);
  } finally {
    if (p.exitCode === null) p.kill('SIGKILL');
    await upstream.close();
  }
  const decisions = walDecisions(state).filter((r) => !String(r['tool']).startsWith('data.'));
  assert.deepEqual(
    decisions.map((r) => [r['tool'], r['decision'], r['agent']]),
    [
      ['echo', 'allow', { name: 'http-agent', version: '1.2.3' }],
      ['write_note', 'deny', { name: 'http-agent', version: '1.2.3' }],
    ],
  );
  const verify = spawnSync(process.execPath, [BIN, 'audit', 'verify', '--state', state], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(verify.status, 0, verify.stdout + verify.stderr);
});

test('HTTP mode: an upstream that dies mid-call leaves the client with errors, not a hang', async () => {
  const upstream = await startHttpMcpServer();
  const policy = join(tmp.dir, 'policy-crash');
  mkdirSync(policy);
  writeFileSync(join(policy, 'authz.rego'), POLICY);
  const p = spawn(process.execPath, [BIN, 'mcp', '--upstream', upstream.url, '--listen', '127.0.0.1:0', '--dev', '--policy', policy, '--state', join(tmp.dir, 'state-crash')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  try {
    const url = await listening(p, (s) => (err += s));
    const client = new Client({ name: 'http-agent', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)), { timeout: 10_000 });
    try {
      const hung = client.callTool({ name: 'hang', arguments: {} }, undefined, { timeout: 20_000 });
      await upstream.hanging;
      upstream.crash();
      await assert.rejects(hung, (e: Error) => /upstream|closed|disconnected/i.test(e.message), err);
      await assert.rejects(client.callTool({ name: 'echo', arguments: {} }, undefined, { timeout: 20_000 }), (e: Error) => /upstream|closed/i.test(e.message));
    } finally {
      await client.close();
    }
  } finally {
    p.kill('SIGKILL');
    await upstream.close();
  }
});

test('HTTP mode: a session abandoned without DELETE is ended after --session-idle; a busy one is kept', async () => {
  const upstream = await startHttpMcpServer();
  const policy = join(tmp.dir, 'policy-idle');
  mkdirSync(policy);
  writeFileSync(join(policy, 'authz.rego'), POLICY);
  const p = spawn(process.execPath, [BIN, 'mcp', '--upstream', upstream.url, '--listen', '127.0.0.1:0', '--session-idle', '1s', '--dev', '--policy', policy, '--state', join(tmp.dir, 'state-idle')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  try {
    const url = await listening(p, (s) => (err += s));
    const post = (body: object, sid?: string): Promise<Response> =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(sid ? { 'mcp-session-id': sid } : {}) }, body: JSON.stringify({ jsonrpc: '2.0', ...body }) });
    const open = async (): Promise<string> => {
      const res = await post({ id: 1, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
      await res.text();
      const sid = res.headers.get('mcp-session-id');
      assert.ok(sid, `no session id: ${res.status}`);
      return sid;
    };
    const busy = await open();
    const abandoned = await open();
    // The busy session is used every 50 ms until the other one, left alone, is ended. Were use
    // not counted, the busy one (the older) would be ended first. Waiting for the line, not a
    // fixed time, and a wide margin between the ping gap and the idle limit, keep a loaded
    // machine from reading as an idle client.
    const ended = new RegExp(`session ${abandoned} idle`);
    for (let i = 0; !ended.test(err); i++) {
      assert.ok(i < 400, `session ${abandoned} was never ended: ${err}`);
      const res = await post({ id: 10 + i, method: 'ping' }, busy);
      const text = await res.text();
      assert.equal(res.status, 200, text);
      await new Promise((r) => setTimeout(r, 50));
    }
    const gone = await post({ id: 2, method: 'ping' }, abandoned);
    assert.equal(gone.status, 404, await gone.text());
    assert.doesNotMatch(err, new RegExp(`session ${busy} idle`));
  } finally {
    p.kill('SIGKILL');
    await upstream.close();
  }
});
