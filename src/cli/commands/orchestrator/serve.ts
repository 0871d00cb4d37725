// `autonomy-orchestrator serve`: one replica of the control plane on a store.
import { join } from 'node:path';
import type { Command } from 'commander';
import { parseDuration } from '../../../common/duration.ts';
import { AutonomyError } from '../../../common/errors.ts';
import { DEFAULT_PORT, defaultTokenFile, homeDir, out } from './common.ts';

/** Parses `host:port`, `:port` or `port`. */
export function parseAddr(text: string): { host: string; port: number } {
  const m = /^(?:(\[[^\]]+\]|[^:]*):)?(\d+)$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new AutonomyError('bad_addr', `--addr ${JSON.stringify(text)}: expected host:port, :port or port`);
  return { host: (m[1] || '127.0.0.1').replace(/^\[|\]$/g, ''), port };
}

/** The settings of `serve`'s console flags, checked: all above zero, stale beyond offline. */
export function consoleSettings(o: { sessionIdle: string; sessionLifetime: string; staleAfter: string }, offlineAfterMs: number): { sessionIdleMs: number; sessionTtlMs: number; staleAfterMs: number } {
  const positive = (text: string, flag: string): number => {
    const ms = parseDuration(text, flag);
    if (ms <= 0) throw new AutonomyError('bad_duration', `${flag} must be more than 0`);
    return ms;
  };
  const s = { sessionIdleMs: positive(o.sessionIdle, '--session-idle'), sessionTtlMs: positive(o.sessionLifetime, '--session-lifetime'), staleAfterMs: positive(o.staleAfter, '--stale-after') };
  if (s.sessionIdleMs > s.sessionTtlMs) throw new AutonomyError('bad_duration', `--session-idle (${o.sessionIdle}) cannot be longer than --session-lifetime (${o.sessionLifetime})`);
  // A node turns offline first, then stale: the other way round, "offline" would never show.
  if (s.staleAfterMs <= offlineAfterMs) throw new AutonomyError('bad_duration', `--stale-after (${o.staleAfter}) must be longer than --offline-after`);
  return s;
}

/** Registers `serve`. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the orchestrator API (one replica; several may share one PostgreSQL database)')
    .option('--db <file|url>', 'SQLite file, or postgres://user@host/db (default: $AUTONOMY_ORCHESTRATOR_DB or .autonomy-orchestrator/orchestrator.db)')
    .option('--addr <host:port>', `listen address (default 127.0.0.1:${DEFAULT_PORT}; port 0 picks a free one)`)
    .option('--admin-token-file <file>', 'admin token file, created if missing; replicas must share it (default: .autonomy-orchestrator/admin.token; $AUTONOMY_ORCHESTRATOR_TOKEN overrides)')
    .option('--tick <duration>', 'how often this replica steps active rollouts', '250ms')
    .option('--offline-after <duration>', 'a node unseen this long is offline (its rollout step waits, it does not fail)', '30s')
    .option('--audit-retention <duration>', 'prune fleet audit records older than this, e.g. 90d (each node\'s chain stays verifiable from its anchor; default: keep all)')
    .option('--session-idle <duration>', 'a console session unused this long ends', '1h')
    .option('--session-lifetime <duration>', 'a console session ends this long after sign-in, used or not', '12h')
    .option('--stale-after <duration>', 'the console shows a node unseen this long as stale (must exceed --offline-after)', '1h')
    .action(async (o: { db?: string; addr?: string; adminTokenFile?: string; tick: string; offlineAfter: string; auditRetention?: string; sessionIdle: string; sessionLifetime: string; staleAfter: string }) => {
      const { startOrchestrator, loadOrCreateAdminToken } = await import('../../../adk/orchestrator/index.ts');
      const { redactUrl } = await import('../../../adk/orchestrator/store/postgres.ts');
      const offlineAfterMs = parseDuration(o.offlineAfter, '--offline-after');
      const { sessionIdleMs, sessionTtlMs, staleAfterMs } = consoleSettings(o, offlineAfterMs);
      const db = o.db ?? process.env['AUTONOMY_ORCHESTRATOR_DB'] ?? join(homeDir(), 'orchestrator.db');
      const { host, port } = parseAddr(o.addr ?? `127.0.0.1:${DEFAULT_PORT}`);
      const tokenFile = o.adminTokenFile ?? defaultTokenFile();
      const adminToken = process.env['AUTONOMY_ORCHESTRATOR_TOKEN'] ?? loadOrCreateAdminToken(tokenFile);
      const orch = await startOrchestrator({
        db, adminToken, host, port, tickMs: parseDuration(o.tick, '--tick'), offlineAfterMs,
        accounts: { sessionIdleMs, sessionTtlMs }, console: { staleAfterMs },
        ...(o.auditRetention !== undefined && { auditRetentionMs: parseDuration(o.auditRetention, '--audit-retention') }),
      });
      out(`autonomy-orchestrator listening on ${orch.url} (store: ${redactUrl(db)}; admin token: ${process.env['AUTONOMY_ORCHESTRATOR_TOKEN'] ? '$AUTONOMY_ORCHESTRATOR_TOKEN' : tokenFile})\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await orch.close();
    });
}
