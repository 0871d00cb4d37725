// Shared scaffolding for the orchestrator's tests: the stores every suite runs against, temp
// directories, node identities.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrivateKey, randomBytes } from 'node:crypto';
import { after } from 'node:test';
import pg from 'pg';
import { openStore } from '../../../src/adk/orchestrator/store/open.ts';
import type { Store } from '../../../src/adk/orchestrator/store/store.ts';
import { AdminClient, newAdminToken, SimAgent, startOrchestrator, type Orchestrator, type OrchestratorOptions, type SimAgentOptions } from '../../../src/adk/orchestrator/index.ts';
import { generateKeyPair } from '../../../src/common/ed25519.ts';

/** The PostgreSQL server tests may use (.ci/postgres.sh exports it), or undefined. */
export const PG_URL = process.env['AUTONOMY_TEST_PG_URL'];

/** Why PostgreSQL tests are skipped, or false when they run. */
export const PG_SKIP: string | false = PG_URL ? false : 'PostgreSQL tests skipped: no server (set AUTONOMY_TEST_PG_URL, e.g. `source .ci/postgres.sh && pg_test_start`)';

/** A fresh temp directory, removed when the test file ends. */
export function tempDir(prefix = 'orch-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A URL for a fresh, empty schema on the test server, so test files running in parallel (and
 * several orchestrator replicas in one test) share a server but not tables. Dropped at the end.
 */
export async function freshPgUrl(): Promise<string> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  after(async () => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA ${schema} CASCADE`);
    await c.end();
  });
  const u = new URL(PG_URL!);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

/** A store kind the suites run against. */
export interface StoreKind {
  name: string;
  skip: string | false;
  /** The --db argument of a fresh, empty store. */
  db(): Promise<string>;
}

export const STORE_KINDS: StoreKind[] = [
  { name: 'sqlite', skip: false, db: async () => join(tempDir('orch-db-'), 'orchestrator.db') },
  { name: 'postgres', skip: PG_SKIP, db: freshPgUrl },
];

/** Opens a fresh store of a kind, closed when the test file ends. */
export async function freshStore(kind: StoreKind): Promise<Store> {
  const store = await openStore(await kind.db());
  after(() => store.close());
  return store;
}

/** A running orchestrator on a fresh store of kind, with an admin client; closed at the end. */
export async function orchestrator(kind: StoreKind = STORE_KINDS[0]!, opts: Partial<OrchestratorOptions> = {}): Promise<{ orch: Orchestrator; admin: AdminClient; token: string }> {
  const token = newAdminToken();
  const orch = await startOrchestrator({ db: await kind.db(), adminToken: token, tickMs: 50, offlineAfterMs: 3000, log: () => undefined, ...opts });
  after(() => orch.close());
  return { orch, admin: new AdminClient(orch.url, token, 'test'), token };
}

/** Enrolls n simulated agents with one token each (labels applied), started unless told otherwise. */
export async function simFleet(url: string, admin: AdminClient, n: number, labels: Record<string, string>, opts: SimAgentOptions & { start?: boolean } = {}): Promise<SimAgent[]> {
  const agents: SimAgent[] = [];
  for (let i = 0; i < n; i++) {
    const { token } = await admin.json<{ token: string }>('POST', '/v1/admin/tokens', { labels });
    const a = await SimAgent.enroll(url, createPrivateKey(generateKeyPair().privatePem), token, { waitMs: 2000, retryMs: 50, ...opts });
    if (opts.start !== false) a.start();
    agents.push(a);
  }
  after(() => Promise.all(agents.map((a) => a.stop())));
  return agents;
}

/** Polls cond every 50 ms until it holds or timeoutMs passes (then fails with what). */
export async function until(what: string, cond: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
