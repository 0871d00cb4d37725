// `autonomy mcp` refuses what it cannot serve safely before it starts anything: exit 2, a
// message on stderr, and nothing on stdout (the MCP channel).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const bin = resolve(import.meta.dirname, '..', '..', 'bin', 'autonomy.js');
const dir = mkdtempSync(join(tmpdir(), 'autonomy-mcp-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'authz.rego'), 'package autonomy.authz\n\ndefault allow := false\n');
const base = ['mcp', '--state', join(dir, 'state')];

for (const [name, args, message] of [
  ['no server command', ['--dev', '--policy', dir], /needs the server command/],
  ['an unsigned directory without --dev', ['--policy', dir, '--', 'true'], /unsigned directory; it needs --dev/],
  ['a zero message limit', ['--dev', '--policy', dir, '--max-message-bytes', '0', '--', 'true'], /--max-message-bytes/],
  ['an upstream that is not http(s)', ['--dev', '--policy', dir, '--upstream', 'ftp://example.com/mcp'], /expected an http\(s\) URL/],
  ['a non-loopback listen address', ['--dev', '--policy', dir, '--upstream', 'http://127.0.0.1:9/mcp', '--listen', '0.0.0.0:8765'], /loopback only/],
  ['both an upstream and a command', ['--dev', '--policy', dir, '--upstream', 'http://127.0.0.1:9/mcp', '--', 'true'], /either --upstream URL or a server command/],
] as const) {
  test(`autonomy mcp refuses ${name}: exit 2, nothing on stdout`, () => {
    const r = spawnSync(process.execPath, [bin, ...base, ...args], { encoding: 'utf8', timeout: 15_000, input: '' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
  });
}
