// `npm run bench -- mcp`: sequential tools/call round trips from a real MCP SDK client to the
// real file-system server, directly and through `autonomy mcp` (example file-system policy,
// durable WAL), in one run, in alternating blocks so drift hits both alike. Target (issue 10):
// the proxy adds under 0.5 ms plus one fdatasync (measured here on the same disk) per call.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { fdatasyncMs } from './lib/fsync-probe.ts';
import { printResult, quantile, round } from './lib/report.ts';

const root = join(import.meta.dirname, '..');
const FS_SERVER = join(root, 'node_modules', '@modelcontextprotocol', 'server-filesystem', 'dist', 'index.js');
const CALLS = Number(process.env['BENCH_MCP_CALLS'] ?? 3000);
const BLOCK = 250;
const dir = mkdtempSync(join(tmpdir(), 'bench-mcp-'));
const files = join(dir, 'files');
mkdirSync(join(files, 'workspace'), { recursive: true });
writeFileSync(join(files, 'notes.txt'), 'x'.repeat(200));
const policy = join(dir, 'policy');
cpSync(join(root, 'examples', 'mcp-filesystem', 'policy', 'authz.rego'), join(policy, 'authz.rego'));
writeFileSync(join(policy, 'data.json'), JSON.stringify({ mcp_filesystem: { read_root: files, workspace: join(files, 'workspace') } }));
// A call the server answers from memory after one stat, so the proxy's share is what shows.
const CALL = { name: 'get_file_info', arguments: { path: join(files, 'notes.txt') } };

async function connect(command: string, args: string[]): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StdioClientTransport({ command, args, env: process.env as Record<string, string>, stderr: 'ignore' }));
  return client;
}

async function roundTrips(client: Client, n: number, into: number[]): Promise<void> {
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await client.callTool(CALL);
    into.push(performance.now() - t0);
    if (r.isError === true) throw new Error(`the call failed: ${JSON.stringify(r.content)}`);
  }
}

const fsync = fdatasyncMs(dir);
const direct = await connect(process.execPath, [FS_SERVER, files]);
const proxied = await connect(process.execPath, [join(root, 'bin', 'autonomy.js'), 'mcp', '--dev', '--policy', policy, '--state', join(dir, 'state'), '--', process.execPath, FS_SERVER, files]);
const d: number[] = [];
const p: number[] = [];
try {
  await roundTrips(direct, 300, []);
  await roundTrips(proxied, 300, []);
  for (let done = 0; done < CALLS; done += BLOCK) {
    await roundTrips(direct, BLOCK, d);
    await roundTrips(proxied, BLOCK, p);
  }
} finally {
  await direct.close();
  await proxied.close();
  rmSync(dir, { recursive: true, force: true });
}

const stats = (s: number[]) => ({ p50: quantile(s, 0.5), p99: quantile(s, 0.99), mean: s.reduce((a, b) => a + b, 0) / s.length });
const ds = stats(d);
const ps = stats(p);
const added = ps.p50 - ds.p50;
const target = 0.5 + fsync;
const row = (name: string, s: ReturnType<typeof stats>): string => `${name.padEnd(24)} p50 ${s.p50.toFixed(3).padStart(7)} ms   p99 ${s.p99.toFixed(3).padStart(7)} ms   mean ${s.mean.toFixed(3).padStart(7)} ms`;
process.stdout.write(`tools/call ${CALL.name}, ${d.length} sequential round trips each, SDK client over stdio\n`);
process.stdout.write(`fdatasync (300-byte write, median): ${round(fsync, 3)} ms\n`);
process.stdout.write(`${row('direct to the server', ds)}\n${row('through autonomy mcp', ps)}\n`);
process.stdout.write(`added per call: p50 +${round(added, 3)} ms, mean +${round(ps.mean - ds.mean, 3)} ms\n`);
process.stdout.write(`target: added ≤ 0.5 ms + one fdatasync (${round(target, 3)} ms): ${added <= target ? 'met' : 'NOT met'}\n`);
printResult({
  name: 'mcp_tools_call_p50',
  unit: 'ms',
  value: round(ps.p50, 3),
  baseline: 'the same tools/call directly to the same server (SDK client, stdio)',
  baseline_value: round(ds.p50, 3),
  better: 'lower',
  added_p50_ms: round(added, 3),
  added_mean_ms: round(ps.mean - ds.mean, 3),
  p99_ms: round(ps.p99, 3),
  direct_p99_ms: round(ds.p99, 3),
  fdatasync_ms: round(fsync, 3),
  target_added_ms: round(target, 3),
  target_met: added <= target,
  calls: d.length,
});
