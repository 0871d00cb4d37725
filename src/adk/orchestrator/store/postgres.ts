// The PostgreSQL driver (`pg`): for fleets that outgrow one machine, with several stateless
// orchestrator replicas on one database. Row locks (SELECT … FOR UPDATE) and transaction-scoped
// advisory locks make concurrent rollout steps safe.
import pg from 'pg';
import { AutonomyError } from '../../../common/errors.ts';
import type { Dialect, SqlConn, SqlDb, SqlParam, SqlRow, SqlTx } from './driver.ts';

const DIALECT: Dialect = { name: 'postgres', bytes: 'BYTEA', forUpdate: ' FOR UPDATE' };
const INT8 = 20;

// BIGINT arrives as a string by default (it may exceed 2^53); ours are times in ms and counters.
const types = {
  getTypeParser: ((oid: number, format?: string) => (oid === INT8 ? Number : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser,
};

function conn(q: pg.Pool | pg.PoolClient): SqlConn {
  return {
    all: async (sql, params: readonly SqlParam[] = []) => (await q.query(sql, params as unknown[])).rows as SqlRow[],
    run: async (sql, params: readonly SqlParam[] = []) => (await q.query(sql, params as unknown[])).rowCount ?? 0,
  };
}

class PostgresDb implements SqlDb {
  readonly dialect = DIALECT;
  readonly #pool: pg.Pool;
  readonly all: SqlConn['all'];
  readonly run: SqlConn['run'];

  constructor(url: string, max: number) {
    this.#pool = new pg.Pool({ connectionString: url, max, types });
    // An idle client losing its connection must not crash the process; the next query reports it.
    this.#pool.on('error', () => undefined);
    ({ all: this.all, run: this.run } = conn(this.#pool));
  }

  async transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const tx: SqlTx = {
        ...conn(client),
        exec: async (sql) => void (await client.query(sql)),
        lock: async (name) => void (await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [name])),
      };
      const out = await fn(tx);
      await client.query('COMMIT');
      return out;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  async exec(sql: string): Promise<void> {
    await this.#pool.query(sql);
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}

/** Connects to PostgreSQL at url (postgres://…) and checks that it answers. */
export async function openPostgres(url: string, maxConnections = 10): Promise<SqlDb> {
  const db = new PostgresDb(url, maxConnections);
  try {
    await db.all('SELECT 1');
  } catch (e) {
    await db.close().catch(() => undefined);
    throw new AutonomyError('store_unavailable', `cannot reach PostgreSQL at ${redactUrl(url)}: ${(e as Error).message}`, { cause: e });
  }
  return db;
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
