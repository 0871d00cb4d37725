// What the orchestrator's commands share: where its files live and how to reach it.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { AutonomyError } from '../../../common/errors.ts';
// Type only: the client module loads inside adminClient, when a command runs.
import type { AdminClient } from '../../../adk/orchestrator/api/client.ts';

/** The default home of the orchestrator's files (database, admin token). */
export function homeDir(): string {
  return resolve(process.env['AUTONOMY_ORCHESTRATOR_HOME'] ?? '.autonomy-orchestrator');
}

/** The default admin token file. */
export function defaultTokenFile(): string {
  return join(homeDir(), 'admin.token');
}

export const DEFAULT_PORT = 7400;

/** Options every client command takes. */
export interface ClientOpts {
  url?: string;
  token?: string;
  tokenFile?: string;
}

/** Adds --url, --token and --token-file to a client command. */
export function clientOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', `orchestrator URL (default: $AUTONOMY_ORCHESTRATOR_URL or http://127.0.0.1:${DEFAULT_PORT})`)
    .option('--token <token>', 'admin token (default: $AUTONOMY_ORCHESTRATOR_TOKEN, else --token-file)')
    .option('--token-file <file>', 'file holding the admin token (default: .autonomy-orchestrator/admin.token)');
}

/** The admin client a command's options name. */
export async function adminClient(o: ClientOpts): Promise<AdminClient> {
  const { AdminClient } = await import('../../../adk/orchestrator/api/client.ts');
  const url = o.url ?? process.env['AUTONOMY_ORCHESTRATOR_URL'] ?? `http://127.0.0.1:${DEFAULT_PORT}`;
  let token = o.token ?? process.env['AUTONOMY_ORCHESTRATOR_TOKEN'];
  if (!token) {
    const file = o.tokenFile ?? defaultTokenFile();
    if (!existsSync(file)) throw new AutonomyError('admin_token_missing', `no admin token: pass --token, set AUTONOMY_ORCHESTRATOR_TOKEN, or point --token-file at the file \`serve\` wrote (${file} not found)`);
    token = readFileSync(file, 'utf8').trim();
  }
  return new AdminClient(url, token, process.env['USER']);
}

/** Writes text to stdout. */
export const out = (s: string): boolean => process.stdout.write(s);

/** A time in ms as ISO 8601 (or '-'). */
export function when(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Rows as aligned columns. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}
