// `autonomy mcp -- SERVER`: a real MCP SDK client talks through the proxy to the real
// file-system server; every tools/call is decided and recorded first, denied calls never reach
// the server, and a server that dies mid-call leaves the client with errors, not a hang.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { BIN, tempDir } from './helpers.ts';
import { allowAllPolicy, FS_SERVER, fsProject, walDecisions } from './mcp-helpers.ts';

const tmp = tempDir('autonomy-mcp-');
after(() => tmp.remove());
let n = 0;
const CRASHY = join(import.meta.dirname, 'fixtures', 'crashy-mcp-server.ts');

/** An SDK client connected through `autonomy mcp`, and its stderr. */
async function connect(proxyArgs: string[], server: string[]): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'mcp', ...proxyArgs, '--', ...server],
    env: process.env as Record<string, string>,
    stderr: 'pipe',
  });
  let err = '';
  (transport.stderr as unknown as NodeJS.ReadableStream).setEncoding('utf8').on('data', (s: string) => (err += s));
  const client = new Client({ name: 'e2e-agent', version: '9.9.9' });
  await client.connect(transport, { timeout: 20_000 });
  return { client, stderr: () => err };
}

function text(r: object): string {
  return (((r as { content?: unknown }).content ?? []) as { type: string; text?: string }[]).map((c) => c.text ?? '').join('');
}

test('listing and reading pass through; a write outside the workspace is denied and never happens; the WAL holds every decision', async () => {
  const base = join(tmp.dir, `p${++n}`);
  const { root, workspace, policy } = fsProject(base);
  const state = join(base, 'state');
  const { client, stderr } = await connect(['--dev', '--policy', policy, '--state', state], [process.execPath, FS_SERVER, root]);
  try {
    const { tools } = await client.listTools(undefined, { timeout: 10_000 });
    assert.ok(tools.some((t) => t.name === 'read_text_file'), stderr());

    const list = await client.callTool({ name: 'list_directory', arguments: { path: root } });
    assert.equal(list.isError, undefined, text(list));
    assert.match(text(list), /notes\.txt/);

    const read = await client.callTool({ name: 'read_text_file', arguments: { path: join(root, 'notes.txt') } });
    assert.match(text(read), /hello from the root/);

    const outside = join(root, 'escaped.txt');
    const denied = await client.callTool({ name: 'write_file', arguments: { path: outside, content: 'nope' } });
    assert.equal(denied.isError, true);
    assert.match(text(denied), /autonomy denied this call .*outside the workspace/);
    assert.equal(existsSync(outside), false, 'a denied write must never reach the server');

    const inside = join(workspace, 'ok.txt');
    const wrote = await client.callTool({ name: 'write_file', arguments: { path: inside, content: 'yes' } });
    assert.notEqual(wrote.isError, true, text(wrote));
    assert.equal(readFileSync(inside, 'utf8'), 'yes');
  } finally {
    await client.close();
  }
  const decisions = walDecisions(state).filter((r) => typeof r['tool'] === 'string' && !String(r['tool']).startsWith('data.'));
  assert.deepEqual(
    decisions.map((r) => [r['tool'], r['decision']]),
    [
      ['list_directory', 'allow'],
      ['read_text_file', 'allow'],
      ['write_file', 'deny'],
      ['write_file', 'allow'],
    ],
  );
  assert.deepEqual(decisions[0]!['agent'], { name: 'e2e-agent', version: '9.9.9' });
  const verify = spawnSync(process.execPath, [BIN, 'audit', 'verify', '--state', state], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(verify.status, 0, verify.stdout + verify.stderr);
});

test('a signed bundle of the example policy decides the same way, without dev mode; an untrusted signer denies everything', async () => {
  const base = join(tmp.dir, `p${++n}`);
  const { root, workspace, policy } = fsProject(base);
  const keys = join(base, 'keys');
  const bundle = join(base, 'fs.tar.gz');
  for (const args of [
    ['keygen', '--out', keys, '--name', 'signer'],
    ['keygen', '--out', keys, '--name', 'stranger'],
    ['bundle', 'build', policy, '-o', bundle, '--revision', 'fs-1', '--signing-key', join(keys, 'signer.key')],
  ]) {
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
  }
  const target = join(workspace, 'signed.txt');
  for (const [key, want] of [
    ['signer.pub', 'allow'],
    ['stranger.pub', 'deny'],
  ] as const) {
    const { client, stderr } = await connect(['--policy', bundle, '--trust', join(keys, key), '--state', join(base, `state-${key}`)], [process.execPath, FS_SERVER, root]);
    try {
      const r = await client.callTool({ name: 'write_file', arguments: { path: target, content: key } });
      if (want === 'allow') {
        assert.notEqual(r.isError, true, text(r) + stderr());
        assert.equal(readFileSync(target, 'utf8'), key);
        assert.doesNotMatch(stderr(), /DEV MODE/);
      } else {
        assert.equal(r.isError, true);
        assert.match(text(r), /no_valid_policy/);
        assert.equal(readFileSync(target, 'utf8'), 'signer.pub', 'the refused call never reached the server');
      }
    } finally {
      await client.close();
    }
  }
});

test('visible_tools: tools/list shows only the tools the policy names', async () => {
  const base = join(tmp.dir, `p${++n}`);
  const { root } = fsProject(base);
  const policy = allowAllPolicy(join(base, 'only-read'), 'visible_tools := {"read_text_file", "list_directory"}\n');
  const { client } = await connect(['--dev', '--policy', policy, '--state', join(base, 'state')], [process.execPath, FS_SERVER, root]);
  try {
    const { tools } = await client.listTools(undefined, { timeout: 10_000 });
    assert.deepEqual(tools.map((t) => t.name).sort(), ['list_directory', 'read_text_file']);
  } finally {
    await client.close();
  }
});

test('without a valid policy every call is denied (fail closed) and nothing reaches the server', async () => {
  const base = join(tmp.dir, `p${++n}`);
  const { root, workspace } = fsProject(base);
  const broken = allowAllPolicy(join(base, 'broken'), 'this is not rego\n');
  const { client } = await connect(['--dev', '--policy', broken, '--state', join(base, 'state')], [process.execPath, FS_SERVER, root]);
  try {
    const target = join(workspace, 'x.txt');
    const r = await client.callTool({ name: 'write_file', arguments: { path: target, content: 'x' } });
    assert.equal(r.isError, true);
    assert.match(text(r), /no_valid_policy/);
    assert.equal(existsSync(target), false);
    // With no policy nothing can be shown either.
    const { tools } = await client.listTools();
    assert.deepEqual(tools, []);
  } finally {
    await client.close();
  }
});

/** The proxy in front of `server`, spoken to line by line. */
function rawProxy(args: string[], server: string[]) {
  const p = spawn(process.execPath, [BIN, 'mcp', ...args, '--', ...server], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: { pred: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }[] = [];
  const messages: Record<string, unknown>[] = [];
  p.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  p.stdout.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    let i;
    while ((i = out.indexOf('\n')) !== -1) {
      const m = JSON.parse(out.slice(0, i)) as Record<string, unknown>;
      out = out.slice(i + 1);
      messages.push(m);
      for (const w of [...waiters]) {
        if (!w.pred(m)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  const exited = new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
  return {
    send: (s: string) => p.stdin.write(`${s}\n`),
    reply: (id: unknown, ms = 15_000) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const found = messages.find((m) => m['id'] === id);
        if (found) return resolve(found);
        const t = setTimeout(() => reject(new Error(`no reply to ${String(id)}: ${err}`)), ms);
        waiters.push({ pred: (m) => m['id'] === id, resolve: (m) => {
            clearTimeout(t);
            resolve(m);
          },
        });
      }),
    exited,
    end: () => p.stdin.end(),
    stderr: () => err,
    kill: () => p.kill('SIGKILL'),
  };
}

const INIT = JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });

test('a server that dies mid-call: the open call gets a JSON-RPC error, and the proxy exits with its code', async () => {
  const base = join(tmp.dir, `p${++n}`);
  const policy = allowAllPolicy(join(base, 'policy'));
  const px = rawProxy(['--dev', '--policy', policy, '--state', join(base, 'state')], [process.execPath, CRASHY]);
  try {
    px.send(INIT);
    await px.reply(0);
    px.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    px.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: {} } }));
    assert.ok((await px.reply(1))['result']);
    px.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'crash', arguments: {} } }));
    const crashed = await px.reply(2);
    assert.equal((crashed['error'] as { code: number }).code, -32000, JSON.stringify(crashed));
    assert.match((crashed['error'] as { message: string }).message, /exited unexpectedly \(exit code 7\)/);
    assert.equal(await px.exited, 7);
  } finally {
    px.kill();
  }
});

test('malformed and oversized messages get JSON-RPC errors and are never forwarded', async () => {
  const base = join(tmp.dir, `p${++n}`);
  const { root, workspace } = fsProject(base);
  const policy = allowAllPolicy(join(base, 'policy'));
  const px = rawProxy(['--dev', '--policy', policy, '--state', join(base, 'state'), '--max-message-bytes', '2k'], [process.execPath, FS_SERVER, root]);
  try {
    px.send(INIT);
    await px.reply(0);
    px.send('{"jsonrpc":"2.0","id":5,"method":"tools/call",');
    const parseError = await px.reply(null);
    assert.equal((parseError['error'] as { code: number }).code, -32700);
    const big = join(workspace, 'big.txt');
    px.send(JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'write_file', arguments: { path: big, content: 'x'.repeat(4096) } } }));
    const over = await px.reply(6);
    assert.match((over['error'] as { message: string }).message, /over 2048 bytes/);
    px.send(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 42 } }));
    const badParams = await px.reply(7);
    assert.equal((badParams['error'] as { code: number }).code, -32602);
    px.send(JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'write_file', arguments: { path: join(workspace, 'small.txt'), content: 'ok' } } }));
    assert.ok((await px.reply(8))['result']);
    assert.equal(existsSync(big), false);
    assert.equal(readFileSync(join(workspace, 'small.txt'), 'utf8'), 'ok');
  } finally {
    px.kill();
  }
});

test('the client closing its input ends the session cleanly (exit 0, WAL sealed); a missing server command exits 127 at once', async () => {
  const base = join(tmp.dir, `p${++n}`);
  const { root } = fsProject(base);
  const policy = allowAllPolicy(join(base, 'policy'));
  const state = join(base, 'state');
  const px = rawProxy(['--dev', '--policy', policy, '--state', state], [process.execPath, FS_SERVER, root]);
  try {
    px.send(INIT);
    await px.reply(0);
    px.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'list_allowed_directories', arguments: {} } }));
    px.end();
    assert.ok((await px.reply(1))['result'], 'a call decided before the input closed is still answered');
    assert.equal(await px.exited, 0, px.stderr());
  } finally {
    px.kill();
  }
  const verify = spawnSync(process.execPath, [BIN, 'audit', 'verify', '--state', state], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(verify.status, 0, verify.stdout);
  assert.doesNotMatch(verify.stdout, /not yet sealed/);

  const missing = rawProxy(['--dev', '--policy', policy, '--state', state], ['no-such-mcp-server-xyz']);
  try {
    // Nothing was asked yet, so there is nobody to answer: the client sees its server's pipe close.
    assert.equal(await missing.exited, 127);
    assert.match(missing.stderr(), /command not found/);
  } finally {
    missing.kill();
  }
});
