// Shared by the `autonomy mcp` end-to-end tests: the file-system policy on temp directories, the
// real file-system server from node_modules, and reading the WAL back.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ROOT } from './helpers.ts';

export const FS_SERVER = join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-filesystem', 'dist', 'index.js');
export const FS_POLICY = join(ROOT, 'examples', 'mcp-filesystem', 'policy');

/** A project tree under `base`: root/ (readable, with notes.txt), root/workspace/ (writable), and a policy for them. */
export function fsProject(base: string): { root: string; workspace: string; policy: string } {
  const root = join(base, 'root');
  const workspace = join(root, 'workspace');
  mkdirSync(workspace, { recursive: true });
  writeFileSync(join(root, 'notes.txt'), 'hello from the root\n');
  const policy = join(base, 'policy');
  cpSync(join(FS_POLICY, 'authz.rego'), join(policy, 'authz.rego'));
  writeFileSync(join(policy, 'data.json'), JSON.stringify({ mcp_filesystem: { read_root: root, workspace } }));
  return { root, workspace, policy };
}

/** A policy directory that allows every tool (for tests about the relay, not the policy). */
export function allowAllPolicy(dir: string, extra = ''): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'authz.rego'), `package autonomy.authz\n\ndefault allow := true\n\ndeny := set()\n${extra}`);
  return dir;
}

/** The decision records in a state directory's WAL, oldest first. */
export function walDecisions(state: string): Record<string, unknown>[] {
  const r = spawnSync(process.execPath, [BIN, 'audit', 'export', '--state', state, '--kind', 'decision'], { encoding: 'utf8', timeout: 15_000 });
  if (r.status !== 0) throw new Error(`audit export: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
