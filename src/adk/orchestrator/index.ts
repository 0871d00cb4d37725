// The orchestrator's public entry: start a server on a store; the clients; the engine for tests.
import { Accounts, type AccountOptions } from './auth/accounts.ts';
import { consoleHandler, type ConsoleOptions } from './console/routes.ts';
import { startServer, type RunningServer } from './api/server.ts';
import { OrchestratorService, type ServiceOptions } from './service.ts';
import { openStore } from './store/open.ts';
import type { Store } from './store/store.ts';

export { AdminClient } from './api/client.ts';
export { NodeClient, type StatusReport } from './agent/node-client.ts';
export { SimAgent, type SimAgentOptions, type Activate } from './agent/sim-agent.ts';
export { AuditUploader, type UploadPosition } from './agent/audit-uploader.ts';
export { OrchestratorService, type NodeView, type RolloutStatus, type DesiredState } from './service.ts';
export { openStore, isPostgresUrl } from './store/open.ts';
export type { Store } from './store/store.ts';
export { HTTP_ERRORS } from './api/errors.ts';
export { loadOrCreateAdminToken, newAdminToken } from './auth/admin.ts';
export { Accounts, type Principal } from './auth/accounts.ts';

/** Options of startOrchestrator. */
export interface OrchestratorOptions extends Partial<ServiceOptions> {
  /** A SQLite file, ':memory:', or a postgres:// URL. */
  db: string;
  adminToken: string;
  host?: string;
  port?: number;
  /** How often this replica steps active rollouts (default 250 ms). */
  tickMs?: number;
  /** Audit records older than this are pruned (each node's chain stays verifiable from its anchor); undefined keeps them all. */
  auditRetentionMs?: number;
  log?: (line: string) => void;
  /** Console sessions and login throttling. */
  accounts?: Partial<Omit<AccountOptions, 'now'>>;
  console?: Partial<ConsoleOptions>;
}

/** A running orchestrator replica. */
export interface Orchestrator extends RunningServer {
  service: OrchestratorService;
  store: Store;
}

/** Opens the store and serves the API; close() stops the server and closes the store. */
export async function startOrchestrator(o: OrchestratorOptions): Promise<Orchestrator> {
  const store = await openStore(o.db);
  const { db: _db, adminToken, host, port, tickMs, log, auditRetentionMs, accounts: accountOpts, console: consoleOpts, ...svcOpts } = o;
  const service = new OrchestratorService(store, svcOpts);
  const accounts = new Accounts(store, adminToken, { ...accountOpts, now: service.opts.now });
  let server: RunningServer;
  try {
    server = await startServer(service, { accounts, console: consoleHandler(service, accounts, consoleOpts), tickMs: tickMs ?? 250, ...(log && { log }) }, host ?? '127.0.0.1', port ?? 0);
  } catch (e) {
    await store.close();
    throw e;
  }
  const stopRetention = auditRetentionMs === undefined ? () => Promise.resolve() : retention(service, auditRetentionMs, log ?? ((l) => process.stderr.write(`${l}\n`)));
  return {
    ...server,
    service,
    store,
    close: async () => {
      await stopRetention();
      await server.close();
      await store.close();
    },
  };
}

/**
 * Prunes audit records past the retention at start and then every min(retention / 10, 1 h).
 * Every replica may run it: a prune that finds nothing older writes nothing. Returns the stop.
 */
function retention(service: OrchestratorService, retentionMs: number, log: (line: string) => void): () => Promise<void> {
  let running = Promise.resolve();
  const run = (): void => {
    running = running.then(async () => {
      const before = BigInt(service.opts.now() - retentionMs) * 1_000_000n;
      try {
        const r = await service.pruneAudit('orchestrator', before);
        if (r.records > 0) log(`orchestrator: audit retention pruned ${r.records} record(s) of ${r.nodes.length} node(s)`);
      } catch (e) {
        log(`orchestrator: audit retention failed (retried at the next period): ${e instanceof Error ? e.message : String(e)}`);
      }
    });
  };
  run();
  const timer = setInterval(run, Math.max(1000, Math.min(Math.floor(retentionMs / 10), 3_600_000)));
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
